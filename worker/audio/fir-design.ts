/**
 * Lowpass FIR design by the Kaiser window method (windowed sinc), so the
 * resamplers derive their coefficients at start-up from a few numbers (band
 * edges and stopband attenuation) instead of carrying hand-typed tables.
 * Formulas: J. F. Kaiser (1974), as given in Oppenheim & Schafer,
 * "Discrete-Time Signal Processing", section 7.5.3.
 */

export interface LowpassSpec {
  /** The rate the filter runs at, in Hz. */
  readonly sampleRate: number
  /** Highest frequency passed unchanged, in Hz. */
  readonly passbandEdge: number
  /** Lowest frequency attenuated by `attenuationDb`, in Hz. */
  readonly stopbandEdge: number
  readonly attenuationDb: number
}

export function kaiserBeta(attenuationDb: number): number {
  const a = attenuationDb
  if (a > 50) return 0.1102 * (a - 8.7)
  if (a >= 21) return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21)
  return 0
}

/** The fewest taps Kaiser's estimate allows for the spec. */
export function kaiserTapCount(spec: LowpassSpec): number {
  const transition = (2 * Math.PI * (spec.stopbandEdge - spec.passbandEdge)) / spec.sampleRate
  return Math.ceil((spec.attenuationDb - 7.95) / (2.285 * transition)) + 1
}

/** Modified Bessel function of the first kind, order 0, by its power series. */
export function besselI0(x: number): number {
  const quarterSquare = (x * x) / 4
  let term = 1
  let sum = 1
  for (let k = 1; term > sum * 1e-17; k++) {
    term *= quarterSquare / (k * k)
    sum += term
  }
  return sum
}

export function kaiserWindow(length: number, beta: number): Float64Array {
  const window = new Float64Array(length)
  const middle = (length - 1) / 2
  const scale = besselI0(beta)
  for (let n = 0; n < length; n++) {
    const r = middle === 0 ? 0 : (n - middle) / middle
    window[n] = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / scale
  }
  return window
}

/**
 * sin(pi x) / (pi x) that is exactly 0 at non-zero integers, so the zero taps
 * of half-band and third-band filters stay zero and can be skipped.
 */
function sinc(x: number): number {
  if (x === 0) return 1
  if (Number.isInteger(x)) return 0
  return Math.sin(Math.PI * x) / (Math.PI * x)
}

/**
 * Linear-phase lowpass of odd `length` (delay (length - 1) / 2 samples) with
 * its cutoff halfway between the band edges and a DC gain of exactly 1.
 */
export function designLowpass(spec: LowpassSpec, length: number): Float64Array {
  if (length % 2 === 0)
    throw new RangeError(`a linear-phase lowpass needs an odd length, got ${length}`)
  const window = kaiserWindow(length, kaiserBeta(spec.attenuationDb))
  const doubleCutoff = spec.passbandEdge + spec.stopbandEdge
  const middle = (length - 1) / 2
  const taps = new Float64Array(length)
  let sum = 0
  for (let n = 0; n < length; n++) {
    // Integer products first, one division: exact zeros where the sinc has them.
    const tap = sinc(((n - middle) * doubleCutoff) / spec.sampleRate) * (window[n] ?? 0)
    taps[n] = tap
    sum += tap
  }
  for (let n = 0; n < length; n++) taps[n] = (taps[n] ?? 0) / sum
  return taps
}
