/**
 * The vocabulary of the media bridge: the events it is fed (from Twilio's
 * stream, the agent's socket, the room and the clock) and the actions it
 * answers with. The Durable Object turns socket traffic into events and
 * carries out the actions; the decisions live in `bridge.ts`.
 */
import type { AgentEvent } from '../elevenlabs/protocol.ts'
import type { StreamEvent } from '../twilio/media-stream.ts'
import type { TranscriptEntry } from './transcript.ts'

export type BridgeEvent =
  | { type: 'twilio'; message: StreamEvent }
  | { type: 'twilio_closed'; code: number; reason: string }
  /** The room accepted a stream socket: it must send its `start` in `streamStartMs`. */
  | { type: 'twilio_opened' }
  /** The room refused the stream's `start` (its one-time token); the stream is closed with 1008. */
  | { type: 'start_refused'; reason: string }
  /**
   * Twilio reported that the agent's stream failed, or the agent's leg left the conference:
   * if its stream has not started, it will not come (Twilio does not try again).
   */
  | { type: 'stream_failed'; reason: string }
  /** `attempt` names the agent connection the event belongs to; older ones are ignored. */
  | { type: 'agent_opened'; attempt: number }
  | { type: 'agent_event'; attempt: number; event: AgentEvent }
  | { type: 'agent_closed'; attempt: number; code: number; reason: string }
  | { type: 'agent_failed'; attempt: number; reason: string; retryable: boolean }
  /** A person (not the agent) is in the conference, so the agent's greeting will be heard. */
  | { type: 'humans_present' }
  /**
   * Something the agent should know; updates with the same contextId replace each other.
   * `later`: what a conversation opened after one has been told `text` hears in its place,
   * when `text` is news (someone joined) that would be stale by then.
   */
  | { type: 'context'; text: string; contextId?: string; later?: string }
  | { type: 'tick' }
  | { type: 'end'; reason: string }

export type BridgeAction =
  | { type: 'twilio_send'; data: string }
  | { type: 'twilio_close'; code: number; reason: string }
  /** Close the stream socket and forget it: the bridge still awaits the stream Twilio meant. */
  | { type: 'twilio_let_go'; code: number; reason: string }
  | { type: 'agent_connect'; attempt: number }
  | { type: 'agent_send'; data: string }
  | { type: 'agent_close'; attempt: number; code: number; reason: string }
  /** When the next `tick` is due; undefined cancels it. Replaces any earlier timer. */
  | { type: 'timer'; at: number | undefined }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** `speaking` flips with every reply, so it is shown but not worth a storage write. */
  | { type: 'changed'; part: 'agent' | 'stream' | 'speaking' }
  | { type: 'transcript'; entry: TranscriptEntry }

export type AgentStatus =
  /** Waiting for the agent's stream to start, or for a person to join. */
  | 'waiting'
  | 'connecting'
  | 'ready'
  | 'reconnecting'
  /** Gave up (or cannot work with this agent); the call continues without it. */
  | 'unavailable'
  | 'ended'

export interface AgentView {
  status: AgentStatus
  /** Some of its audio has been sent to Twilio and not yet played (its mark not back). */
  speaking: boolean
  /**
   * ElevenLabs' id of the latest conversation that became ready; kept while the agent
   * reconnects (in the bridge or on a new stream) until the next one is ready.
   */
  conversationId?: string
  /** The formats that conversation asked for, as named (an unsupported one included). */
  inputFormat?: string
  outputFormat?: string
  /** Reconnections over the call: the bridges' own and one for each stream resumed. */
  reconnects: number
  /** Why it is unavailable, or the agent's last error, in words for the page. */
  error?: string
}

export interface StreamView {
  status: 'awaiting' | 'live' | 'stopped'
  streamSid?: string
  callSid?: string
}

export interface BridgeStats {
  twilioFrames: number
  agentChunksSent: number
  agentAudioEvents: number
  twilioMediaSent: number
  staleAudioDropped: number
  /** Agent audio events of its first message, not played again after a reconnection. */
  repeatedGreetingDropped: number
  paddedMs: number
  /** Milliseconds of timestamp gaps beyond `maxGapFillMs`, not filled with silence. */
  unpaddedMs: number
  bufferedMsDropped: number
  playedMs: number
  clears: number
  pings: number
  /** Bad input by kind: Twilio's (`twilio:<reason>`) and the agent's (`agent:<reason>`). */
  invalid: Record<string, number>
  /**
   * Agent messages of types the contract does not name (a newer server's), by type, the
   * first MAX_IGNORED_TYPES of them: ignored, not bad input.
   */
  ignored: Record<string, number>
}

export interface BridgeOptions {
  /** The `conversation_initiation_client_data` message, built from configuration. */
  initiation: string
  /** How long to hold the agent back while nobody has joined yet (its greeting would be lost). */
  humanWaitMs?: number
  /** How long a stream socket has to send `start` before it is let go. */
  streamStartMs?: number
  /** Caller audio kept while the agent is not ready, so the first words are not lost. */
  maxBufferMs?: number
  /** Silence from the agent's socket (not even a ping) after which it counts as dead. */
  keepaliveTimeoutMs?: number
  /**
   * How long a connection attempt may take to reach `conversation_initiation_metadata`; a
   * reconnection gets at most what is left of the reconnection window.
   */
  connectTimeoutMs?: number
  /**
   * How long after a failure the agent may take to be ready again before it is declared
   * unavailable; the reconnection attempts all fall inside it.
   */
  reconnectWindowMs?: number
  /** Delay before each reconnection attempt; its length is the most attempts, all in the window. */
  reconnectDelaysMs?: number[]
  /** The longest timestamp gap filled with silence; the rest of a longer one is left out. */
  maxGapFillMs?: number
  /**
   * A response's audio counts as complete (and gets its mark) after this long without more;
   * longer than the agent's pauses between chunks, far shorter than what Twilio has queued.
   */
  markAfterIdleMs?: number
  /**
   * The call had an agent stream before this one, which was lost (the room restarted, the
   * connection broke): the agent is told the conversation so far, and its greeting, which
   * the call has heard, is not played again.
   */
  resumed?: boolean
  /**
   * The agent had left the call and someone on it brought it back on a new leg: its first
   * conversation is told so, not that a connection dropped.
   */
  returned?: boolean
}
