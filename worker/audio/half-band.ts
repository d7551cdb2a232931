/**
 * 2:1 and 1:2 resampling (16 kHz to 8 kHz and back) with a half-band
 * lowpass. With the cutoff at a quarter of the faster rate every other tap is
 * exactly zero and the linear-phase taps come in equal pairs, so a 63-tap
 * filter costs 16 multiplications per output when decimating and 16 per
 * pair of outputs when interpolating. pcm_16000 is the most common agent
 * format, the one the frame budget is set for.
 */
import { designLowpass, type LowpassSpec } from './fir-design.ts'
import { InputHistory, toInt16 } from './input-history.ts'

/** Half-band lengths are 4k + 3: odd, centre tap on an odd index, non-zero end taps. */
export function halfBandLength(minimumLength: number): number {
  return 4 * Math.ceil((minimumLength - 3) / 4) + 3
}

interface HalfBand {
  /** Taps 0, 2, 4, ... up to just before the centre; each weighs a pair of samples. */
  readonly pairTaps: Float64Array
  readonly centreTap: number
  readonly length: number
  readonly delayMs: number
}

function designHalfBand(spec: LowpassSpec, minimumLength: number, gain: number): HalfBand {
  const length = halfBandLength(minimumLength)
  const taps = designLowpass(spec, length)
  const centre = (length - 1) / 2
  return {
    pairTaps: Float64Array.from({ length: (centre + 1) / 2 }, (_, j) => gain * (taps[2 * j] ?? 0)),
    centreTap: gain * (taps[centre] ?? 0),
    length,
    delayMs: (centre * 1000) / spec.sampleRate,
  }
}

/** `spec.sampleRate` is the input rate; the output rate is half of it. */
export class HalfBandDecimator {
  readonly delayMs: number
  readonly #filter: HalfBand
  readonly #history: InputHistory
  /** Index in the history buffer of the newest input sample the next output uses. */
  #newest: number

  constructor(spec: LowpassSpec, minimumLength: number) {
    this.#filter = designHalfBand(spec, minimumLength, 1)
    this.delayMs = this.#filter.delayMs
    this.#history = new InputHistory(this.#filter.length - 1)
    this.#newest = this.#history.length
  }

  maxOutputLength(inputLength: number): number {
    return Math.ceil(inputLength / 2)
  }

  processInto(input: Int16Array, output: Int16Array): number {
    const { pairTaps, centreTap } = this.#filter
    const buffer = this.#history.append(input)
    const end = this.#history.length + input.length
    const span = this.#history.length
    let newest = this.#newest
    let written = 0
    // Two outputs per pass share each tap load; each sum keeps the single-output order.
    for (; newest + 2 < end; newest += 4) {
      const oldest = newest - span
      let first = centreTap * (buffer[oldest + span / 2] ?? 0)
      let second = centreTap * (buffer[oldest + span / 2 + 2] ?? 0)
      for (let j = 0, inner = 0; j < pairTaps.length; j++, inner += 2) {
        const tap = pairTaps[j] ?? 0
        first += tap * ((buffer[oldest + inner] ?? 0) + (buffer[newest - inner] ?? 0))
        second += tap * ((buffer[oldest + inner + 2] ?? 0) + (buffer[newest - inner + 2] ?? 0))
      }
      output[written++] = toInt16(first)
      output[written++] = toInt16(second)
    }
    if (newest < end) {
      const oldest = newest - span
      let sum = centreTap * (buffer[oldest + span / 2] ?? 0)
      for (let j = 0, inner = 0; j < pairTaps.length; j++, inner += 2) {
        sum += (pairTaps[j] ?? 0) * ((buffer[oldest + inner] ?? 0) + (buffer[newest - inner] ?? 0))
      }
      output[written++] = toInt16(sum)
      newest += 2
    }
    this.#newest = newest - input.length
    this.#history.advance(input.length)
    return written
  }

  reset(): void {
    this.#history.reset()
    this.#newest = this.#history.length
  }
}

/**
 * `spec.sampleRate` is the output rate, twice the input rate. Each input
 * sample gives two outputs: the even taps' sum, then the centre tap alone.
 */
export class HalfBandInterpolator {
  readonly delayMs: number
  readonly #filter: HalfBand
  readonly #history: InputHistory

  constructor(spec: LowpassSpec, minimumLength: number) {
    // Gain 2 makes up for the zero inserted between input samples.
    this.#filter = designHalfBand(spec, minimumLength, 2)
    this.delayMs = this.#filter.delayMs
    this.#history = new InputHistory((this.#filter.length - 1) / 2)
  }

  maxOutputLength(inputLength: number): number {
    return 2 * inputLength
  }

  processInto(input: Int16Array, output: Int16Array): number {
    const { pairTaps, centreTap } = this.#filter
    const buffer = this.#history.append(input)
    const span = this.#history.length
    const end = span + input.length
    const centre = (span - 1) / 2
    let newest = span
    let written = 0
    // Two input samples per pass share each tap load; each sum keeps the single-sample order.
    for (; newest + 1 < end; newest += 2) {
      const oldest = newest - span
      let first = 0
      let second = 0
      for (let j = 0; j < pairTaps.length; j++) {
        const tap = pairTaps[j] ?? 0
        first += tap * ((buffer[newest - j] ?? 0) + (buffer[oldest + j] ?? 0))
        second += tap * ((buffer[newest + 1 - j] ?? 0) + (buffer[oldest + 1 + j] ?? 0))
      }
      output[written++] = toInt16(first)
      output[written++] = toInt16(centreTap * (buffer[newest - centre] ?? 0))
      output[written++] = toInt16(second)
      output[written++] = toInt16(centreTap * (buffer[newest + 1 - centre] ?? 0))
    }
    if (newest < end) {
      const oldest = newest - span
      let sum = 0
      for (let j = 0; j < pairTaps.length; j++) {
        sum += (pairTaps[j] ?? 0) * ((buffer[newest - j] ?? 0) + (buffer[oldest + j] ?? 0))
      }
      output[written++] = toInt16(sum)
      output[written++] = toInt16(centreTap * (buffer[newest - centre] ?? 0))
    }
    this.#history.advance(input.length)
    return written
  }

  reset(): void {
    this.#history.reset()
  }
}
