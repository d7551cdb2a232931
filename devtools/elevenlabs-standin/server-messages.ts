/**
 * The server messages the stand-in sends, built in the contract's shapes
 * (typed by `@elevenlabs/types`, generated from the AsyncAPI contract).
 */
import type {
  AgentResponseClientEvent,
  AgentResponseCorrectionClientEvent,
  AudioClientEvent,
  ConversationMetadata,
  ErrorClientEvent,
  ErrorEventCode,
  ErrorEventErrorType,
  Interruption,
  Ping,
  TentativeUserTranscriptionClientEvent,
  UserTranscriptionClientEvent,
  VadScoreClientEvent,
} from '@elevenlabs/types'
import type { AudioFormat } from './agent-config.ts'

export type ServerMessage =
  | ConversationMetadata
  | AudioClientEvent
  | Interruption
  | Ping
  | AgentResponseClientEvent
  | AgentResponseCorrectionClientEvent
  | UserTranscriptionClientEvent
  | TentativeUserTranscriptionClientEvent
  | VadScoreClientEvent
  | ErrorClientEvent

export const metadata = (
  conversationId: string,
  input: AudioFormat,
  output: AudioFormat,
): ConversationMetadata => ({
  type: 'conversation_initiation_metadata',
  conversation_initiation_metadata_event: {
    conversation_id: conversationId,
    agent_output_audio_format: output,
    user_input_audio_format: input,
  },
})

export const audio = (base64: string, eventId: number): AudioClientEvent => ({
  type: 'audio',
  audio_event: { audio_base_64: base64, event_id: eventId },
})

export const interruption = (eventId: number): Interruption => ({
  type: 'interruption',
  interruption_event: { event_id: eventId },
})

/** ping_ms is null until a pong has been timed (contract: PingData.ping_ms). */
export const ping = (eventId: number, pingMs: number | undefined): Ping => ({
  type: 'ping',
  ping_event: { event_id: eventId, ping_ms: pingMs ?? null },
})

export const agentResponse = (text: string, eventId: number): AgentResponseClientEvent => ({
  type: 'agent_response',
  agent_response_event: { agent_response: text, event_id: eventId },
})

export const agentResponseCorrection = (
  original: string,
  corrected: string,
  eventId: number,
): AgentResponseCorrectionClientEvent => ({
  type: 'agent_response_correction',
  agent_response_correction_event: {
    original_agent_response: original,
    corrected_agent_response: corrected,
    event_id: eventId,
  },
})

export const userTranscript = (text: string, eventId: number): UserTranscriptionClientEvent => ({
  type: 'user_transcript',
  user_transcription_event: { user_transcript: text, event_id: eventId },
})

export const tentativeUserTranscript = (
  text: string,
  eventId: number,
): TentativeUserTranscriptionClientEvent => ({
  type: 'tentative_user_transcript',
  tentative_user_transcription_event: { user_transcript: text, event_id: eventId },
})

export const vadScore = (score: number): VadScoreClientEvent => ({
  type: 'vad_score',
  vad_score_event: { vad_score: score },
})

export const error = (
  code: ErrorEventCode,
  errorType: ErrorEventErrorType,
  message: string,
): ErrorClientEvent => ({
  type: 'error',
  error_event: { code, error_type: errorType, message },
})
