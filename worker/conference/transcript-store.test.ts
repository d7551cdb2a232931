import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { eventually } from '../testing/eventually.ts'
import { newConferenceId, roomFor } from './conference-id.ts'
import { MAX_TRANSCRIPT_ENTRIES, type TranscriptEntry } from './transcript.ts'
import { lineKey, MAX_KEPT_LINES, TranscriptStore } from './transcript-store.ts'

const AT = '2026-01-01T10:00:00.000Z'
const line = (seq: number, text = `line ${seq}`): TranscriptEntry => ({
  seq,
  role: seq % 2 === 0 ? 'user' : 'agent',
  text,
  at: AT,
})
const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => line(from + i))
const texts = (entries: readonly TranscriptEntry[]) => entries.map(({ seq, text }) => [seq, text])

/** Runs `test` against the storage of a room of its own, which has no record. */
const withStorage = <T>(test: (storage: DurableObjectStorage) => Promise<T>) =>
  runInDurableObject(roomFor(env, newConferenceId()), (_room, state) => test(state.storage))

/** The lines kept in `storage`, in key order. */
const keptIn = async (storage: DurableObjectStorage) => [
  ...(await storage.list<TranscriptEntry>({ prefix: 'transcript:' })).values(),
]

/** `storage` with every list it is asked for counted: how many entries each returned. */
function countingLists(storage: DurableObjectStorage): number[] {
  const listed: number[] = []
  const list = storage.list.bind(storage)
  storage.list = (async (options?: DurableObjectListOptions) => {
    const found = await list(options)
    listed.push(found.size)
    return found
  }) as typeof storage.list
  return listed
}

describe("the room's kept transcript", () => {
  it('keeps each line a moment after it comes, under keys that sort as the lines do', async () => {
    const kept = await withStorage(async (storage) => {
      const store = new TranscriptStore(storage)
      for (const seq of [10, 2, 9]) store.keep(line(seq))
      // Not at the moment a line comes: the reply's first audio would wait for the write.
      expect(await keptIn(storage)).toEqual([])
      return eventually('the lines kept', async () => {
        const kept = await keptIn(storage)
        return kept.length === 3 && kept
      })
    })
    expect(kept.map(({ seq }) => seq)).toEqual([2, 9, 10])
  })

  it('writes a line changed before its write once, as changed', async () => {
    const kept = await withStorage(async (storage) => {
      const store = new TranscriptStore(storage)
      store.keep(line(0, 'It costs ten dollars and'))
      store.keep({ ...line(0, 'It costs ten dollars'), corrected: true })
      store.flush()
      return keptIn(storage)
    })
    expect(kept).toEqual([{ ...line(0, 'It costs ten dollars'), corrected: true }])
  })

  it('keeps no line past MAX_KEPT_LINES', async () => {
    const kept = await withStorage(async (storage) => {
      const store = new TranscriptStore(storage)
      store.keep(line(MAX_KEPT_LINES - 1))
      store.keep(line(MAX_KEPT_LINES))
      store.flush()
      return keptIn(storage)
    })
    expect(kept.map(({ seq }) => seq)).toEqual([MAX_KEPT_LINES - 1])
  })

  it('writes nothing once called off, as when the room is freed', async () => {
    const kept = await withStorage(async (storage) => {
      const store = new TranscriptStore(storage)
      store.keep(line(0))
      store.cancel()
      await new Promise((resolve) => setTimeout(resolve, 300))
      return keptIn(storage)
    })
    expect(kept).toEqual([])
  })
})

describe('a restarted room, its transcript restored', () => {
  it('adds the lines kept since its record, and a change to a line the record holds', async () => {
    const restored = await withStorage(async (storage) => {
      await storage.put({ [lineKey(1)]: line(1, 'How can I help?'), [lineKey(2)]: line(2) })
      return new TranscriptStore(storage).restore([line(0), line(1, 'How can I')])
    })
    expect(texts(restored)).toEqual([
      [0, 'line 0'],
      [1, 'How can I help?'],
      [2, 'line 2'],
    ])
  })

  it('reads back only the newest lines of a long call, not every line kept', async () => {
    const total = 5 * MAX_TRANSCRIPT_ENTRIES
    const [restored, listed] = await withStorage(async (storage) => {
      const all = lines(0, total)
      for (let i = 0; i < total; i += 128) {
        await storage.put(Object.fromEntries(all.slice(i, i + 128).map((l) => [lineKey(l.seq), l])))
      }
      const listed = countingLists(storage)
      // The record was written before the last two lines.
      const recorded = all.slice(total - 2 - MAX_TRANSCRIPT_ENTRIES, total - 2)
      return [await new TranscriptStore(storage).restore(recorded), listed] as const
    })
    expect(restored).toHaveLength(MAX_TRANSCRIPT_ENTRIES)
    expect(restored.at(0)?.seq).toBe(total - MAX_TRANSCRIPT_ENTRIES)
    expect(restored.at(-1)?.seq).toBe(total - 1)
    const read = listed.reduce((sum, size) => sum + size, 0)
    expect(read).toBeLessThanOrEqual(MAX_TRANSCRIPT_ENTRIES)
  })

  it('restores the first lines of a call kept before its record was written with them', async () => {
    const restored = await withStorage(async (storage) => {
      await storage.put(lineKey(0), line(0))
      return new TranscriptStore(storage).restore([])
    })
    expect(texts(restored)).toEqual([[0, 'line 0']])
  })

  it("restores a record and journal written before every line was kept, and keeps the record's lines", async () => {
    // As the previous code left them mid-call: the newest lines in the record, and the lines
    // written since it under `line:<seq>` (a correction of its own among them).
    const [restored, kept, journal] = await withStorage(async (storage) => {
      await storage.put({ 'line:11': line(11), 'line:10': line(10, 'corrected') })
      const restored = await new TranscriptStore(storage).restore(lines(0, 11))
      const kept = await eventually('the lines kept', async () => {
        const kept = await keptIn(storage)
        return kept.length === 12 && kept
      })
      return [restored, kept, await storage.list({ prefix: 'line:' })] as const
    })
    expect(texts(restored)).toEqual([...texts(lines(0, 10)), [10, 'corrected'], [11, 'line 11']])
    expect(kept).toEqual(restored)
    // Kept now, the old journal's lines are not merged again.
    expect(journal.size).toBe(0)
  })
})

describe('the whole transcript, a page at a time', () => {
  it("gives the kept lines in order, the room's own newer ones over them", async () => {
    const [first, second] = await withStorage(async (storage) => {
      await storage.put(Object.fromEntries(lines(0, 5).map((l) => [lineKey(l.seq), l])))
      const store = new TranscriptStore(storage)
      // The room's newest: a correction of line 4, and line 5 not yet written.
      const live = [line(3), line(4, 'corrected'), line(5)]
      return [await store.page(0, 3, live), await store.page(3, 3, live)] as const
    })
    expect(texts(first.lines)).toEqual(texts(lines(0, 3)))
    expect(first.more).toBe(true)
    expect(texts(second.lines)).toEqual([
      [3, 'line 3'],
      [4, 'corrected'],
      [5, 'line 5'],
    ])
    expect(second.more).toBe(false)
  })
})
