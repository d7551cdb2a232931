/**
 * The audio formats an ElevenLabs agent may ask for, as named in
 * `conversation_initiation_metadata` (`user_input_audio_format`,
 * `agent_output_audio_format`), typed from the AsyncAPI contract by `@elevenlabs/types`:
 * a format the contract adds fails to compile here until it has a rate, which is all the
 * audio engine needs. `pcm_*` is 16-bit signed little-endian mono.
 */
import type {
  ConversationInitiationMetadataEventUserInputAudioFormat as InputFormat,
  ConversationInitiationMetadataEventAgentOutputAudioFormat as OutputFormat,
} from '@elevenlabs/types'

export type AgentAudioFormat = InputFormat | OutputFormat

const SAMPLE_RATES: Readonly<Record<AgentAudioFormat, number>> = {
  ulaw_8000: 8000,
  pcm_8000: 8000,
  pcm_16000: 16000,
  pcm_22050: 22050,
  pcm_24000: 24000,
  pcm_44100: 44100,
  pcm_48000: 48000,
}

export const AGENT_AUDIO_FORMATS = Object.keys(SAMPLE_RATES) as readonly AgentAudioFormat[]

export function parseAgentAudioFormat(value: unknown): AgentAudioFormat | undefined {
  return typeof value === 'string' && Object.hasOwn(SAMPLE_RATES, value)
    ? (value as AgentAudioFormat)
    : undefined
}

export function sampleRateOf(format: AgentAudioFormat): number {
  return SAMPLE_RATES[format]
}
