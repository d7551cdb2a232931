import { describe, expect, it } from 'vitest'
import {
  type Base64Codec,
  decodeBase64,
  decodedLength,
  encodeBase64,
  isBase64,
  nativeCodec,
  tableCodec,
} from './base64.ts'
import { seededRandom } from './fixtures/signals.ts'

function randomBytes(length: number, seed: number): Uint8Array {
  const random = seededRandom(seed)
  return Uint8Array.from({ length }, () => Math.floor(random() * 256))
}

/** The platform's own codec (atob/btoa) as the oracle. */
function platformEncode(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
}

it('uses the runtime’s native base64 in workerd', () => {
  expect(nativeCodec).toBeDefined()
  expect(encodeBase64(new Uint8Array([0, 1, 2]))).toBe('AAEC')
  expect(decodeBase64('AAEC')).toEqual(new Uint8Array([0, 1, 2]))
})

const NOT_BASE64: [string, string][] = [
  ['a length that is not a multiple of 4', 'AAE'],
  ['missing padding', 'AAECAw'],
  ['a character outside the alphabet', 'AA-C'],
  ['URL-safe characters', 'AA_C'],
  ['whitespace', 'AAEC AAEC'],
  ['trailing whitespace', 'AAECAAE '],
  ['a line break before the padding', 'AAEC\nAA='],
  ['padding in the middle', 'AA==AAEC'],
  ['three padding characters', 'A==='],
  ['padding only', '===='],
  ['a character above ASCII', 'AAE\u0143'],
  ['a character whose low byte is in the alphabet', 'AA\u0141C'],
  ['a character above ASCII in the padded quad', 'AAECA\u0141=='],
]

describe('isBase64', () => {
  it('accepts what btoa encodes, for every length from 0 to 700', () => {
    for (let length = 0; length <= 700; length++) {
      const text = platformEncode(randomBytes(length, length + 1))
      if (!isBase64(text)) throw new Error(`rejected ${length} bytes: ${text}`)
    }
  })

  it('accepts unused bits in the last character, as the decoders do', () => {
    expect(isBase64('AAF=')).toBe(true)
  })

  it('agrees with both decoders on every short string of likely mistakes', () => {
    const random = seededRandom(7)
    const pieces = ['A', 'g', '+', '/', '=', '-', ' ', '\u0141']
    for (let n = 0; n < 20_000; n++) {
      const length = Math.floor(random() * 13)
      const text = Array.from({ length }, () => pieces[Math.floor(random() * 8)]).join('')
      for (const codec of [tableCodec, nativeCodec]) {
        if (!codec) continue
        const decodes = codec.decodeInto(text, new Uint8Array(16)) >= 0
        if (isBase64(text) !== decodes)
          throw new Error(`isBase64 disagrees on ${JSON.stringify(text)}`)
      }
    }
  })

  it.each(NOT_BASE64)('rejects %s, as the decoders do', (_, text) => {
    expect(isBase64(text)).toBe(false)
    expect(decodeBase64(text)).toBeUndefined()
  })
})

const codecs: [string, Base64Codec | undefined][] = [
  ['table', tableCodec],
  ['native', nativeCodec],
]

describe.each(codecs)('base64, %s codec', (_, codec) => {
  if (!codec) return
  const decode = (text: string): Uint8Array | undefined => {
    const target = new Uint8Array(Math.max(0, decodedLength(text)))
    const length = codec.decodeInto(text, target)
    return length < 0 ? undefined : target
  }

  it('encodes like btoa for every length from 0 to 700', () => {
    for (let length = 0; length <= 700; length++) {
      const bytes = randomBytes(length, length)
      expect(codec.encode(bytes)).toBe(platformEncode(bytes))
    }
  })

  it('decodes what btoa encodes, for every length from 0 to 700', () => {
    for (let length = 0; length <= 700; length++) {
      const bytes = randomBytes(length, 1000 + length)
      expect(decode(platformEncode(bytes))).toEqual(bytes)
    }
  })

  it('decodes every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(decode(codec.encode(bytes))).toEqual(bytes)
  })

  it('round-trips a 20 ms Twilio frame: 160 bytes, 216 characters ending in two pads', () => {
    const frame = randomBytes(160, 7)
    const payload = codec.encode(frame)
    expect(payload).toHaveLength(216)
    expect(payload.endsWith('==')).toBe(true)
    expect(decode(payload)).toEqual(frame)
  })

  it('ignores unused bits in the last character, as atob does', () => {
    expect(decode('AAE=')).toEqual(decode('AAF='))
  })

  it.each(NOT_BASE64)('rejects %s', (_, text) => {
    expect(decode(text)).toBeUndefined()
    expect(codec.decodeInto(text, new Uint8Array(64))).toBe(-1)
  })

  it('decodes into a caller buffer and reports the length', () => {
    const target = new Uint8Array(8)
    expect(decodedLength('AAECAw==')).toBe(4)
    expect(codec.decodeInto('AAECAw==', target)).toBe(4)
    expect(Array.from(target.subarray(0, 4))).toEqual([0, 1, 2, 3])
    expect(codec.decodeInto('AAECAw==', new Uint8Array(3))).toBe(-1)
  })

  it('decodes the empty string to no bytes', () => {
    expect(decode('')).toEqual(new Uint8Array(0))
  })
})
