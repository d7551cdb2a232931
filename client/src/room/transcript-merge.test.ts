import { describe, expect, it } from 'vitest'
import { aLine } from './room-fixtures.ts'
import { mergeTranscript } from './transcript-merge.ts'

describe('mergeTranscript', () => {
  it('appends a new entry', () => {
    const first = aLine({ seq: 0, role: 'user', text: 'Hi', eventId: 1 })
    const second = aLine({ seq: 1, role: 'agent', text: 'Hello', eventId: 1 })
    expect(mergeTranscript([first], second)).toEqual([first, second])
  })

  it('replaces a corrected agent turn in place, matched by seq', () => {
    const original = aLine({ seq: 4, text: 'It costs ten dollars and', eventId: 7 })
    const later = aLine({ seq: 5, role: 'user', text: 'Wait', eventId: 8 })
    const corrected = { ...original, text: 'It costs ten dollars', corrected: true }
    expect(mergeTranscript([original, later], corrected)).toEqual([corrected, later])
  })

  it('appends the turns of a new agent conversation, whose event ids start afresh', () => {
    const before = [
      aLine({ seq: 0, role: 'agent', text: 'Hello', eventId: 1 }),
      aLine({ seq: 1, role: 'user', text: 'A table, please', eventId: 2 }),
      aLine({ seq: 2, role: 'agent', text: 'For how many?', eventId: 2 }),
    ]
    // The agent reconnected: the same event ids, new turns.
    const user = aLine({ seq: 3, role: 'user', text: 'Four people', eventId: 2 })
    const agent = aLine({ seq: 4, role: 'agent', text: 'Four, got it', eventId: 2 })
    expect(mergeTranscript(mergeTranscript(before, user), agent)).toEqual([...before, user, agent])
  })

  it('keeps at most the 200 newest entries, like the worker', () => {
    let entries = [aLine({ seq: 0 })]
    for (let seq = 1; seq <= 200; seq++) entries = mergeTranscript(entries, aLine({ seq }))
    expect(entries).toHaveLength(200)
    expect(entries[0]?.seq).toBe(1)
  })
})
