import { describe, expect, it } from 'vitest'
import { TurnDetector, type TurnEvent } from './turn-detector.ts'

const RATE = 8000
const options = {
  sampleRate: RATE,
  thresholdDbfs: -40,
  minSpeechMs: 100,
  endSilenceMs: 600,
  captureMs: 0,
}

/** `ms` of a -12 dBFS 300 Hz tone, or of silence. */
function audio(ms: number, loud: boolean): Int16Array {
  const samples = new Int16Array((RATE * ms) / 1000)
  if (loud)
    for (let i = 0; i < samples.length; i++)
      samples[i] = 8000 * Math.sin((2 * Math.PI * 300 * i) / RATE)
  return samples
}

/** Feeds the pieces in chunks of `chunkMs` and returns every event. */
function run(detector: TurnDetector, pieces: Int16Array[], chunkMs: number): TurnEvent[] {
  const all = new Int16Array(pieces.reduce((n, piece) => n + piece.length, 0))
  let offset = 0
  for (const piece of pieces) {
    all.set(piece, offset)
    offset += piece.length
  }
  const size = (RATE * chunkMs) / 1000
  const events: TurnEvent[] = []
  for (let i = 0; i < all.length; i += size)
    events.push(...detector.feed(all.subarray(i, i + size)))
  return events
}

describe('TurnDetector', () => {
  it('starts a turn after the minimum speech and ends it after the end silence', () => {
    const events = run(new TurnDetector(options), [audio(1000, true), audio(700, false)], 20)
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'turn_ended'])
    expect(events[1]).toMatchObject({ speechMs: 1000 })
  })

  it('gives the same turns whatever the chunk size', () => {
    const pieces = [
      audio(300, false),
      audio(500, true),
      audio(200, false),
      audio(300, true),
      audio(800, false),
    ]
    const expected = run(new TurnDetector(options), pieces, 20)
    for (const chunkMs of [7.5, 60, 250, 1000]) {
      expect(run(new TurnDetector(options), pieces, chunkMs)).toEqual(expected)
    }
    expect(expected).toMatchObject([
      { type: 'speech_started' },
      { type: 'turn_ended', speechMs: 1000 },
    ])
  })

  it('ignores blips shorter than the minimum speech', () => {
    expect(run(new TurnDetector(options), [audio(60, true), audio(1000, false)], 20)).toEqual([])
  })

  it('keeps a turn going through pauses shorter than the end silence', () => {
    const events = run(
      new TurnDetector(options),
      [audio(200, true), audio(400, false), audio(200, true)],
      20,
    )
    expect(events.map((e) => e.type)).toEqual(['speech_started'])
  })

  it('treats quiet noise below the threshold as silence', () => {
    const noise = audio(1000, true).map((sample) => sample / 100) // about -52 dBFS
    expect(run(new TurnDetector(options), [noise], 20)).toEqual([])
  })

  it('captures the turn’s audio up to its last loud frame, within the capture limit', () => {
    const speech = audio(400, true)
    const captured = run(
      new TurnDetector({ ...options, captureMs: 5000 }),
      [speech, audio(700, false)],
      20,
    )
    expect(captured[1]).toMatchObject({ type: 'turn_ended', captured: speech })
    const capped = run(
      new TurnDetector({ ...options, captureMs: 200 }),
      [speech, audio(700, false)],
      20,
    )
    expect(capped[1]?.type === 'turn_ended' && capped[1].captured.length).toBe((RATE * 200) / 1000)
  })
})
