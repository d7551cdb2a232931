/**
 * The floor's `repack` variant: the same messages as a pcm_16000 agent gets
 * (twice the samples, 16-bit, four times the bytes of mu-law) with the least
 * arithmetic that makes them: each phone sample doubled on the way in, every
 * other agent sample kept on the way out, no filters. Beside the `convert`
 * variant it splits what our conversion costs into message size and
 * resampling.
 */

import { decodeBase64, encodeBase64 } from '../../worker/audio/base64.ts'
import type { AudioConverter } from '../../worker/audio/converters.ts'
import { decodeMulaw, encodeMulaw } from '../../worker/audio/mulaw.ts'

const bytesOf = (samples: Int16Array) =>
  new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)

function convertBase64(payload: string, convert: (bytes: Uint8Array) => Uint8Array) {
  const bytes = decodeBase64(payload)
  return bytes && encodeBase64(convert(bytes))
}

/** mu-law 8 kHz to 16-bit 16 kHz by sample doubling (little-endian hosts, as workerd's are). */
export function doublingConverter(): AudioConverter {
  const convert = (mulaw: Uint8Array) => {
    const phone = decodeMulaw(mulaw)
    const agent = new Int16Array(phone.length * 2)
    for (let i = 0; i < phone.length; i++) agent[2 * i] = agent[2 * i + 1] = phone[i] ?? 0
    return bytesOf(agent)
  }
  return {
    convert,
    convertBase64: (payload) => convertBase64(payload, convert),
    reset: () => {},
    startResponse: () => {},
  }
}

/** 16-bit 16 kHz to mu-law 8 kHz by keeping every other sample (whole samples per chunk assumed). */
export function droppingConverter(): AudioConverter {
  const convert = (pcm: Uint8Array) => {
    const agent = new Int16Array(
      pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.length & ~1)),
    )
    const phone = new Int16Array(agent.length >> 1)
    for (let i = 0; i < phone.length; i++) phone[i] = agent[2 * i] ?? 0
    return encodeMulaw(phone)
  }
  return {
    convert,
    convertBase64: (payload) => convertBase64(payload, convert),
    reset: () => {},
    startResponse: () => {},
  }
}
