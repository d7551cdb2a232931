/**
 * The conference's transcript as its room keeps it: every line under a key of its own that
 * sorts in seq order (`transcript:0000000412`), for the room's life, while the room's
 * record holds only the newest (MAX_TRANSCRIPT_ENTRIES). A line is written a moment after
 * it comes or changes (`keep`); a restarted room reads back only the lines its record may
 * lack (`restore`), never a long call's every line; the whole transcript is read a page
 * at a time (`page`). The lines go with the room's storage when its record is freed.
 *
 * @example
 * const store = new TranscriptStore(ctx.storage)
 * record.transcript = await store.restore(record.transcript)
 * store.keep(entry) // written JOURNAL_DELAY_MS later, with any others by then
 */
import { MAX_TRANSCRIPT_ENTRIES, type TranscriptEntry } from './transcript.ts'

const LINE_PREFIX = 'transcript:'
/**
 * Where the room wrote lines ahead of its record before every line was kept (unpadded
 * `line:<seq>`, deleted once the record held them): a room restarted by the deploy that
 * brought this in finds the last of them.
 */
const JOURNAL_PREFIX = 'line:'
/** Wide enough for any seq: keys sort as their lines do. */
const SEQ_DIGITS = 10

/**
 * How long a new or changed line waits to be written: past the first audio of the reply a
 * line opens, which a write there holds up (the output gate, see room.ts). Side by side at
 * N = 20 (`--together --transcripts`, 2026-12-07), the first audio's median was 5.6–6.7 ms
 * against the floor's 2.2–2.7 with each line written at once; 4.3–4.4 against 2.3–2.6 with
 * this delay; 3.5–4.7 against 2.6–3.1 with no line written on its own at all.
 */
const JOURNAL_DELAY_MS = 200

/**
 * The most lines a room keeps: a line every 5–10 s is 14 to 28 hours of talk, past the
 * 24 hours Twilio lets a call last. A line past it is shown but not kept (only a runaway
 * would get there), so that a room's storage and the transcript's answer stay bounded.
 */
export const MAX_KEPT_LINES = 10_000

export const lineKey = (seq: number): string =>
  `${LINE_PREFIX}${String(seq).padStart(SEQ_DIGITS, '0')}`

/** A page of the kept transcript: `more` when lines after it may be kept. */
export interface TranscriptPage {
  lines: TranscriptEntry[]
  more: boolean
}

export class TranscriptStore {
  readonly #storage: DurableObjectStorage
  /** Lines to write, by seq: a line changed again before its write is written once. */
  readonly #pending = new Map<number, TranscriptEntry>()
  #write: ReturnType<typeof setTimeout> | undefined
  /** The old journal's keys a restart found: deleted in the write that keeps their lines. */
  #journalKeys: string[] = []

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage
  }

  /**
   * A restarted room's transcript: the record's, with the lines written since it was (new
   * ones, and changes to its own). Only the kept lines from the record's first on are read,
   * the newest MAX_TRANSCRIPT_ENTRIES at most. Lines the record holds that are not kept
   * (a record written before every line was, or a write the restart cut off) are kept now.
   */
  async restore(recorded: readonly TranscriptEntry[]): Promise<TranscriptEntry[]> {
    const journal = await this.#storage.list<TranscriptEntry>({ prefix: JOURNAL_PREFIX })
    const written = [...recorded, ...journal.values()]
    // None written: the call's first lines may be kept, the record not yet written after them.
    const from = written.length === 0 ? 0 : Math.min(...written.map(({ seq }) => seq))
    const kept = await this.#storage.list<TranscriptEntry>({
      prefix: LINE_PREFIX,
      start: lineKey(from),
      reverse: true,
      limit: MAX_TRANSCRIPT_ENTRIES,
    })
    // Later writes win: the old journal over the record, a kept line over both.
    const bySeq = new Map<number, TranscriptEntry>()
    for (const line of [...written, ...kept.values()]) bySeq.set(line.seq, line)
    // Below the oldest line read, what is kept is not known (nor needed: it is not shown).
    const known = kept.size < MAX_TRANSCRIPT_ENTRIES ? from : Math.min(...keptSeqs(kept))
    const keptAlready = new Set(keptSeqs(kept))
    for (const [seq, line] of bySeq) if (seq >= known && !keptAlready.has(seq)) this.keep(line)
    this.#journalKeys = [...journal.keys()]
    if (this.#journalKeys.length > 0) this.#schedule()
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-MAX_TRANSCRIPT_ENTRIES)
  }

  /**
   * Writes a line, new or changed, soon (JOURNAL_DELAY_MS, with any others by then). The
   * record is written later (room.ts, TRANSCRIPT_SAVE_DELAY_MS), once for a turn's lines,
   * and a reset (a deploy) in between must not lose the very turn a resumed agent is told
   * of. A line the record holds is kept by the time it is written (`flush`), so a restart
   * takes a kept line over the record's.
   */
  keep(line: TranscriptEntry): void {
    if (line.seq >= MAX_KEPT_LINES) return
    this.#pending.set(line.seq, line)
    this.#schedule()
  }

  /** Writes the lines waiting now, in the same transaction as whatever is written with them. */
  flush(options?: DurableObjectPutOptions): void {
    if (this.#write !== undefined) clearTimeout(this.#write)
    this.#write = undefined
    if (this.#pending.size > 0) {
      const lines: Record<string, TranscriptEntry> = {}
      for (const [seq, line] of this.#pending) lines[lineKey(seq)] = line
      this.#pending.clear()
      void this.#storage.put(lines, options)
    }
    // The old journal's lines are kept now (or were already): it has nothing more to give.
    if (this.#journalKeys.length > 0) void this.#storage.delete(this.#journalKeys, options)
    this.#journalKeys = []
  }

  /** The writes waiting called off: the room's storage is being freed. */
  cancel(): void {
    if (this.#write !== undefined) clearTimeout(this.#write)
    this.#write = undefined
    this.#pending.clear()
    this.#journalKeys = []
  }

  /**
   * The kept lines from seq `from` on, at most `limit` of them, with `live` (the room's own
   * newest lines, which may be newer than their writes) over them.
   */
  async page(
    from: number,
    limit: number,
    live: readonly TranscriptEntry[],
  ): Promise<TranscriptPage> {
    const kept = await this.#storage.list<TranscriptEntry>({
      prefix: LINE_PREFIX,
      start: lineKey(from),
      limit,
    })
    const more = kept.size === limit
    const last = more ? Math.max(...keptSeqs(kept)) : Infinity
    const bySeq = new Map<number, TranscriptEntry>()
    for (const line of kept.values()) bySeq.set(line.seq, line)
    for (const line of live) if (line.seq >= from && line.seq <= last) bySeq.set(line.seq, line)
    return { lines: [...bySeq.values()].sort((a, b) => a.seq - b.seq), more }
  }

  #schedule(): void {
    // Unconfirmed, as the room writes all that a live call changes (room.ts, UNCONFIRMED).
    this.#write ??= setTimeout(() => this.flush({ allowUnconfirmed: true }), JOURNAL_DELAY_MS)
  }
}

const keptSeqs = (kept: Map<string, TranscriptEntry>): number[] =>
  [...kept.values()].map((line) => line.seq)
