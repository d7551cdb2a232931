import { describe, expect, it } from 'vitest'
import {
  FRAME_BYTES,
  frameDueAt,
  framesDue,
  MULAW_SILENCE,
  silentPayloads,
  toFrames,
  toPayloads,
} from './framing.ts'

describe('toFrames', () => {
  it('cuts audio into 160-byte frames and pads the last one with mu-law silence', () => {
    const audio = Uint8Array.from({ length: 2 * FRAME_BYTES + 10 }, (_, i) => i % 200)
    const frames = toFrames(audio)
    expect(frames.map((frame) => frame.length)).toEqual([160, 160, 160])
    expect(frames[1]?.[0]).toBe(160)
    expect(Array.from(frames[2]?.subarray(0, 10) ?? [])).toEqual(Array.from(audio.subarray(320)))
    expect(frames[2]?.subarray(10).every((byte) => byte === MULAW_SILENCE)).toBe(true)
  })

  it('gives base64 payloads that decode to the frames', () => {
    const audio = new Uint8Array(FRAME_BYTES).fill(0x2a)
    expect(Buffer.from(toPayloads(audio)[0] ?? '', 'base64')).toEqual(Buffer.from(audio))
    expect(silentPayloads(3)).toHaveLength(3)
  })
})

describe('the real-time schedule', () => {
  it('puts frame n at 20 n ms after the start', () => {
    expect([0, 1, 2, 50].map((n) => frameDueAt(1000, n))).toEqual([1000, 1020, 1040, 2000])
  })

  it('has no frame due before the start and the first one due at it', () => {
    expect(framesDue(1000, 999.9)).toBe(0)
    expect(framesDue(1000, 1000)).toBe(1)
    expect(framesDue(1000, 1019.9)).toBe(1)
    expect(framesDue(1000, 1020)).toBe(2)
  })

  it('catches up after a late wake-up instead of drifting', () => {
    // Woken 47 ms late at the third frame: the frames due by then all go, and the
    // next one is still due on the original grid.
    const now = frameDueAt(0, 2) + 47
    expect(framesDue(0, now)).toBe(5)
    expect(frameDueAt(0, framesDue(0, now))).toBe(100)
  })

  it('stays on the grid over an hour of frames', () => {
    const startAt = 123.456
    const index = 180_000
    expect(framesDue(startAt, frameDueAt(startAt, index))).toBe(index + 1)
  })
})
