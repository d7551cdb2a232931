/**
 * Audio as the agent socket carries it: base64 text of raw 16-bit little-endian
 * PCM (`pcm_N`) or G.711 mu-law bytes (`ulaw_8000`), no headers. The stand-in
 * decodes what the bridge sends and encodes what the agent says. Its mu-law
 * comes from the `alawmulaw` package, independent of the bridge's own codec.
 */
import alawmulaw from 'alawmulaw'
import type { AudioFormat } from './agent-config.ts'

export const sampleRateOf = (format: AudioFormat): number =>
  Number(format.slice(format.indexOf('_') + 1))

export const isPcm = (format: AudioFormat): boolean => format.startsWith('pcm_')

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Strict RFC 4648 base64 with padding, as every ElevenLabs client sends it. */
export const isBase64 = (text: string): boolean => text.length % 4 === 0 && BASE64.test(text)

export function decodeSamples(bytes: Uint8Array, format: AudioFormat): Int16Array {
  if (!isPcm(format)) return alawmulaw.mulaw.decode(bytes)
  const samples = new Int16Array(bytes.length >> 1)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true)
  return samples
}

export function encodeSamples(samples: Int16Array, format: AudioFormat): Uint8Array {
  if (!isPcm(format)) return alawmulaw.mulaw.encode(samples)
  const bytes = new Uint8Array(samples.length * 2)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true)
  return bytes
}

export const bytesPerSecond = (format: AudioFormat): number =>
  sampleRateOf(format) * (isPcm(format) ? 2 : 1)

/** RMS level of the samples in dBFS (full scale = 32768); -Infinity for silence. */
export function levelDbfs(samples: Int16Array, start = 0, end = samples.length): number {
  let sum = 0
  for (let i = start; i < end; i++) {
    const sample = samples[i] ?? 0
    sum += sample * sample
  }
  const count = end - start
  return count > 0 ? 10 * Math.log10(sum / count / 32768 ** 2) : Number.NEGATIVE_INFINITY
}
