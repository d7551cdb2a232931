import { describe, expect, it } from 'vitest'
import { TwilioPlayback } from './playback.ts'

/** Bytes of mu-law in `ms` milliseconds at 8 kHz. */
const ms = (duration: number) => duration * 8

describe('TwilioPlayback', () => {
  it('echoes a mark at once when no audio is queued', () => {
    const playback = new TwilioPlayback()
    expect(playback.mark('a', 0)).toEqual(['a'])
    expect(playback.pendingMarks).toBe(0)
  })

  it('echoes a mark once the audio queued before it has played', () => {
    const playback = new TwilioPlayback()
    playback.media(ms(100), 1000)
    expect(playback.mark('a', 1010)).toEqual([])
    expect(playback.nextDueAt).toBe(1100)
    expect(playback.due(1099)).toEqual([])
    expect(playback.due(1100)).toEqual(['a'])
    expect(playback.nextDueAt).toBeUndefined()
  })

  it('plays queued chunks back to back, in order', () => {
    const playback = new TwilioPlayback()
    playback.media(ms(100), 0)
    playback.mark('first', 0)
    playback.media(ms(50), 20)
    playback.mark('second', 20)
    expect(playback.due(100)).toEqual(['first'])
    expect(playback.due(149)).toEqual([])
    expect(playback.due(150)).toEqual(['second'])
  })

  it('starts audio that arrives after the queue ran dry when it arrives', () => {
    const playback = new TwilioPlayback()
    playback.media(ms(20), 0)
    playback.media(ms(20), 500)
    playback.mark('late', 500)
    expect(playback.nextDueAt).toBe(520)
    expect(playback.playedMs(530)).toBe(40)
  })

  it('echoes every pending mark at once on clear and drops the unplayed audio', () => {
    const playback = new TwilioPlayback()
    playback.media(ms(1000), 0)
    playback.mark('a', 0)
    playback.media(ms(1000), 0)
    playback.mark('b', 0)
    expect(playback.clear(300)).toEqual(['a', 'b'])
    expect(playback.clearedMs).toBe(1700)
    expect(playback.playedMs(400)).toBe(300)
    expect(playback.mark('c', 300)).toEqual(['c'])
  })

  it('echoes nothing on a clear with nothing pending', () => {
    expect(new TwilioPlayback().clear(0)).toEqual([])
  })
})
