import { describe, expect, it } from 'vitest'
import { ALAWMULAW_ENCODED_RUNS, SOX_MULAW_DECODED } from './fixtures/mulaw-reference.ts'
import { decodeMulaw, encodeMulaw, MULAW_SILENCE } from './mulaw.ts'

const everyCode = Uint8Array.from({ length: 256 }, (_, code) => code)
const everySample = Int16Array.from({ length: 65536 }, (_, i) => i - 32768)

function expandRuns(runs: readonly (readonly [number, number])[]): Uint8Array {
  return Uint8Array.from(runs.flatMap(([code, count]) => Array<number>(count).fill(code)))
}

describe('decodeMulaw', () => {
  it('decodes all 256 codes exactly as SoX does', () => {
    expect(Array.from(decodeMulaw(everyCode))).toEqual(SOX_MULAW_DECODED)
  })

  it('decodes the G.711 extremes and both zeros', () => {
    expect(Array.from(decodeMulaw(Uint8Array.of(0x00, 0x80, 0x7f, 0xff)))).toEqual([
      -32124, 32124, 0, 0,
    ])
  })

  it('treats 0xFF as silence and a zero byte as a loud negative sample', () => {
    expect(decodeMulaw(Uint8Array.of(MULAW_SILENCE))[0]).toBe(0)
    expect(decodeMulaw(Uint8Array.of(0))[0]).toBe(-32124)
  })

  it('writes into a caller buffer and returns a view of the decoded length', () => {
    const buffer = new Int16Array(8).fill(7)
    const decoded = decodeMulaw(Uint8Array.of(0x80, 0x00), buffer)
    expect(decoded.buffer).toBe(buffer.buffer)
    expect(Array.from(decoded)).toEqual([32124, -32124])
    expect(buffer[2]).toBe(7)
  })

  it('refuses a caller buffer that is too short', () => {
    expect(() => decodeMulaw(new Uint8Array(3), new Int16Array(2))).toThrow(RangeError)
  })
})

describe('encodeMulaw', () => {
  it('encodes all 65,536 samples exactly as the Sun 16-bit encoder (alawmulaw) does', () => {
    const expected = expandRuns(ALAWMULAW_ENCODED_RUNS)
    expect(expected.length).toBe(65536)
    const actual = encodeMulaw(everySample)
    const mismatches = everySample.filter((_, i) => actual[i] !== expected[i])
    expect(Array.from(mismatches)).toEqual([])
  })

  it('clips full scale to the extreme codes and encodes 0 as silence', () => {
    expect(Array.from(encodeMulaw(Int16Array.of(32767, -32768, 0, -1)))).toEqual([
      0x80,
      0x00,
      MULAW_SILENCE,
      0x7f,
    ])
  })

  it('round-trips every code through decode and encode', () => {
    const roundTrip = encodeMulaw(decodeMulaw(everyCode))
    // 0x7F (-0) comes back as 0xFF (+0): both decode to 0.
    expect(Array.from(roundTrip)).toEqual(Array.from(everyCode, (c) => (c === 0x7f ? 0xff : c)))
  })

  it('writes into a caller buffer', () => {
    const buffer = new Uint8Array(4)
    const encoded = encodeMulaw(Int16Array.of(32767, -32768), buffer)
    expect(encoded.buffer).toBe(buffer.buffer)
    expect(Array.from(buffer)).toEqual([0x80, 0x00, 0, 0])
  })
})
