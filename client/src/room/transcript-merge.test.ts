import { describe, expect, it } from 'vitest'
import { aLine } from './room-fixtures.ts'
import { mergeTranscript } from './transcript-merge.ts'

describe('mergeTranscript', () => {
  it('appends a new turn', () => {
    const first = aLine({ role: 'user', text: 'Hi', eventId: 1 })
    const second = aLine({ role: 'agent', text: 'Hello', eventId: 1 })
    expect(mergeTranscript([first], second)).toEqual([first, second])
  })

  it('replaces a corrected agent turn in place, matched by role and eventId', () => {
    const original = aLine({ text: 'It costs ten dollars and', eventId: 7 })
    const later = aLine({ role: 'user', text: 'Wait', eventId: 8 })
    const corrected = { ...original, text: 'It costs ten dollars', corrected: true }
    expect(mergeTranscript([original, later], corrected)).toEqual([corrected, later])
  })

  it('keeps the latest version of a turn without eventId, matched by role and time', () => {
    const first = aLine({ text: 'One', at: '2026-01-01T10:00:01.000Z' })
    const rewritten = { ...first, interrupted: true }
    expect(mergeTranscript([first], rewritten)).toEqual([rewritten])
  })

  it('does not mix up a caller turn and an agent turn with the same eventId', () => {
    const user = aLine({ role: 'user', text: 'Hi', eventId: 3 })
    const agent = aLine({ role: 'agent', text: 'Hello', eventId: 3 })
    expect(mergeTranscript([user], agent)).toHaveLength(2)
  })

  it('keeps at most the 200 newest turns, like the worker', () => {
    let entries = [aLine({ eventId: 0 })]
    for (let id = 1; id <= 200; id++) entries = mergeTranscript(entries, aLine({ eventId: id }))
    expect(entries).toHaveLength(200)
    expect(entries[0]?.eventId).toBe(1)
  })
})
