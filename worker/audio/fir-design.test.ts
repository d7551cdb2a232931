import { describe, expect, it } from 'vitest'
import {
  besselI0,
  designLowpass,
  kaiserBeta,
  kaiserTapCount,
  kaiserWindow,
  type LowpassSpec,
} from './fir-design.ts'

const telephoneBandAt16k: LowpassSpec = {
  sampleRate: 16000,
  passbandEdge: 3400,
  stopbandEdge: 4600,
  attenuationDb: 74,
}

describe('Kaiser window design', () => {
  it('computes I0 to double precision', () => {
    expect(besselI0(0)).toBe(1)
    expect(besselI0(1)).toBeCloseTo(1.2660658777520082, 15)
    expect(besselI0(5)).toBeCloseTo(27.239871823604442, 13)
    expect(besselI0(10)).toBeCloseTo(2815.716628466254, 11)
  })

  it("follows Kaiser's formulas for beta and length", () => {
    expect(kaiserBeta(74)).toBeCloseTo(7.19606, 5)
    expect(kaiserBeta(40)).toBeCloseTo(3.39532, 5)
    expect(kaiserBeta(20)).toBe(0)
    expect(kaiserTapCount(telephoneBandAt16k)).toBe(63)
  })

  it('makes a symmetric window that peaks at 1 in the middle', () => {
    const window = kaiserWindow(9, 7)
    expect(window[4]).toBe(1)
    expect(Array.from(window)).toEqual(Array.from(window).reverse())
    expect(window[0]).toBeCloseTo(1 / besselI0(7), 15)
  })
})

describe('designLowpass', () => {
  const taps = designLowpass(telephoneBandAt16k, 63)

  it('passes DC with a gain of exactly 1 and is linear-phase', () => {
    expect(taps.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14)
    expect(Array.from(taps)).toEqual(Array.from(taps).reverse())
  })

  it('gives exact zeros on every other tap of a half-band filter', () => {
    const zeros = Array.from(taps).filter((_, n) => n % 2 === 1 && n !== 31)
    expect(zeros).toEqual(Array(30).fill(0))
  })

  it('refuses an even length, which has no whole-sample delay', () => {
    expect(() => designLowpass(telephoneBandAt16k, 64)).toThrow(RangeError)
  })
})
