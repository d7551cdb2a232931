/**
 * The user's audio as the agent received it, byte for byte, for tests that
 * check what the bridge delivered (e.g. against a reference conversion).
 * Opt-in per agent (`keepUserAudioMs`) and bounded: it keeps the start of
 * the conversation and ignores audio past the bound.
 */
import type { AudioFormat } from './agent-config.ts'
import { bytesPerSecond } from './audio-codec.ts'

export class UserAudioTape {
  /** The agent's user_input_audio_format: what the bytes are. */
  readonly format: AudioFormat
  readonly #chunks: Uint8Array[] = []
  readonly #maxBytes: number
  #bytes = 0

  constructor(format: AudioFormat, keepMs: number) {
    this.format = format
    this.#maxBytes = Math.ceil((keepMs * bytesPerSecond(format)) / 1000)
  }

  append(audio: Uint8Array): void {
    const room = this.#maxBytes - this.#bytes
    if (room <= 0) return
    const kept = audio.subarray(0, room)
    this.#chunks.push(Uint8Array.from(kept))
    this.#bytes += kept.length
  }

  /** Everything kept, in order. */
  bytes(): Uint8Array {
    return Buffer.concat(this.#chunks)
  }
}
