/**
 * Streaming sample-rate conversion between the phone side (8 kHz) and the
 * rates an ElevenLabs agent may use. Every converter lowpasses at the
 * narrower rate's band edge (passband to 0.425 of its rate, 3.4 kHz at 8 kHz;
 * stopband from 0.575, 4.6 kHz; 74 dB down) so that nothing aliases when
 * decimating and no images remain when interpolating, and keeps its filter
 * state between calls, so feeding 20 ms frames gives exactly the samples
 * feeding the whole signal would. Coefficients are designed on first use of a
 * rate pair (Kaiser window method) and shared by every stream of that pair.
 *
 * @example
 * const toPhone = createResampler(16000, 8000)
 * const frame = toPhone.process(agentSamples) // call again with the next chunk
 */
import { kaiserTapCount, type LowpassSpec } from './fir-design.ts'
import { HalfBandDecimator, HalfBandInterpolator } from './half-band.ts'
import { designPolyphaseBank, type PolyphaseBank, PolyphaseStream } from './polyphase.ts'

export interface Resampler {
  readonly inputRate: number
  readonly outputRate: number
  /** Delay the filter adds: the output at time t is the input at t - delayMs. */
  readonly delayMs: number
  /** Converts the next chunk of the stream (any length, even 1 sample) into a new array. */
  process(input: Int16Array): Int16Array
  /** As `process`, into `output`; returns how many samples it wrote. */
  processInto(input: Int16Array, output: Int16Array): number
  /** How long `output` must be for `processInto` with `inputLength` samples. */
  maxOutputLength(inputLength: number): number
  /** Forgets the stream: the next call starts from silence. */
  reset(): void
}

/** 70 dB is the requirement; 4 dB covers Kaiser's estimate and 16-bit rounding. */
export const STOPBAND_ATTENUATION_DB = 74
const PASSBAND_EDGE = 0.425
const STOPBAND_EDGE = 0.575
const MAX_PROTOTYPE_LENGTH = 200_000

interface FilterCore {
  readonly delayMs: number
  maxOutputLength(inputLength: number): number
  processInto(input: Int16Array, output: Int16Array): number
  reset(): void
}

export function resamplingFilterSpec(
  inputRate: number,
  outputRate: number,
  upFactor: number,
): LowpassSpec {
  const narrower = Math.min(inputRate, outputRate)
  return {
    sampleRate: inputRate * upFactor,
    passbandEdge: PASSBAND_EDGE * narrower,
    stopbandEdge: STOPBAND_EDGE * narrower,
    attenuationDb: STOPBAND_ATTENUATION_DB,
  }
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b)
}

const banks = new Map<string, PolyphaseBank>()

function polyphaseBank(inputRate: number, outputRate: number): PolyphaseBank {
  const key = `${inputRate}:${outputRate}`
  const cached = banks.get(key)
  if (cached) return cached
  const divisor = greatestCommonDivisor(inputRate, outputRate)
  const upFactor = outputRate / divisor
  const spec = resamplingFilterSpec(inputRate, outputRate, upFactor)
  const length = kaiserTapCount(spec) | 1
  if (length > MAX_PROTOTYPE_LENGTH) {
    throw new RangeError(
      `resampling ${inputRate} Hz to ${outputRate} Hz needs a ${length}-tap filter`,
    )
  }
  const bank = designPolyphaseBank(spec, length, upFactor, inputRate / divisor)
  banks.set(key, bank)
  return bank
}

function filterCore(inputRate: number, outputRate: number): FilterCore {
  if (inputRate === 2 * outputRate) {
    const spec = resamplingFilterSpec(inputRate, outputRate, 1)
    return new HalfBandDecimator(spec, kaiserTapCount(spec))
  }
  if (outputRate === 2 * inputRate) {
    const spec = resamplingFilterSpec(inputRate, outputRate, 2)
    return new HalfBandInterpolator(spec, kaiserTapCount(spec))
  }
  return new PolyphaseStream(polyphaseBank(inputRate, outputRate))
}

class FilteringResampler implements Resampler {
  readonly inputRate: number
  readonly outputRate: number
  readonly delayMs: number
  readonly #core: FilterCore

  constructor(inputRate: number, outputRate: number, core: FilterCore) {
    this.inputRate = inputRate
    this.outputRate = outputRate
    this.delayMs = core.delayMs
    this.#core = core
  }

  process(input: Int16Array): Int16Array {
    const output = new Int16Array(this.maxOutputLength(input.length))
    const written = this.processInto(input, output)
    return written === output.length ? output : output.slice(0, written)
  }

  processInto(input: Int16Array, output: Int16Array): number {
    const needed = this.maxOutputLength(input.length)
    if (output.length < needed) {
      throw new RangeError(`output holds ${output.length} samples, ${needed} needed`)
    }
    return this.#core.processInto(input, output)
  }

  maxOutputLength(inputLength: number): number {
    return this.#core.maxOutputLength(inputLength)
  }

  reset(): void {
    this.#core.reset()
  }
}

function passThrough(): FilterCore {
  return {
    delayMs: 0,
    maxOutputLength: (inputLength) => inputLength,
    processInto(input, output) {
      output.set(input)
      return input.length
    },
    reset() {},
  }
}

/** A stream from `inputRate` to `outputRate` (Hz, positive integers); a plain copy when they are equal. */
export function createResampler(inputRate: number, outputRate: number): Resampler {
  for (const rate of [inputRate, outputRate]) {
    if (!Number.isInteger(rate) || rate <= 0) {
      throw new RangeError(`a sample rate is a positive whole number of Hz, got ${rate}`)
    }
  }
  const core = inputRate === outputRate ? passThrough() : filterCore(inputRate, outputRate)
  return new FilteringResampler(inputRate, outputRate, core)
}
