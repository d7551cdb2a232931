/**
 * The callers' audio on its way to the agent: Twilio's mu-law frames, with
 * timestamp gaps filled with silence (Twilio does not always send silence, and
 * the agent's turn detection needs real time), held in a bounded buffer while
 * the agent is not ready, and converted to the agent's input format.
 *
 * Framing: one Twilio frame (20 ms) becomes one `user_audio_chunk`, so this
 * adds no latency; a filled gap travels with the frame after it, in chunks of
 * at most 500 ms. No timer makes silence while frames are missing. Twilio's
 * documentation does not say whether a stream ever pauses (the agent's leg carries
 * the conference's mix, which we expect to keep coming); when one does, the gap
 * shows in the next frame's timestamp and is filled then. A timer could not tell
 * a paused stream from a late one, and would put silence into the middle of
 * speech that arrives late after a stall.
 */
import { decodeBase64, decodedLength, encodeBase64 } from '../audio/base64.ts'
import { type AudioConverter, twilioToAgent } from '../audio/converters.ts'
import type { AgentAudioFormat } from '../audio/formats.ts'
import { MULAW_SILENCE } from '../audio/mulaw.ts'

const BYTES_PER_MS = 8
/** The most audio in one chunk of a flush or a filled gap: seconds go as several messages. */
const MAX_CHUNK_BYTES = 500 * BYTES_PER_MS

export class CallerAudio {
  #converter: AudioConverter | undefined
  #pending: Uint8Array[] = []
  #pendingBytes = 0
  #nextTimestamp: number | undefined
  readonly #maxBufferBytes: number
  readonly #maxGapFillBytes: number
  paddedMs = 0
  /** Milliseconds of timestamp gaps beyond the longest fill, left out of the agent's timeline. */
  unpaddedMs = 0
  droppedMs = 0

  constructor(options: { maxBufferMs: number; maxGapFillMs: number }) {
    this.#maxBufferBytes = options.maxBufferMs * BYTES_PER_MS
    this.#maxGapFillBytes = options.maxGapFillMs * BYTES_PER_MS
  }

  /** Starts converting to `format` (a new agent connection: fresh filter state). */
  connect(format: AgentAudioFormat): void {
    this.#converter = twilioToAgent(format)
  }

  /** Stops converting; frames are buffered again until the next `connect`. */
  disconnect(): void {
    this.#converter = undefined
  }

  /**
   * Takes one Twilio frame's payload and hands `send` the `user_audio_chunk` payloads for
   * it: none while the agent is not ready (the frame is buffered), several after a long
   * gap. Returns false, sending nothing, when the payload is not base64.
   */
  frame(payload: string, timestamp: number, send: (chunk: string) => void): boolean {
    const frameBytes = decodedLength(payload)
    if (frameBytes < 0) return false
    const converter = this.#converter
    if (converter && !this.#wouldGap(timestamp)) {
      // The common case, allocation-free but for the chunk: no gap, agent ready.
      const chunk = converter.convertBase64(payload)
      if (chunk === undefined) return false
      this.#nextTimestamp = nextTimestamp(this.#nextTimestamp, timestamp, frameBytes)
      if (chunk) send(chunk)
      return true
    }
    const mulaw = decodeBase64(payload)
    if (!mulaw) return false
    const gap = this.#gapBytes(timestamp)
    this.#nextTimestamp = nextTimestamp(this.#nextTimestamp, timestamp, frameBytes)
    if (!converter) {
      if (gap > 0) this.#buffer(silence(gap))
      this.#buffer(mulaw)
      return true
    }
    this.#sendInChunks(converter, gap > 0 ? concat([silence(gap), mulaw]) : mulaw, send)
    return true
  }

  /** Sends everything buffered while the agent was not ready, converted. */
  flush(send: (chunk: string) => void): void {
    if (!this.#converter || this.#pendingBytes === 0) return
    const all = concat(this.#pending)
    this.#pending = []
    this.#pendingBytes = 0
    this.#sendInChunks(this.#converter, all, send)
  }

  #sendInChunks(converter: AudioConverter, mulaw: Uint8Array, send: (chunk: string) => void): void {
    for (let offset = 0; offset < mulaw.length; offset += MAX_CHUNK_BYTES) {
      const slice = mulaw.subarray(offset, offset + MAX_CHUNK_BYTES)
      const chunk = encodeBase64(converter.convert(slice))
      if (chunk) send(chunk)
    }
  }

  /** Twilio's clock has 1 ms resolution; only a whole missing frame (20 ms) is a gap. */
  #wouldGap(timestamp: number): boolean {
    const expected = this.#nextTimestamp
    return expected !== undefined && Number.isFinite(timestamp) && timestamp - expected >= 20
  }

  #gapBytes(timestamp: number): number {
    if (!this.#wouldGap(timestamp) || this.#nextTimestamp === undefined) return 0
    const gapBytes = Math.round(timestamp - this.#nextTimestamp) * BYTES_PER_MS
    const bytes = Math.min(gapBytes, this.#maxGapFillBytes)
    this.paddedMs += bytes / BYTES_PER_MS
    this.unpaddedMs += (gapBytes - bytes) / BYTES_PER_MS
    return bytes
  }

  #buffer(bytes: Uint8Array): void {
    this.#pending.push(bytes)
    this.#pendingBytes += bytes.length
    while (this.#pendingBytes > this.#maxBufferBytes && this.#pending.length > 1) {
      const dropped = this.#pending.shift()
      if (!dropped) break
      this.#pendingBytes -= dropped.length
      this.droppedMs += dropped.length / BYTES_PER_MS
    }
  }
}

/**
 * Where the next frame should start: never before where it already was expected, so a
 * frame stamped behind the clock (a stray timestamp, a repeat) does not make the next one
 * look late and bring seconds of made-up silence. An unusable timestamp leaves the clock
 * unknown.
 */
function nextTimestamp(
  expected: number | undefined,
  timestamp: number,
  frameBytes: number,
): number | undefined {
  if (!Number.isFinite(timestamp)) return undefined
  const next = timestamp + frameBytes / BYTES_PER_MS
  return expected !== undefined && expected > next ? expected : next
}

const silence = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(MULAW_SILENCE)

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
