/**
 * A simple energy-based turn detector standing in for the agent's VAD and turn
 * taking: the user starts a turn after `minSpeechMs` of consecutive loud 20 ms
 * frames and ends it after `endSilenceMs` of quiet ones. It counts time in
 * samples, not wall-clock time, so the same audio always gives the same turns,
 * whatever the chunk sizes. It can keep the turn's audio for an echo reply.
 */
import { levelDbfs } from './audio-codec.ts'

export interface TurnDetectorOptions {
  sampleRate: number
  thresholdDbfs: number
  minSpeechMs: number
  endSilenceMs: number
  /** Keep up to this much of each turn's audio (0: keep none). */
  captureMs: number
}

export type TurnEvent =
  | { type: 'speech_started' }
  | { type: 'turn_ended'; speechMs: number; captured: Int16Array }

const FRAME_MS = 20

export class TurnDetector {
  /** The last frame's level, for a VAD score. */
  lastLevelDbfs = Number.NEGATIVE_INFINITY
  readonly #options: TurnDetectorOptions
  readonly #frame: Int16Array
  #filled = 0
  #speaking = false
  /** Consecutive loud frames while not yet speaking. */
  #onsetFrames: Int16Array[] = []
  #onsetCount = 0
  /** Frames since the turn started, and the index (1-based) of the last loud one. */
  #turnFrames = 0
  #lastLoudFrame = 0
  #quietFrames = 0
  #captured: Int16Array[] = []

  constructor(options: TurnDetectorOptions) {
    this.#options = options
    this.#frame = new Int16Array(Math.round((options.sampleRate * FRAME_MS) / 1000))
  }

  feed(samples: Int16Array): TurnEvent[] {
    const events: TurnEvent[] = []
    let offset = 0
    while (offset < samples.length) {
      const take = Math.min(this.#frame.length - this.#filled, samples.length - offset)
      this.#frame.set(samples.subarray(offset, offset + take), this.#filled)
      this.#filled += take
      offset += take
      if (this.#filled < this.#frame.length) break
      this.#filled = 0
      const event = this.#onFrame(this.#frame)
      if (event) events.push(event)
    }
    return events
  }

  #onFrame(frame: Int16Array): TurnEvent | undefined {
    this.lastLevelDbfs = levelDbfs(frame)
    const loud = this.lastLevelDbfs >= this.#options.thresholdDbfs
    return this.#speaking ? this.#continueTurn(frame, loud) : this.#awaitOnset(frame, loud)
  }

  #awaitOnset(frame: Int16Array, loud: boolean): TurnEvent | undefined {
    if (!loud) {
      this.#onsetCount = 0
      this.#onsetFrames = []
      return undefined
    }
    this.#onsetCount++
    this.#keep(this.#onsetFrames, frame, this.#onsetCount)
    if (this.#onsetCount * FRAME_MS < Math.max(FRAME_MS, this.#options.minSpeechMs))
      return undefined
    this.#speaking = true
    this.#turnFrames = this.#onsetCount
    this.#lastLoudFrame = this.#onsetCount
    this.#quietFrames = 0
    this.#captured = this.#onsetFrames
    this.#onsetFrames = []
    this.#onsetCount = 0
    return { type: 'speech_started' }
  }

  #continueTurn(frame: Int16Array, loud: boolean): TurnEvent | undefined {
    this.#turnFrames++
    this.#keep(this.#captured, frame, this.#turnFrames)
    if (loud) {
      this.#lastLoudFrame = this.#turnFrames
      this.#quietFrames = 0
      return undefined
    }
    this.#quietFrames++
    if (this.#quietFrames * FRAME_MS < this.#options.endSilenceMs) return undefined
    this.#speaking = false
    const captured = concat(this.#captured.slice(0, this.#lastLoudFrame))
    this.#captured = []
    return { type: 'turn_ended', speechMs: this.#lastLoudFrame * FRAME_MS, captured }
  }

  #keep(frames: Int16Array[], frame: Int16Array, index: number): void {
    if (index * FRAME_MS <= this.#options.captureMs) frames.push(frame.slice())
  }
}

function concat(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((total, frame) => total + frame.length, 0))
  let offset = 0
  for (const frame of frames) {
    out.set(frame, offset)
    offset += frame.length
  }
  return out
}
