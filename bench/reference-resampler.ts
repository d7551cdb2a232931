/**
 * An offline, near-ideal band-limited resampler for the benchmark's
 * references: every output is the windowed-sinc interpolation of the whole
 * input at that instant (Kaiser window, beta 12, +/-20 ms), in double
 * precision, at any delay. Far too slow for a call, and accurate to about
 * -110 dB, which is what a reference needs.
 */
import { besselI0 } from '../worker/audio/fir-design.ts'

const HALF_WIDTH_SECONDS = 0.02
const BETA = 12
/** Kernel table points per input sample; linear interpolation between them. */
const OVERSAMPLING = 512

function kernelTable(inputRate: number, cutoff: number): Float64Array {
  const points = Math.ceil(HALF_WIDTH_SECONDS * inputRate * OVERSAMPLING) + 2
  const scale = besselI0(BETA)
  return Float64Array.from({ length: points }, (_, i) => {
    const seconds = i / (inputRate * OVERSAMPLING)
    const r = Math.min(1, seconds / HALF_WIDTH_SECONDS)
    const x = 2 * cutoff * seconds
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x)
    return ((2 * cutoff) / inputRate) * sinc * (besselI0(BETA * Math.sqrt(1 - r * r)) / scale)
  })
}

export interface ReferenceOptions {
  readonly inputRate: number
  readonly outputRate: number
  /** Everything above is removed; keep it clear of both Nyquist frequencies. */
  readonly cutoff: number
  /** Output time t shows the input at t - delay. */
  readonly delaySeconds?: number
}

export function bandLimitedResample(
  input: ArrayLike<number>,
  options: ReferenceOptions,
): Float64Array {
  const { inputRate, outputRate, cutoff, delaySeconds = 0 } = options
  const table = kernelTable(inputRate, cutoff)
  const reach = HALF_WIDTH_SECONDS * inputRate
  const output = new Float64Array(Math.floor((input.length * outputRate) / inputRate))
  for (let n = 0; n < output.length; n++) {
    const centre = (n / outputRate - delaySeconds) * inputRate
    const first = Math.max(0, Math.ceil(centre - reach))
    const last = Math.min(input.length - 1, Math.floor(centre + reach))
    let sum = 0
    for (let k = first; k <= last; k++) {
      const position = Math.abs(centre - k) * OVERSAMPLING
      const i = Math.floor(position)
      const below = table[i] ?? 0
      sum += (input[k] ?? 0) * (below + (position - i) * ((table[i + 1] ?? 0) - below))
    }
    output[n] = sum
  }
  return output
}
