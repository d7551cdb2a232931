import { describe, expect, it } from 'vitest'
import { levelDbfs } from './audio-codec.ts'
import { chunkAudio, resample, speakAsTones } from './reply-audio.ts'

describe('speakAsTones', () => {
  it('says each word as a 190 ms slot, the same way every time', () => {
    const once = speakAsTones('one two three', 16_000)
    expect(once.length).toBe(3 * 3040) // 190 ms at 16 kHz
    expect(speakAsTones('one two three', 16_000)).toEqual(once)
  })

  it('is audible and never clips', () => {
    const samples = speakAsTones('hello from the agent', 8000)
    expect(levelDbfs(samples)).toBeGreaterThan(-20)
    expect(Math.max(...samples.map(Math.abs))).toBeLessThanOrEqual(0.25 * 32767 + 1)
  })

  it('fades each tone in and out instead of starting with a click', () => {
    const samples = speakAsTones('word', 48_000)
    expect(Math.abs(samples[0] ?? 1)).toBe(0)
    expect(Math.abs(samples[1] ?? 0)).toBeLessThan(50)
  })
})

describe('chunkAudio', () => {
  it('cuts audio into whole samples of the given durations, cycled, losing nothing', () => {
    const bytes = new Uint8Array(16_000 * 2) // 1 s of pcm_16000
    const chunks = chunkAudio(bytes, 'pcm_16000', [100, 250])
    expect(chunks.slice(0, 3).map((c) => c.length)).toEqual([3200, 8000, 3200])
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(bytes.length)
    expect(chunks.every((c) => c.length % 2 === 0)).toBe(true)
  })

  it('counts one byte per sample for mu-law', () => {
    expect(chunkAudio(new Uint8Array(800), 'ulaw_8000', [20]).map((c) => c.length)).toEqual(
      Array(5).fill(160),
    )
  })
})

describe('resample', () => {
  it('keeps the duration when changing the rate', () => {
    expect(resample(new Int16Array(1600), 16_000, 24_000)).toHaveLength(2400)
    expect(resample(new Int16Array(441), 44_100, 8000)).toHaveLength(80)
  })
})
