/**
 * The naive resampler the benchmark compares against: linear interpolation
 * between neighbouring input samples and no lowpass filter, as several
 * voice-agent bridges do it. Streaming (it keeps the last sample and its
 * position between calls), so it is timed and measured like the real ones.
 */
export class LinearResampler {
  readonly inputRate: number
  readonly outputRate: number
  /** One input sample: an output interpolates up to the newest sample. */
  readonly delayMs: number
  #previous = 0
  /** Time of the next output after the current chunk's first sample, in 1/(outputRate) input samples. */
  #next = 0

  constructor(inputRate: number, outputRate: number) {
    this.inputRate = inputRate
    this.outputRate = outputRate
    this.delayMs = 1000 / inputRate
  }

  maxOutputLength(inputLength: number): number {
    return Math.ceil((inputLength * this.outputRate) / this.inputRate)
  }

  processInto(input: Int16Array, output: Int16Array): number {
    const { inputRate, outputRate } = this
    const limit = input.length * outputRate
    let next = this.#next
    let written = 0
    for (; next < limit; next += inputRate) {
      const newest = Math.floor(next / outputRate)
      const fraction = (next - newest * outputRate) / outputRate
      const before = newest === 0 ? this.#previous : (input[newest - 1] ?? 0)
      output[written++] = Math.round(before + fraction * ((input[newest] ?? 0) - before))
    }
    this.#next = next - limit
    if (input.length > 0) this.#previous = input[input.length - 1] ?? 0
    return written
  }

  process(input: Int16Array): Int16Array {
    const output = new Int16Array(this.maxOutputLength(input.length))
    return output.slice(0, this.processInto(input, output))
  }
}
