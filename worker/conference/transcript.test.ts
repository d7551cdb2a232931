import { describe, expect, it } from 'vitest'
import { MAX_LINE_CHARS, MAX_TRANSCRIPT_ENTRIES, numbered, Transcript } from './transcript.ts'

const AT = '2026-01-01T10:00:00.000Z'

describe('Transcript', () => {
  it('numbers entries in order, on from the highest it was given', () => {
    const transcript = new Transcript([{ seq: 7, role: 'agent', text: 'Hello', at: AT }])
    const added = transcript.add({ role: 'user', text: 'Hi', at: AT })
    expect(added.seq).toBe(8)
    expect(transcript.add({ role: 'agent', text: 'Yes?', at: AT }).seq).toBe(9)
  })

  it('numbers a stored record written before entries had numbers', () => {
    const stored = [
      { role: 'agent' as const, text: 'Hello', eventId: 1, at: AT },
      { role: 'user' as const, text: 'Hi', eventId: 2, at: AT },
    ]
    expect(numbered(stored).map((entry) => entry.seq)).toEqual([0, 1])
    expect(new Transcript(stored).add({ role: 'agent', text: 'Yes?', at: AT }).seq).toBe(2)
  })

  it('keeps numbering past the entries it lets go', () => {
    const transcript = new Transcript()
    for (let i = 0; i <= MAX_TRANSCRIPT_ENTRIES; i++) {
      transcript.add({ role: 'user', text: `line ${i}`, at: AT })
    }
    expect(transcript.entries).toHaveLength(MAX_TRANSCRIPT_ENTRIES)
    expect(transcript.entries[0]?.seq).toBe(1)
    expect(transcript.add({ role: 'user', text: 'next', at: AT }).seq).toBe(
      MAX_TRANSCRIPT_ENTRIES + 1,
    )
  })

  it('corrects the response its event id names, and says it was corrected', () => {
    const transcript = new Transcript()
    const entry = transcript.add({ role: 'agent', text: 'It costs ten', eventId: 3, at: AT })
    expect(transcript.correct('It costs ten dollars and', 'It costs ten dollars', 3)).toBe(entry)
    expect(entry).toMatchObject({ text: 'It costs ten dollars', corrected: true })
  })

  it('cuts a line longer than it keeps, and says so at its end', () => {
    const transcript = new Transcript()
    const long = transcript.add({ role: 'user', text: 'a'.repeat(MAX_LINE_CHARS + 1), at: AT })
    expect(long.text).toHaveLength(MAX_LINE_CHARS)
    expect(long.text.endsWith('a…')).toBe(true)
    const exact = 'b'.repeat(MAX_LINE_CHARS)
    expect(transcript.add({ role: 'user', text: exact, at: AT }).text).toBe(exact)
  })

  it('cuts a long line between characters, not inside one', () => {
    // An emoji is two UTF-16 units: the cut would fall between them.
    const text = `${'a'.repeat(MAX_LINE_CHARS - 2)}😀${'a'.repeat(10)}`
    const line = new Transcript().add({ role: 'agent', text, at: AT })
    expect(line.text).toHaveLength(MAX_LINE_CHARS - 1)
    expect(line.text.endsWith('aa…')).toBe(true)
  })

  it('cuts a long correction as it cuts a long line', () => {
    const transcript = new Transcript()
    transcript.add({ role: 'agent', text: 'Short', eventId: 1, at: AT })
    const corrected = transcript.correct('Short', 'c'.repeat(MAX_LINE_CHARS * 2), 1)
    expect(corrected?.text).toHaveLength(MAX_LINE_CHARS)
  })

  it('marks the response an interruption with a newer event id cut off', () => {
    const transcript = new Transcript()
    const entry = transcript.add({ role: 'agent', text: 'Let me explain', eventId: 2, at: AT })
    expect(transcript.markInterrupted(3)).toBe(entry)
    expect(entry.interrupted).toBe(true)
  })

  it('gives a reconnecting agent the newest whole lines of a long transcript, and says so', () => {
    const transcript = new Transcript()
    transcript.add({ role: 'user', text: 'first words', at: AT })
    transcript.add({ role: 'agent', text: 'x'.repeat(50), at: AT })
    transcript.add({ role: 'user', text: 'almost last', at: AT })
    transcript.add({ role: 'user', text: 'last words', at: AT })
    expect(transcript.toContext(40)).toBe(
      '(2 earlier lines left out)\nCaller: almost last\nCaller: last words',
    )
    expect(transcript.toContext(1000)).toMatch(/^Caller: first words\n/)
    // The newest alone too long keeps its end, not half of an emoji.
    transcript.add({ role: 'agent', text: `${'🙂'.repeat(30)} the end`, at: AT })
    const cut = transcript.toContext(21)
    expect(cut).toBe(`(4 earlier lines left out)\n…${'🙂'.repeat(6)} the end`)
    expect(transcript.toContext()).toContain('Caller: first words')
  })

  it("leaves a stored conversation's entries alone: a resumed call's agent counts afresh", () => {
    const transcript = new Transcript([
      { seq: 0, role: 'agent', text: 'It costs ten dollars and', eventId: 3, at: AT },
    ])
    expect(transcript.markInterrupted(3)).toBeUndefined()
    expect(
      transcript.correct('It costs ten dollars and', 'It costs ten dollars', 3),
    ).toBeUndefined()
    const own = transcript.add({ role: 'agent', text: 'Welcome back', eventId: 1, at: AT })
    expect(transcript.markInterrupted(1)).toBe(own)
  })
})

describe('the transcript told to a reconnected agent', () => {
  it('says who said each line, and which replies the callers cut off', () => {
    const transcript = new Transcript()
    transcript.add({ role: 'agent', text: 'Welcome, how can I', eventId: 1, at: AT })
    transcript.markInterrupted(1)
    transcript.add({ role: 'user', text: 'Sorry, one moment', at: AT })
    expect(transcript.toContext()).toBe(
      'Agent: Welcome, how can I (cut off by the callers)\nCaller: Sorry, one moment',
    )
  })
})
