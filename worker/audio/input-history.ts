/**
 * The input a streaming FIR keeps between calls: the last `length` samples
 * before the newest call's input, followed by that input, in one buffer the
 * filter loop reads directly. Keeping this history (instead of starting each
 * chunk from silence) is what makes chunked output identical to whole-signal
 * output, with no clicks at frame boundaries.
 */
export class InputHistory {
  readonly length: number
  #buffer: Float64Array

  constructor(length: number) {
    this.length = length
    // Room for a 20 ms frame at 16 kHz; longer inputs (agent audio events) grow it once.
    this.#buffer = new Float64Array(length + 512)
  }

  /** Appends `input` after the history; returns the buffer, valid until the next call. */
  append(input: Int16Array): Float64Array {
    const needed = this.length + input.length
    if (this.#buffer.length < needed) {
      const grown = new Float64Array(needed * 2)
      grown.set(this.#buffer.subarray(0, this.length))
      this.#buffer = grown
    }
    this.#buffer.set(input, this.length)
    return this.#buffer
  }

  /** Keeps the last `length` samples of what `append` just added, for the next call. */
  advance(appended: number): void {
    this.#buffer.copyWithin(0, appended, appended + this.length)
  }

  reset(): void {
    this.#buffer.fill(0, 0, this.length)
  }
}

/** Rounds a filter output to the nearest 16-bit sample, saturating instead of wrapping. */
export function toInt16(value: number): number {
  return Math.min(32767, Math.max(-32768, Math.round(value)))
}
