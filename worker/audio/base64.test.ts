import { describe, expect, it } from 'vitest'
import { decodeBase64, decodeBase64Into, decodedLength, encodeBase64 } from './base64.ts'
import { seededRandom } from './fixtures/signals.ts'

function randomBytes(length: number, seed: number): Uint8Array {
  const random = seededRandom(seed)
  return Uint8Array.from({ length }, () => Math.floor(random() * 256))
}

/** The platform's own codec (atob/btoa) as the oracle. */
function platformEncode(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
}

describe('base64', () => {
  it('encodes like btoa for every length from 0 to 700', () => {
    for (let length = 0; length <= 700; length++) {
      const bytes = randomBytes(length, length)
      expect(encodeBase64(bytes)).toBe(platformEncode(bytes))
    }
  })

  it('decodes what btoa encodes, for every length from 0 to 700', () => {
    for (let length = 0; length <= 700; length++) {
      const bytes = randomBytes(length, 1000 + length)
      expect(decodeBase64(platformEncode(bytes))).toEqual(bytes)
    }
  })

  it('decodes every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes)
  })

  it('round-trips a 20 ms Twilio frame: 160 bytes, 216 characters ending in two pads', () => {
    const frame = randomBytes(160, 7)
    const payload = encodeBase64(frame)
    expect(payload).toHaveLength(216)
    expect(payload.endsWith('==')).toBe(true)
    expect(decodeBase64(payload)).toEqual(frame)
  })

  it.each([
    ['a length that is not a multiple of 4', 'AAE'],
    ['missing padding', 'AAECAw'],
    ['a character outside the alphabet', 'AA-C'],
    ['URL-safe characters', 'AA_C'],
    ['whitespace', 'AAEC AAEC'],
    ['padding in the middle', 'AA==AAEC'],
    ['three padding characters', 'A==='],
    ['padding only', '===='],
    ['a character above ASCII', 'AAE\u0143'],
    ['a character whose low byte is in the alphabet', 'AA\u0141C'],
  ])('rejects %s', (_, text) => {
    expect(decodeBase64(text)).toBeUndefined()
    expect(decodeBase64Into(text, new Uint8Array(64))).toBe(-1)
  })

  it('decodes into a caller buffer and reports the length', () => {
    const target = new Uint8Array(8)
    expect(decodedLength('AAECAw==')).toBe(4)
    expect(decodeBase64Into('AAECAw==', target)).toBe(4)
    expect(Array.from(target.subarray(0, 4))).toEqual([0, 1, 2, 3])
    expect(decodeBase64Into('AAECAw==', new Uint8Array(3))).toBe(-1)
  })

  it('decodes the empty string to no bytes', () => {
    expect(decodeBase64('')).toEqual(new Uint8Array(0))
  })
})
