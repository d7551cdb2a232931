/**
 * Standard base64 (RFC 4648 section 4, with padding) for audio payloads,
 * without Node's Buffer and faster than `atob`/`btoa`, which go through a
 * binary string. Decoding is strict: a payload with a character outside the
 * alphabet, a length that is not a multiple of 4 or misplaced padding is
 * rejected, so a corrupt frame is noticed instead of played as noise.
 * Unused bits in the last character are ignored, as `atob` ignores them.
 *
 * Where the runtime has `Uint8Array.prototype.toBase64`/`setFromBase64`
 * (workerd does; Node 24 does not) those do the work, about 7 times faster
 * than the table code below, with the same rules; elsewhere the table code.
 *
 * @example
 * decodeBase64('AAEC') // Uint8Array [0, 1, 2]
 * encodeBase64(new Uint8Array([0, 1, 2])) // 'AAEC'
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const PAD = 61 // '='
const INVALID = 0x80

const CHAR_CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0))
const SEXTETS = new Uint8Array(128).fill(INVALID)
for (let i = 0; i < 64; i++) SEXTETS[CHAR_CODES[i] ?? 0] = i

/** Text of the encoded form is ASCII, so the UTF-8 decoder is an exact and native bytes-to-string step. */
const ascii = new TextDecoder()
let encodeScratch = new Uint8Array(4096)

/** Bytes that `text` decodes to, or -1 when its length or padding is not valid base64. */
export function decodedLength(text: string): number {
  const length = text.length
  if (length % 4 !== 0) return -1
  if (length === 0) return 0
  const padding =
    text.charCodeAt(length - 1) !== PAD ? 0 : text.charCodeAt(length - 2) === PAD ? 2 : 1
  return (length / 4) * 3 - padding
}

/**
 * Whether `text` is base64 that the decoders accept, without decoding it or allocating:
 * what a pass-through checks for every frame it forwards unchanged.
 */
export function isBase64(text: string): boolean {
  const byteLength = decodedLength(text)
  if (byteLength < 0) return false
  const end = text.length - ((text.length / 4) * 3 - byteLength)
  let check = 0
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    check |= c | (SEXTETS[c & 0x7f] ?? INVALID)
  }
  return (check & ~0x7f) === 0
}

/**
 * Decodes into `target` (at least `decodedLength(text)` bytes), so a caller on
 * a hot path can reuse one buffer. Returns the byte count, or -1 when `text`
 * is not valid base64.
 */
export function decodeBase64Into(text: string, target: Uint8Array): number {
  return codec.decodeInto(text, target)
}

/** The bytes `text` encodes, or undefined when it is not valid base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const byteLength = decodedLength(text)
  if (byteLength < 0) return undefined
  const bytes = new Uint8Array(byteLength)
  return decodeBase64Into(text, bytes) < 0 ? undefined : bytes
}

export function encodeBase64(bytes: Uint8Array): string {
  return codec.encode(bytes)
}

export interface Base64Codec {
  encode(bytes: Uint8Array): string
  /** Returns the byte count, or -1 when `text` is not valid base64 or `target` is too short. */
  decodeInto(text: string, target: Uint8Array): number
}

function tableDecodeInto(text: string, target: Uint8Array): number {
  const byteLength = decodedLength(text)
  if (byteLength < 0 || target.length < byteLength) return -1
  const fullQuads = Math.floor(byteLength / 3) * 4
  let check = 0
  let out = 0
  for (let i = 0; i < fullQuads; i += 4) {
    const c0 = text.charCodeAt(i)
    const c1 = text.charCodeAt(i + 1)
    const c2 = text.charCodeAt(i + 2)
    const c3 = text.charCodeAt(i + 3)
    const s0 = SEXTETS[c0 & 0x7f] ?? INVALID
    const s1 = SEXTETS[c1 & 0x7f] ?? INVALID
    const s2 = SEXTETS[c2 & 0x7f] ?? INVALID
    const s3 = SEXTETS[c3 & 0x7f] ?? INVALID
    check |= c0 | c1 | c2 | c3 | s0 | s1 | s2 | s3
    const bits = (s0 << 18) | (s1 << 12) | (s2 << 6) | s3
    target[out++] = bits >> 16
    target[out++] = (bits >> 8) & 0xff
    target[out++] = bits & 0xff
  }
  const tail = byteLength - out
  if (tail > 0) {
    const c0 = text.charCodeAt(fullQuads)
    const c1 = text.charCodeAt(fullQuads + 1)
    const c2 = tail === 2 ? text.charCodeAt(fullQuads + 2) : (CHAR_CODES[0] ?? 0)
    const s0 = SEXTETS[c0 & 0x7f] ?? INVALID
    const s1 = SEXTETS[c1 & 0x7f] ?? INVALID
    const s2 = SEXTETS[c2 & 0x7f] ?? INVALID
    check |= c0 | c1 | c2 | s0 | s1 | s2
    const bits = (s0 << 18) | (s1 << 12) | (s2 << 6)
    target[out++] = bits >> 16
    if (tail === 2) target[out++] = (bits >> 8) & 0xff
  }
  return check & ~0x7f ? -1 : byteLength
}

function tableEncode(bytes: Uint8Array): string {
  const length = Math.ceil(bytes.length / 3) * 4
  if (encodeScratch.length < length) encodeScratch = new Uint8Array(length * 2)
  const chars = encodeScratch
  const whole = bytes.length - (bytes.length % 3)
  let out = 0
  for (let i = 0; i < whole; i += 3) {
    const bits = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    chars[out++] = CHAR_CODES[bits >> 18] ?? 0
    chars[out++] = CHAR_CODES[(bits >> 12) & 63] ?? 0
    chars[out++] = CHAR_CODES[(bits >> 6) & 63] ?? 0
    chars[out++] = CHAR_CODES[bits & 63] ?? 0
  }
  const tail = bytes.length - whole
  if (tail > 0) {
    const bits = ((bytes[whole] ?? 0) << 16) | (tail === 2 ? (bytes[whole + 1] ?? 0) << 8 : 0)
    chars[out++] = CHAR_CODES[bits >> 18] ?? 0
    chars[out++] = CHAR_CODES[(bits >> 12) & 63] ?? 0
    chars[out++] = tail === 2 ? (CHAR_CODES[(bits >> 6) & 63] ?? 0) : PAD
    chars[out++] = PAD
  }
  return ascii.decode(chars.subarray(0, out))
}

export const tableCodec: Base64Codec = { encode: tableEncode, decodeInto: tableDecodeInto }

/** The TC39 base64 methods (shipped in V8 14), where the runtime has them. */
interface NativeBase64 {
  toBase64(): string
  setFromBase64(text: string): { read: number; written: number }
}

function hasNativeBase64(): boolean {
  const prototype = Uint8Array.prototype as Partial<NativeBase64>
  return typeof prototype.toBase64 === 'function' && typeof prototype.setFromBase64 === 'function'
}

export const nativeCodec: Base64Codec | undefined = hasNativeBase64()
  ? {
      encode: (bytes) => (bytes as unknown as NativeBase64).toBase64(),
      decodeInto(text, target) {
        // setFromBase64 would also accept whitespace and unpadded endings; checking that it
        // read every character and wrote exactly what the padded length implies keeps the
        // rules of the table decoder. Whitespace only ever makes it write less, so it may
        // decode into all of `target` (no view to allocate for each frame).
        const byteLength = decodedLength(text)
        if (byteLength < 0 || target.length < byteLength) return -1
        try {
          const { read, written } = (target as unknown as NativeBase64).setFromBase64(text)
          return read === text.length && written === byteLength ? byteLength : -1
        } catch {
          return -1
        }
      },
    }
  : undefined

const codec = nativeCodec ?? tableCodec
