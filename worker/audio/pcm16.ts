/**
 * 16-bit little-endian PCM, the byte form of ElevenLabs' pcm_* formats,
 * read and written byte by byte (no DataView, no dependence on the
 * platform's byte order). Nothing guarantees that a chunk from the agent
 * ends on a sample boundary, so the reader carries an odd trailing byte over
 * to the next chunk.
 */
export class Pcm16Reader {
  /** The low byte of a sample whose high byte has not arrived yet, or -1. */
  #pendingByte = -1

  /** How many samples `read` will produce from `byteLength` more bytes. */
  sampleCount(byteLength: number): number {
    return (byteLength + (this.#pendingByte < 0 ? 0 : 1)) >> 1
  }

  /** Reads `bytes` into `output` (at least `sampleCount(bytes.length)` long); returns the count. */
  read(bytes: Uint8Array, output: Int16Array): number {
    let i = 0
    let written = 0
    if (this.#pendingByte >= 0 && bytes.length > 0) {
      output[written++] = this.#pendingByte | ((bytes[0] ?? 0) << 8)
      this.#pendingByte = -1
      i = 1
    }
    // Int16Array stores the low 16 bits, which makes 0x8000-0xFFFF negative.
    for (; i + 1 < bytes.length; i += 2)
      output[written++] = (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8)
    if (i < bytes.length) this.#pendingByte = bytes[i] ?? 0
    return written
  }

  reset(): void {
    this.#pendingByte = -1
  }
}

/** Writes `count` samples as 2 * count bytes into `output`. */
export function writePcm16(samples: Int16Array, count: number, output: Uint8Array): void {
  for (let i = 0, j = 0; i < count; i++, j += 2) {
    const sample = samples[i] ?? 0
    output[j] = sample & 0xff
    output[j + 1] = (sample >> 8) & 0xff
  }
}
