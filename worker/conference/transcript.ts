/**
 * The conference's running transcript: what the agent heard (the callers'
 * speech, as the agent transcribed it) and what it said, in order.
 *
 * The agent may correct a response after the fact (`agent_response_correction`,
 * sent when a response was cut short), which rewrites the matching entry instead
 * of appending, and an interruption marks the response it cut off. Bounded: a long
 * conference keeps its most recent entries.
 */

export interface TranscriptEntry {
  role: 'agent' | 'user'
  text: string
  /** The agent's event id for the turn, when it sent one. */
  eventId?: number
  at: string
  corrected?: boolean
  /** Set when the callers interrupted this response before it finished playing. */
  interrupted?: boolean
}

export const MAX_TRANSCRIPT_ENTRIES = 200

export class Transcript {
  #entries: TranscriptEntry[]

  constructor(entries: TranscriptEntry[] = []) {
    this.#entries = entries.slice(-MAX_TRANSCRIPT_ENTRIES)
  }

  get entries(): readonly TranscriptEntry[] {
    return this.#entries
  }

  add(entry: TranscriptEntry): TranscriptEntry {
    this.#entries.push(entry)
    if (this.#entries.length > MAX_TRANSCRIPT_ENTRIES) this.#entries.shift()
    return entry
  }

  /** Replaces the agent's original wording; returns the entry it changed, if any. */
  correct(original: string, corrected: string, eventId?: number): TranscriptEntry | undefined {
    const entry = this.#findAgentEntry(
      (e) => (eventId !== undefined && e.eventId === eventId) || e.text === original,
    )
    if (!entry) return undefined
    entry.text = corrected
    entry.corrected = true
    return entry
  }

  markInterrupted(eventId: number): TranscriptEntry | undefined {
    const entry = this.#findAgentEntry((e) => e.eventId !== undefined && e.eventId <= eventId)
    if (entry) entry.interrupted = true
    return entry
  }

  /** The transcript as plain text, newest last, for a reconnecting agent. */
  toContext(maxChars = 4000): string {
    const lines = this.#entries.map((e) => `${e.role === 'agent' ? 'Agent' : 'Caller'}: ${e.text}`)
    let text = lines.join('\n')
    if (text.length > maxChars) text = `…${text.slice(text.length - maxChars)}`
    return text
  }

  #findAgentEntry(match: (entry: TranscriptEntry) => boolean): TranscriptEntry | undefined {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i]
      if (entry?.role === 'agent' && match(entry)) return entry
    }
    return undefined
  }
}
