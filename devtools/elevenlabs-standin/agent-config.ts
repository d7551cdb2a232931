/**
 * The agents the stand-in knows, as ElevenLabs would configure them: audio
 * formats, which overrides and dynamic variables a conversation may send, how
 * the agent replies, and the timing knobs tests need (ping interval, the 60 s
 * inactivity timeout). Agents are registered at start or through the control
 * API, each under its own id, so parallel tests do not see each other.
 */
import { z } from 'zod'

/** Formats of the contract's AudioFormat enum (input and output alike). */
export const AUDIO_FORMATS = [
  'pcm_8000',
  'pcm_16000',
  'pcm_22050',
  'pcm_24000',
  'pcm_44100',
  'pcm_48000',
  'ulaw_8000',
] as const
export type AudioFormat = (typeof AUDIO_FORMATS)[number]

const ms = z.number().int().nonnegative()

const agentConfigSchema = z.object({
  agentId: z.string().min(1).max(200),
  userInputAudioFormat: z.enum(AUDIO_FORMATS).default('pcm_16000'),
  agentOutputAudioFormat: z.enum(AUDIO_FORMATS).default('pcm_16000'),
  /** Override paths the agent allows, e.g. `agent.first_message`, `tts.voice_id`. Real agents allow none until enabled. */
  allowedOverrides: z.array(z.string()).default([]),
  /** Variables the agent's prompt uses: a conversation without them is refused. */
  requiredDynamicVariables: z.array(z.string()).default([]),
  /** When set, any other dynamic variable is refused (a stand-in knob; see README). */
  allowedDynamicVariables: z.array(z.string()).optional(),
  /** Spoken (as tones) right after the metadata; empty: the agent waits for the user. */
  firstMessage: z.string().default('Hello! This is the local test agent.'),
  /** What the agent does when the user's turn ends: a tone phrase, the user's own audio back, or nothing. */
  reply: z.enum(['tones', 'echo', 'none']).default('tones'),
  /** From the end of the user's turn (or the metadata, for the greeting) to the first audio event. */
  replyLatencyMs: ms.default(300),
  /** Audio is generated this many times faster than it plays, as TTS streams ahead of playback. */
  generationSpeed: z.number().positive().max(1000).default(2),
  /**
   * Which id an `interruption` carries: that of the reply to come, whose audio then shares
   * it, as ElevenLabs has been seen to send (elevenlabs-python#829; its JS client plays
   * audio whose id is at least the interruption's), and the default; or that of the reply
   * it cut off (later replies take higher ids). A bridge must play the reply either way.
   */
  interruptionEventId: z.enum(['cut_reply', 'next_reply']).default('next_reply'),
  /** After an interruption, one more chunk of the reply it cut off, as if already in flight. */
  lateAudioAfterInterruption: z.boolean().default(false),
  /** Durations of successive audio events, cycled; uneven so nobody relies on a chunk size. */
  audioChunkMs: z.array(z.number().int().min(10).max(2000)).min(1).default([100, 250, 160, 60]),
  pingIntervalMs: ms.default(3000),
  /** "No user input for 60 seconds" closes with 1002 (contract: transport_receive_timeout). */
  inactivityTimeoutMs: ms.default(60_000),
  /** How long to wait for conversation_initiation_client_data before starting without it. */
  initiationTimeoutMs: ms.default(2000),
  /** Closes with 1000 (max_duration_exceeded) after this long; 0 means no limit. */
  maxDurationMs: ms.default(0),
  /** Keeps the first this many ms of the user's audio, as received, for the control API; 0: none. */
  keepUserAudioMs: ms.max(600_000).default(0),
  turnDetection: z
    .object({
      /** A 20 ms frame at or above this RMS level counts as speech. */
      thresholdDbfs: z.number().max(0).default(-40),
      minSpeechMs: ms.default(100),
      endSilenceMs: ms.default(600),
    })
    .prefault({}),
  /** Answer get-signed-url for this agent with this status and body instead (failure injection). */
  signedUrlResponse: z
    .object({ status: z.number().int().min(200).max(599), body: z.string() })
    .optional(),
})

export type AgentConfig = z.infer<typeof agentConfigSchema>
/** What a test registers: an id and whatever differs from the defaults. */
export type AgentConfigInput = z.input<typeof agentConfigSchema>

export const DEFAULT_AGENT_ID = 'agent_test_default'

/** Fills in the defaults, or says what is wrong with the input. */
export function parseAgentConfig(
  input: unknown,
): { ok: true; agent: AgentConfig } | { ok: false; error: string } {
  const result = agentConfigSchema.safeParse(input)
  if (result.success) return { ok: true, agent: result.data }
  return { ok: false, error: z.prettifyError(result.error) }
}

export class AgentRegistry {
  #agents = new Map<string, AgentConfig>()

  constructor(inputs: readonly AgentConfigInput[] = []) {
    this.register({ agentId: DEFAULT_AGENT_ID })
    for (const input of inputs) this.register(input)
  }

  register(input: AgentConfigInput): AgentConfig {
    const parsed = parseAgentConfig(input)
    if (!parsed.ok) throw new Error(`invalid agent config: ${parsed.error}`)
    this.#agents.set(parsed.agent.agentId, parsed.agent)
    return parsed.agent
  }

  get(agentId: string): AgentConfig | undefined {
    return this.#agents.get(agentId)
  }
}
