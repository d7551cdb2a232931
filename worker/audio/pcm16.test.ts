import { describe, expect, it } from 'vitest'
import { Pcm16Reader, writePcm16 } from './pcm16.ts'

const LITTLE_ENDIAN = Uint8Array.of(0x34, 0x12, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f)
const SAMPLES = [0x1234, -1, -32768, 32767]

function readAll(reader: Pcm16Reader, chunks: Uint8Array[]): number[] {
  return chunks.flatMap((chunk) => {
    const output = new Int16Array(reader.sampleCount(chunk.length))
    expect(reader.read(chunk, output)).toBe(output.length)
    return Array.from(output)
  })
}

describe('Pcm16Reader', () => {
  it('reads signed 16-bit little-endian samples', () => {
    expect(readAll(new Pcm16Reader(), [LITTLE_ENDIAN])).toEqual(SAMPLES)
  })

  it('carries an odd byte over to the next chunk, wherever the split falls', () => {
    for (let split = 0; split <= LITTLE_ENDIAN.length; split++) {
      const chunks = [LITTLE_ENDIAN.subarray(0, split), LITTLE_ENDIAN.subarray(split)]
      expect(readAll(new Pcm16Reader(), chunks)).toEqual(SAMPLES)
    }
  })

  it('reads one byte at a time', () => {
    const chunks = Array.from(LITTLE_ENDIAN, (byte) => Uint8Array.of(byte))
    expect(readAll(new Pcm16Reader(), chunks)).toEqual(SAMPLES)
  })

  it('drops a pending byte on reset', () => {
    const reader = new Pcm16Reader()
    readAll(reader, [Uint8Array.of(0x99)])
    reader.reset()
    expect(readAll(reader, [LITTLE_ENDIAN])).toEqual(SAMPLES)
  })
})

describe('writePcm16', () => {
  it('writes signed 16-bit little-endian bytes', () => {
    const output = new Uint8Array(8)
    writePcm16(Int16Array.from(SAMPLES), SAMPLES.length, output)
    expect(output).toEqual(LITTLE_ENDIAN)
  })
})
