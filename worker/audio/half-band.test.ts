import { describe, expect, it } from 'vitest'
import { whiteNoise } from './fixtures/signals.ts'
import { HalfBandDecimator, HalfBandInterpolator, halfBandLength } from './half-band.ts'
import { designPolyphaseBank, PolyphaseStream } from './polyphase.ts'
import { resamplingFilterSpec } from './resampler.ts'

function run(
  filter: {
    maxOutputLength(n: number): number
    processInto(i: Int16Array, o: Int16Array): number
  },
  input: Int16Array,
) {
  const output = new Int16Array(filter.maxOutputLength(input.length))
  return Array.from(output.subarray(0, filter.processInto(input, output)))
}

function largestDifference(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length)
  return Math.max(...a.map((value, i) => Math.abs(value - (b[i] ?? 0))))
}

describe('half-band filters', () => {
  it('rounds lengths up to the 4k + 3 form', () => {
    expect([59, 60, 62, 63, 64].map(halfBandLength)).toEqual([59, 63, 63, 63, 67])
  })

  it('decimate as the general polyphase form of the same filter does, to 1 LSB', () => {
    const spec = resamplingFilterSpec(16000, 8000, 1)
    const input = whiteNoise(4000, 20000, 5)
    const fast = run(new HalfBandDecimator(spec, 63), input)
    const general = run(new PolyphaseStream(designPolyphaseBank(spec, 63, 1, 2)), input)
    expect(largestDifference(fast, general)).toBeLessThanOrEqual(1)
  })

  it('interpolate as the general polyphase form of the same filter does, to 1 LSB', () => {
    const spec = resamplingFilterSpec(8000, 16000, 2)
    const input = whiteNoise(2000, 20000, 6)
    const fast = run(new HalfBandInterpolator(spec, 63), input)
    const general = run(new PolyphaseStream(designPolyphaseBank(spec, 63, 2, 1)), input)
    expect(largestDifference(fast, general)).toBeLessThanOrEqual(1)
  })
})
