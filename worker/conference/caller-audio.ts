/**
 * The callers' audio on its way to the agent: Twilio's mu-law frames, with
 * timestamp gaps filled with silence (Twilio does not always send silence, and
 * the agent's turn detection needs real time), held in a bounded buffer while
 * the agent is not ready, and converted to the agent's input format.
 *
 * Framing: one Twilio frame (20 ms) becomes one `user_audio_chunk`, so this
 * adds no latency; a filled gap travels in the same chunk as the frame after it.
 */
import { decodeBase64, decodedLength, encodeBase64 } from '../audio/base64.ts'
import { type AudioConverter, twilioToAgent } from '../audio/converters.ts'
import type { AgentAudioFormat } from '../audio/formats.ts'
import { MULAW_SILENCE } from '../audio/mulaw.ts'

const BYTES_PER_MS = 8

export class CallerAudio {
  #converter: AudioConverter | undefined
  #passthrough = false
  #pending: Uint8Array[] = []
  #pendingBytes = 0
  #nextTimestamp: number | undefined
  readonly #maxBufferBytes: number
  readonly #maxGapFillBytes: number
  paddedMs = 0
  droppedMs = 0

  constructor(options: { maxBufferMs: number; maxGapFillMs: number }) {
    this.#maxBufferBytes = options.maxBufferMs * BYTES_PER_MS
    this.#maxGapFillBytes = options.maxGapFillMs * BYTES_PER_MS
  }

  get ready(): boolean {
    return this.#converter !== undefined
  }

  /** Starts converting to `format` (a new agent connection: fresh filter state). */
  connect(format: AgentAudioFormat): void {
    this.#converter = twilioToAgent(format)
    this.#passthrough = format === 'ulaw_8000'
  }

  /** Stops converting; frames are buffered again until the next `connect`. */
  disconnect(): void {
    this.#converter = undefined
  }

  /**
   * Takes one Twilio frame's payload and returns the `user_audio_chunk` payload to send
   * now, '' when there is none (the agent is not ready: the frame is buffered), or
   * undefined when the payload is not base64.
   */
  frame(payload: string, timestamp: number): string | undefined {
    const frameBytes = decodedLength(payload)
    if (frameBytes < 0) return undefined
    const converter = this.#converter
    if (converter && !this.#wouldGap(timestamp)) {
      // The common case, allocation-free but for the result: no gap, agent ready.
      const chunk = converter.convertBase64(payload)
      if (chunk !== undefined) this.#nextTimestamp = nextTimestamp(timestamp, frameBytes)
      return chunk
    }
    const mulaw = decodeBase64(payload)
    if (!mulaw) return undefined
    const gap = this.#gapBytes(timestamp)
    this.#nextTimestamp = nextTimestamp(timestamp, frameBytes)
    if (!converter) {
      if (gap > 0) this.#buffer(silence(gap))
      this.#buffer(mulaw)
      return ''
    }
    if (gap === 0 && this.#passthrough) return payload
    const audio = gap > 0 ? concat([silence(gap), mulaw]) : mulaw
    return encodeBase64(converter.convert(audio))
  }

  /** Everything buffered while the agent was not ready, converted, in chunks of at most 500 ms. */
  flush(): string[] {
    if (!this.#converter || this.#pendingBytes === 0) return []
    const all = concat(this.#pending)
    this.#pending = []
    this.#pendingBytes = 0
    const chunks: string[] = []
    for (let offset = 0; offset < all.length; offset += 500 * BYTES_PER_MS) {
      const slice = all.subarray(offset, offset + 500 * BYTES_PER_MS)
      chunks.push(encodeBase64(this.#converter.convert(slice)))
    }
    return chunks
  }

  /** Twilio's clock has 1 ms resolution; only a whole missing frame (20 ms) is a gap. */
  #wouldGap(timestamp: number): boolean {
    const expected = this.#nextTimestamp
    return expected !== undefined && Number.isFinite(timestamp) && timestamp - expected >= 20
  }

  #gapBytes(timestamp: number): number {
    if (!this.#wouldGap(timestamp) || this.#nextTimestamp === undefined) return 0
    const gapMs = timestamp - this.#nextTimestamp
    const bytes = Math.min(Math.round(gapMs) * BYTES_PER_MS, this.#maxGapFillBytes)
    this.paddedMs += bytes / BYTES_PER_MS
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

/** Where the next frame should start; an unusable timestamp leaves the clock unknown. */
const nextTimestamp = (timestamp: number, frameBytes: number): number | undefined =>
  Number.isFinite(timestamp) ? timestamp + frameBytes / BYTES_PER_MS : undefined

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
