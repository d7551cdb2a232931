import { describe, expect, it } from 'vitest'
import { inChunks, randomChunkLengths, tone, whiteNoise } from './fixtures/signals.ts'
import { createResampler } from './resampler.ts'

const AGENT_RATES = [16000, 22050, 24000, 44100, 48000]
const DIRECTIONS = AGENT_RATES.flatMap((rate) => [
  [8000, rate],
  [rate, 8000],
])

/** Speech-like test input: a tone under noise, so every tap and phase matters. */
function testSignal(rate: number, seconds: number): Int16Array {
  const length = Math.round(rate * seconds)
  const noise = whiteNoise(length, 8000, rate)
  const hum = tone({ frequency: 440, sampleRate: rate, amplitude: 12000, length })
  return noise.map((n, i) => n + (hum[i] ?? 0))
}

describe.each(DIRECTIONS)('resampling %i Hz to %i Hz', (inputRate, outputRate) => {
  it('gives the same samples whatever the chunking, down to single samples', () => {
    const input = testSignal(inputRate, 0.25)
    const whole = Array.from(createResampler(inputRate, outputRate).process(input))
    for (const seed of [1, 2, 3]) {
      const resampler = createResampler(inputRate, outputRate)
      const lengths = randomChunkLengths(input.length, 700, seed)
      expect(inChunks(input, lengths, (chunk) => resampler.process(chunk))).toEqual(whole)
    }
  })

  it('turns each 20 ms frame into exactly 20 ms of output', () => {
    const resampler = createResampler(inputRate, outputRate)
    const frame = testSignal(inputRate, 0.02)
    for (let i = 0; i < 5; i++) expect(resampler.process(frame)).toHaveLength(outputRate / 50)
  })

  it('starts afresh after reset', () => {
    const input = testSignal(inputRate, 0.05)
    const resampler = createResampler(inputRate, outputRate)
    const first = resampler.process(input)
    resampler.process(whiteNoise(333, 20000, 9))
    resampler.reset()
    expect(resampler.process(input)).toEqual(first)
  })

  it('writes into a caller buffer and refuses one that is too short', () => {
    const input = testSignal(inputRate, 0.03)
    const expected = createResampler(inputRate, outputRate).process(input)
    const resampler = createResampler(inputRate, outputRate)
    const output = new Int16Array(resampler.maxOutputLength(input.length))
    const written = resampler.processInto(input, output)
    expect(output.subarray(0, written)).toEqual(expected)
    expect(() => resampler.processInto(input, new Int16Array(written - 1))).toThrow(RangeError)
  })
})

describe('createResampler', () => {
  it('copies the input when the rates are equal', () => {
    const resampler = createResampler(8000, 8000)
    const input = testSignal(8000, 0.02)
    const output = resampler.process(input)
    expect(output).toEqual(input)
    expect(output).not.toBe(input)
    expect(resampler.delayMs).toBe(0)
  })

  it('saturates instead of wrapping around when the filter overshoots', () => {
    const square = Int16Array.from({ length: 1600 }, (_, n) => (n % 40 < 20 ? 32767 : -32768))
    const output = createResampler(16000, 8000).process(square)
    expect(Math.max(...output)).toBe(32767)
    expect(Math.min(...output)).toBe(-32768)
    // A wrapped sample would jump by about 65,536 between neighbours.
    const jumps = output.slice(1).map((value, i) => Math.abs(value - (output[i] ?? 0)))
    expect(Math.max(...jumps)).toBeLessThan(65535)
  })

  it.each([0, -8000, 8000.5, Number.NaN])('rejects %s as a sample rate', (rate) => {
    expect(() => createResampler(rate, 8000)).toThrow(RangeError)
    expect(() => createResampler(8000, rate)).toThrow(RangeError)
  })
})
