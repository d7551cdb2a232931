/**
 * What the stand-in agent "says": real, audible, deterministic audio. Text is
 * spoken as a phrase of tones (one short tone per word, so longer answers last
 * longer), or the user's own turn is played back. The audio is then cut into
 * audio events of uneven durations, like a streaming TTS.
 */
import type { AudioFormat } from './agent-config.ts'
import { isPcm, sampleRateOf } from './audio-codec.ts'

/** A pentatonic scale below 1 kHz: audible through an 8 kHz phone path. */
const SCALE_HZ = [392, 440, 523.25, 587.33, 659.25, 783.99]
const TONE_MS = 150
const GAP_MS = 40
const FADE_MS = 5
/** -12 dBFS peak: clearly audible, far from clipping after resampling. */
const AMPLITUDE = 0.25 * 32767
const MAX_WORDS = 40

export function speakAsTones(text: string, sampleRate: number): Int16Array {
  const words = text.split(/\s+/).filter(Boolean).slice(0, MAX_WORDS)
  const toneLength = Math.round((sampleRate * TONE_MS) / 1000)
  const stride = toneLength + Math.round((sampleRate * GAP_MS) / 1000)
  const out = new Int16Array(stride * Math.max(1, words.length))
  words.forEach((word, index) => {
    const hz = SCALE_HZ[(word.length + index) % SCALE_HZ.length] ?? 440
    writeTone(out, index * stride, toneLength, hz, sampleRate)
  })
  return out
}

function writeTone(out: Int16Array, start: number, length: number, hz: number, rate: number) {
  const fade = Math.round((rate * FADE_MS) / 1000)
  for (let i = 0; i < length; i++) {
    // Raised-cosine edges: no clicks at the tone boundaries.
    const edge = Math.min(i, length - 1 - i)
    const gain = edge < fade ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / fade) : 1
    out[start + i] = Math.round(AMPLITUDE * gain * Math.sin((2 * Math.PI * hz * i) / rate))
  }
}

/** Linear interpolation: enough for a dev tool's echo, not for the bridge's audio path. */
export function resample(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return samples
  const out = new Int16Array(Math.floor((samples.length * toRate) / fromRate))
  for (let i = 0; i < out.length; i++) {
    const position = (i * fromRate) / toRate
    const left = Math.floor(position)
    const a = samples[left] ?? 0
    const b = samples[left + 1] ?? a
    out[i] = Math.round(a + (b - a) * (position - left))
  }
  return out
}

/** Cuts encoded audio into events of the given durations (cycled), on whole samples. */
export function chunkAudio(
  bytes: Uint8Array,
  format: AudioFormat,
  durationsMs: readonly number[],
): Uint8Array[] {
  const bytesPerSample = isPcm(format) ? 2 : 1
  const chunks: Uint8Array[] = []
  for (let offset = 0, index = 0; offset < bytes.length; index++) {
    const ms = durationsMs[index % durationsMs.length] ?? 100
    const size = Math.max(1, Math.round((sampleRateOf(format) * ms) / 1000)) * bytesPerSample
    chunks.push(bytes.subarray(offset, offset + size))
    offset += size
  }
  return chunks
}
