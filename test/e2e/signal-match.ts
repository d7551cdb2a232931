/**
 * How closely a received signal matches a reference: the delay between them
 * found by cross-correlation, refined to a fraction of a sample from the slope
 * of the cross-spectrum's phase, then the signal-to-noise ratio of the
 * reference against the delay-corrected signal, over a frequency band or the
 * whole spectrum. The fraction is corrected as a phase shift in the frequency
 * domain, so a resampler whose delay is not a whole sample is not penalised.
 */

import { fft } from '../../bench/spectrum.ts'

export interface Match {
  /** `signal[n + delay] ≈ reference[n]`, in samples. */
  delay: number
  /** SNR in dB over the band (Hz), or over the whole spectrum when no band is given. */
  snrDb: number
}

/** Compares `signal` with `reference`, searching delays up to `maxDelay` samples either way. */
export function matchSignals(
  reference: ArrayLike<number>,
  signal: ArrayLike<number>,
  { sampleRate, maxDelay, band }: { sampleRate: number; maxDelay: number; band?: [number, number] },
): Match {
  const whole = wholeDelay(reference, signal, maxDelay)
  let size = 1
  while (size < reference.length + 64) size <<= 1
  // Zero-padded well past the reference's end, so the spectra's products do not wrap around.
  const ref = spectrum(reference, 0, reference.length, 2 * size)
  const sig = spectrum(signal, whole, reference.length, 2 * size)
  const bins = bandBins(2 * size, sampleRate, band ?? [0, sampleRate / 2])
  const fraction = fractionalDelay(ref, sig, bins)
  return { delay: whole + fraction, snrDb: snrDb(ref, sig, bins, fraction) }
}

function wholeDelay(reference: ArrayLike<number>, signal: ArrayLike<number>, maxDelay: number) {
  let best = 0
  let bestValue = Number.NEGATIVE_INFINITY
  for (let lag = -maxDelay; lag <= maxDelay; lag++) {
    let sum = 0
    const end = Math.min(reference.length, signal.length - lag)
    for (let n = Math.max(0, -lag); n < end; n++)
      sum += (reference[n] ?? 0) * (signal[n + lag] ?? 0)
    if (sum > bestValue) [best, bestValue] = [lag, sum]
  }
  return best
}

interface Spectrum {
  re: Float64Array
  im: Float64Array
}

/** The bins from `band[0]` to `band[1]` Hz, short of Nyquist, with their angular step. */
function bandBins(size: number, sampleRate: number, band: [number, number]) {
  const first = Math.max(1, Math.ceil((band[0] * size) / sampleRate))
  const last = Math.min(size / 2 - 1, Math.floor((band[1] * size) / sampleRate))
  return { first, last, omega: (2 * Math.PI) / size }
}

/**
 * The rest of the delay, under a sample: a signal delayed by d has the
 * reference's spectrum turned by -omega k d, so d is the magnitude-weighted
 * least-squares slope of the cross-spectrum's phase.
 */
function fractionalDelay(ref: Spectrum, sig: Spectrum, bins: ReturnType<typeof bandBins>) {
  let numerator = 0
  let denominator = 0
  for (let k = bins.first; k <= bins.last; k++) {
    const [rr, ri, sr, si] = [ref.re[k] ?? 0, ref.im[k] ?? 0, sig.re[k] ?? 0, sig.im[k] ?? 0]
    const cr = rr * sr + ri * si
    const ci = rr * si - ri * sr
    const weight = Math.hypot(cr, ci)
    const w = bins.omega * k
    numerator -= weight * Math.atan2(ci, cr) * w
    denominator += weight * w * w
  }
  return denominator > 0 ? numerator / denominator : 0
}

/** Reference power over the error's, in the bins, after advancing the signal by `fraction`. */
function snrDb(ref: Spectrum, sig: Spectrum, bins: ReturnType<typeof bandBins>, fraction: number) {
  let power = 0
  let noise = 0
  for (let k = bins.first; k <= bins.last; k++) {
    const angle = bins.omega * k * fraction
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)]
    const sr = (sig.re[k] ?? 0) * cos - (sig.im[k] ?? 0) * sin
    const si = (sig.re[k] ?? 0) * sin + (sig.im[k] ?? 0) * cos
    const [rr, ri] = [ref.re[k] ?? 0, ref.im[k] ?? 0]
    power += rr * rr + ri * ri
    noise += (rr - sr) ** 2 + (ri - si) ** 2
  }
  return 10 * Math.log10(power / noise)
}

/** The spectrum of `length` samples of `samples` from `offset` (zeros outside it). */
function spectrum(
  samples: ArrayLike<number>,
  offset: number,
  length: number,
  size: number,
): Spectrum {
  const re = new Float64Array(size)
  const im = new Float64Array(size)
  for (let n = 0; n < length; n++) re[n] = samples[n + offset] ?? 0
  fft(re, im)
  return { re, im }
}
