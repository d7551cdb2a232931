/**
 * The conference's running transcript: what the agent heard (the callers'
 * speech, as the agent transcribed it) and what it said, in order.
 *
 * The agent may correct a response after the fact (`agent_response_correction`,
 * sent when a response was cut short), which rewrites the matching entry instead
 * of appending, and an interruption marks the response it cut off. Bounded: it holds
 * the most recent entries, which the page shows; the room keeps every line
 * (transcript-store.ts).
 */

export interface TranscriptEntry {
  /**
   * The entry's place in the conference's transcript, unique and increasing: what a
   * rewrite of it is known by. Not the event id, which every agent conversation (each
   * reconnection) starts afresh, and which a reply's text and the caller's speech share.
   */
  seq: number
  role: 'agent' | 'user'
  text: string
  /** The agent's event id for the turn, when it sent one. */
  eventId?: number
  at: string
  corrected?: boolean
  /** Set when the callers interrupted this response before it finished playing. */
  interrupted?: boolean
}

/** An entry as the bridge makes it; the transcript numbers it. */
export type NewTranscriptEntry = Omit<TranscriptEntry, 'seq'>

/**
 * The newest lines, which the room holds in memory and in its record and shows (the API's
 * view, the page); every line is kept in its storage besides (transcript-store.ts).
 */
export const MAX_TRANSCRIPT_ENTRIES = 200

/**
 * The longest line kept, in characters; a longer one is cut, and ends in "…". Every line is
 * kept for the room's life and sent whole with the rest (GET …/transcript), so no single
 * agent event may make one of any size. 4000 characters is four minutes or more of
 * speech: a turn the agent's turn-taking let run on that long, or a runaway reply.
 */
export const MAX_LINE_CHARS = 4000

/**
 * How much of the transcript a reconnected agent is told: about 3000 tokens, the last few
 * dozen lines of a call. ElevenLabs documents no limit on a contextual update's text (the
 * AsyncAPI contract gives it none); the agent's model reads it all at every turn after.
 */
const CONTEXT_CHARS = 12_000

/** The last `max` characters of `text` after an ellipsis, not starting inside a surrogate pair. */
function endOf(text: string, max: number): string {
  let start = text.length - max
  const unit = text.charCodeAt(start)
  if (unit >= 0xdc00 && unit <= 0xdfff) start += 1
  return `…${text.slice(start)}`
}

/**
 * Entries as stored, numbered: a record written before entries had a `seq` (a deploy in
 * the middle of a call) gets theirs in order, after any it has.
 */
export function numbered(
  entries: readonly (NewTranscriptEntry & { seq?: number })[],
): TranscriptEntry[] {
  let next = nextSeq(entries)
  return entries.map((entry) =>
    entry.seq === undefined ? { ...entry, seq: next++ } : (entry as TranscriptEntry),
  )
}

/** `text` cut to MAX_LINE_CHARS, not inside a character that takes two UTF-16 units. */
function bounded(text: string): string {
  if (text.length <= MAX_LINE_CHARS) return text
  let end = MAX_LINE_CHARS - 1
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end--
  return `${text.slice(0, end)}…`
}

const nextSeq = (entries: readonly { seq?: number }[]): number =>
  entries.reduce((max, { seq }) => (seq === undefined ? max : Math.max(max, seq + 1)), 0)

export class Transcript {
  #entries: TranscriptEntry[]
  #nextSeq: number
  /** The first entry of the agent conversation under way: event ids count from it. */
  #conversationFrom: number

  constructor(entries: readonly (NewTranscriptEntry & { seq?: number })[] = []) {
    this.#entries = numbered(entries).slice(-MAX_TRANSCRIPT_ENTRIES)
    this.#nextSeq = nextSeq(this.#entries)
    this.#conversationFrom = this.#nextSeq
  }

  get entries(): readonly TranscriptEntry[] {
    return this.#entries
  }

  add(entry: NewTranscriptEntry): TranscriptEntry {
    const added = { seq: this.#nextSeq++, ...entry, text: bounded(entry.text) }
    this.#entries.push(added)
    if (this.#entries.length > MAX_TRANSCRIPT_ENTRIES) this.#entries.shift()
    return added
  }

  /**
   * A new agent conversation begins (a reconnection): its event ids start afresh, so a
   * correction or an interruption it sends is about its own entries only.
   */
  newConversation(): void {
    this.#conversationFrom = this.#nextSeq
  }

  /** Replaces the agent's original wording; returns the entry it changed, if any. */
  correct(original: string, corrected: string, eventId?: number): TranscriptEntry | undefined {
    const entry = this.#findAgentEntry(
      (e) => (eventId !== undefined && e.eventId === eventId) || e.text === original,
    )
    if (!entry) return undefined
    entry.text = bounded(corrected)
    entry.corrected = true
    return entry
  }

  markInterrupted(eventId: number): TranscriptEntry | undefined {
    const entry = this.#findAgentEntry((e) => e.eventId !== undefined && e.eventId <= eventId)
    if (entry) entry.interrupted = true
    return entry
  }

  /**
   * The transcript as plain text, newest last, for a reconnecting agent: whole lines, as many
   * of the newest as `maxChars` holds, and how many earlier ones were left out (a line cut
   * at its start would read as someone's words). The newest alone longer than that keeps
   * its end, cut between characters, not inside one.
   */
  toContext(maxChars = CONTEXT_CHARS): string {
    // A reply the callers cut off is said so: the agent should not take it as heard whole.
    const lines = this.#entries.map(
      (e) =>
        `${e.role === 'agent' ? 'Agent' : 'Caller'}: ${e.text}${e.interrupted ? ' (cut off by the callers)' : ''}`,
    )
    const kept: string[] = []
    let length = 0
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i] as string
      const added = line.length + (kept.length > 0 ? 1 : 0)
      if (length + added > maxChars) {
        if (kept.length === 0) kept.push(endOf(line, maxChars))
        break
      }
      kept.push(line)
      length += added
    }
    const left = lines.length - kept.length
    const note = left === 0 ? '' : `(${left} earlier ${left === 1 ? 'line' : 'lines'} left out)\n`
    return note + kept.reverse().join('\n')
  }

  /** The newest of the conversation's own agent entries that `match`es. */
  #findAgentEntry(match: (entry: TranscriptEntry) => boolean): TranscriptEntry | undefined {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i]
      if (!entry || entry.seq < this.#conversationFrom) return undefined
      if (entry.role === 'agent' && match(entry)) return entry
    }
    return undefined
  }
}
