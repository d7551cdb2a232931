/**
 * The JSON shapes of the worker's API, as the page receives them. Room shapes
 * come straight from the worker's own types so the two cannot drift apart;
 * the rest mirror worker/routes/*.ts, which do not export theirs.
 */
import type {
  ParticipantView,
  RoomEventMessage,
  RoomView,
} from '../../../worker/conference/room-record.ts'
import type { TranscriptEntry } from '../../../worker/conference/transcript.ts'

export type { ParticipantView, RoomEventMessage, RoomView, TranscriptEntry }

export type AgentStatus = RoomView['agent']['status']

/** `GET /api/health` (worker/routes/health.ts). */
export interface Health {
  status: 'ok' | 'incomplete'
  missing: { name: string; disables: string }[]
  warnings: string[]
  /** The page may talk to the agent without Twilio (worker/routes/local-calls.ts). */
  localCalls: boolean
  /** `problem`: why a value that is set was refused, the setting's name first. */
  settings: { name: string; present: boolean; problem?: string }[]
}

/** `GET /api/twilio/token` (worker/routes/token.ts). */
export interface VoiceToken {
  token: string
  identity: string
  expiresAt: string
}

/** `POST /api/twilio/start-conference` (worker/routes/conferences.ts). */
export interface StartRequest {
  agentId?: string
  phoneNumber?: string
}

export interface StartedConference {
  conferenceId: string
  room: RoomView
  warnings: string[]
}

/** `POST /api/local/conversations` (worker/routes/local-calls.ts). */
export interface StartedLocalCall {
  conferenceId: string
  /** The one-time token the page's stream carries in its `start`. */
  streamToken: string
  room: RoomView
  /** What the call goes on without (a conversation setting left out). */
  warnings: string[]
}

/** `GET /api/twilio/conferences/:id/transcript` (worker/routes/transcript.ts): every line. */
export interface WholeTranscript {
  conferenceId: string
  transcript: TranscriptEntry[]
}

/** `POST /api/twilio/conferences/:id/participants/:callSid`. */
export interface ParticipantChange {
  muted?: boolean
  hold?: boolean
}
