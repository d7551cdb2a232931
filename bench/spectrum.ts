/**
 * In-band signal-to-noise ratio for the benchmark: the error against a
 * reference, counted only between two frequencies (300-3400 Hz, the
 * telephone band), from Hann-windowed power spectra.
 */

/** In-place iterative radix-2 FFT; `re.length` must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1
    for (; j & bit; bit >>= 1) j ^= bit
    j ^= bit
    if (i < j) {
      ;[re[i], re[j]] = [re[j] ?? 0, re[i] ?? 0]
      ;[im[i], im[j]] = [im[j] ?? 0, im[i] ?? 0]
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const step = (-2 * Math.PI) / size
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const wr = Math.cos(step * k)
        const wi = Math.sin(step * k)
        const a = start + k
        const b = a + size / 2
        const br = (re[b] ?? 0) * wr - (im[b] ?? 0) * wi
        const bi = (re[b] ?? 0) * wi + (im[b] ?? 0) * wr
        re[b] = (re[a] ?? 0) - br
        im[b] = (im[a] ?? 0) - bi
        re[a] = (re[a] ?? 0) + br
        im[a] = (im[a] ?? 0) + bi
      }
    }
  }
}

/** Power of `samples` (Hann-windowed) between `low` and `high` Hz, up to a constant factor. */
function bandPower(samples: Float64Array, sampleRate: number, low: number, high: number): number {
  let size = 1
  while (size < samples.length) size <<= 1
  const re = new Float64Array(size)
  const im = new Float64Array(size)
  for (let n = 0; n < samples.length; n++) {
    const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (samples.length - 1))
    re[n] = (samples[n] ?? 0) * hann
  }
  fft(re, im)
  let power = 0
  for (let bin = Math.ceil((low * size) / sampleRate); bin <= (high * size) / sampleRate; bin++) {
    power += (re[bin] ?? 0) ** 2 + (im[bin] ?? 0) ** 2
  }
  return power
}

export interface BandSnrOptions {
  readonly sampleRate: number
  readonly low: number
  readonly high: number
  /** Samples [from, to) are compared: skip the filters' start-up. */
  readonly from: number
  readonly to: number
}

export function bandSnrDb(
  signal: ArrayLike<number>,
  reference: ArrayLike<number>,
  options: BandSnrOptions,
): number {
  const { sampleRate, low, high, from, to } = options
  const wanted = Float64Array.from({ length: to - from }, (_, i) => reference[from + i] ?? 0)
  const error = Float64Array.from(wanted, (value, i) => (signal[from + i] ?? 0) - value)
  return (
    10 *
    Math.log10(bandPower(wanted, sampleRate, low, high) / bandPower(error, sampleRate, low, high))
  )
}
