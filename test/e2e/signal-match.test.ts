import { describe, expect, it } from 'vitest'
import { matchSignals } from './signal-match.ts'

const RATE = 16000
const TONES_HZ = [440, 1210, 2330, 3170]

/** One second of telephone-band tones, faded in and out, delayed by `delay` samples (any fraction). */
function tones(length: number, delay = 0): Float64Array {
  return Float64Array.from({ length }, (_, n) => {
    const t = n - delay
    if (t < 0 || t > RATE) return 0
    const fade = Math.sin((Math.PI * t) / RATE) ** 2
    return (
      fade * TONES_HZ.reduce((sum, hz) => sum + 4000 * Math.sin((2 * Math.PI * hz * t) / RATE), 0)
    )
  })
}

/** Deterministic white noise of RMS `rms`. */
function noise(length: number, rms: number): Float64Array {
  let state = 12345
  return Float64Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return (state / 2 ** 31 - 0.5) * rms * Math.sqrt(12)
  })
}

const rms = (x: Float64Array) => Math.sqrt(x.reduce((sum, v) => sum + v * v, 0) / x.length)

describe('matchSignals', () => {
  it('finds a whole-sample delay and reports an exact copy as noiseless', () => {
    const reference = tones(8000)
    const signal = new Float64Array(9000)
    signal.set(reference, 37)
    const match = matchSignals(reference, signal, { sampleRate: RATE, maxDelay: 100 })
    expect(match.delay).toBeCloseTo(37, 1)
    expect(match.snrDb).toBeGreaterThan(100)
  })

  it('corrects a delay of a fraction of a sample before comparing', () => {
    const reference = tones(16000)
    const signal = tones(16100, 20.5)
    const match = matchSignals(reference, signal, {
      sampleRate: RATE,
      maxDelay: 100,
      band: [300, 3400],
    })
    expect(match.delay).toBeCloseTo(20.5, 1)
    expect(match.snrDb).toBeGreaterThan(40)
  })

  it('measures the level of added noise', () => {
    const reference = tones(16000)
    const hiss = noise(16000, rms(reference) / 10)
    const signal = reference.map((value, n) => value + (hiss[n] ?? 0))
    const match = matchSignals(reference, signal, { sampleRate: RATE, maxDelay: 10 })
    expect(match.delay).toBeCloseTo(0, 1)
    expect(match.snrDb).toBeCloseTo(20, 0)
  })

  it('counts only the band it is given', () => {
    const reference = tones(16000)
    const hum = Float64Array.from(
      { length: 16000 },
      (_, n) => 3000 * Math.sin((2 * Math.PI * 100 * n) / RATE),
    )
    const signal = reference.map((value, n) => value + (hum[n] ?? 0))
    const inBand = matchSignals(reference, signal, {
      sampleRate: RATE,
      maxDelay: 10,
      band: [300, 3400],
    })
    const whole = matchSignals(reference, signal, { sampleRate: RATE, maxDelay: 10 })
    expect(inBand.snrDb).toBeGreaterThan(40)
    expect(whole.snrDb).toBeLessThan(15)
  })
})
