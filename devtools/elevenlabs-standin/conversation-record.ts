/**
 * What the stand-in remembers about one conversation, for tests and
 * benchmarks to inspect through the control API: counts and timings of what
 * the client sent, the initiation payload, contextual updates, tool results,
 * pong latencies, what the agent said, and the last few messages each way.
 * Memory stays bounded (counts plus the last N items, never every audio
 * chunk), because benchmarks run 50+ conversations for minutes.
 */

/** A message from the client; audio is summarized by its size. */
export interface ReceivedMessage {
  at: number
  type: string
  bytes?: number
  message?: unknown
}

export interface SentMessage {
  at: number
  type: string
  eventId?: number
  bytes?: number
}

export interface ConversationRecord {
  conversationId: string
  agentId: string
  status: 'connecting' | 'active' | 'closed'
  /** Epoch milliseconds, like every `at` below. */
  connectedAt: number
  initiatedAt?: number
  closedAt?: number
  close?: { code: number; reason: string; by: 'server' | 'client' }
  /** conversation_initiation_client_data as received; absent when the client sent none. */
  initiation?: Record<string, unknown>
  dynamicVariables: Record<string, unknown>
  received: {
    /** By message type; audio counts as `user_audio_chunk`. */
    counts: Record<string, number>
    audioBytes: number
    /** Duration of the audio received, in the agent's input format. */
    audioMs: number
    firstAudioAt?: number
    lastAudioAt?: number
  }
  contextualUpdates: { at: number; text: string; contextId?: string }[]
  toolResults: {
    at: number
    toolCallId: string
    result: string
    isError: boolean
    expected: boolean
  }[]
  userMessages: { at: number; text?: string }[]
  pongs: { count: number; lastLatencyMs?: number; maxLatencyMs?: number; meanLatencyMs?: number }
  sent: { counts: Record<string, number>; audioBytes: number; audioMs: number; lastEventId: number }
  turns: { user: number; agent: number; interruptions: number }
  /** Why the stand-in closed the conversation on the client (error events it sent). */
  violations: { at: number; code: number; errorType: string; message: string }[]
  recentReceived: ReceivedMessage[]
  recentSent: SentMessage[]
}

const RECENT = 50
const LISTED = 20
/** Larger messages are kept as a truncated string. */
const MAX_KEPT_CHARS = 2000

export function newRecord(
  conversationId: string,
  agentId: string,
  now: number,
): ConversationRecord {
  return {
    conversationId,
    agentId,
    status: 'connecting',
    connectedAt: now,
    dynamicVariables: {},
    received: { counts: {}, audioBytes: 0, audioMs: 0 },
    contextualUpdates: [],
    toolResults: [],
    userMessages: [],
    pongs: { count: 0 },
    sent: { counts: {}, audioBytes: 0, audioMs: 0, lastEventId: 0 },
    turns: { user: 0, agent: 0, interruptions: 0 },
    violations: [],
    recentReceived: [],
    recentSent: [],
  }
}

export function keepLast<T>(list: T[], item: T, limit = LISTED): void {
  list.push(item)
  if (list.length > limit) list.splice(0, list.length - limit)
}

const bump = (counts: Record<string, number>, type: string) => {
  counts[type] = (counts[type] ?? 0) + 1
}

/** A message other than audio, kept as parsed JSON (or as text when it is not JSON). */
export function noteReceived(
  record: ConversationRecord,
  at: number,
  type: string,
  text: string,
): void {
  bump(record.received.counts, type)
  keepLast(record.recentReceived, { at, type, message: keepable(text) }, RECENT)
}

export function noteAudioReceived(
  record: ConversationRecord,
  at: number,
  bytes: number,
  ms: number,
) {
  bump(record.received.counts, 'user_audio_chunk')
  keepLast(record.recentReceived, { at, type: 'user_audio_chunk', bytes }, RECENT)
  const { received } = record
  received.audioBytes += bytes
  received.audioMs += ms
  received.firstAudioAt ??= at
  received.lastAudioAt = at
}

/** `audio` is the size and duration of an audio event's payload. */
export function noteSent(
  record: ConversationRecord,
  entry: SentMessage,
  audio?: { bytes: number; ms: number },
): void {
  bump(record.sent.counts, entry.type)
  const { sent } = record
  if (entry.eventId !== undefined) sent.lastEventId = Math.max(sent.lastEventId, entry.eventId)
  keepLast(record.recentSent, audio ? { ...entry, bytes: audio.bytes } : entry, RECENT)
  if (!audio) return
  sent.audioBytes += audio.bytes
  sent.audioMs += audio.ms
}

export function notePong(record: ConversationRecord, latencyMs: number): void {
  const { pongs } = record
  const mean = pongs.meanLatencyMs ?? 0
  pongs.count++
  pongs.meanLatencyMs = mean + (latencyMs - mean) / pongs.count
  pongs.lastLatencyMs = latencyMs
  pongs.maxLatencyMs = Math.max(pongs.maxLatencyMs ?? 0, latencyMs)
}

function keepable(text: string): unknown {
  if (text.length > MAX_KEPT_CHARS) return `${text.slice(0, MAX_KEPT_CHARS)}…`
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
