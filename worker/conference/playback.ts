/**
 * What of the agent's speech Twilio has actually played, tracked with marks.
 *
 * After each chunk of agent audio we send a mark; Twilio echoes it when the
 * audio before it has played. A `clear` makes Twilio echo every pending mark
 * at once without playing the audio, so each clear starts a new generation and
 * echoes from an older generation count as cleared, not played.
 * Source: https://www.twilio.com/docs/voice/media-streams/websocket-messages#send-a-clear-message
 */

interface PendingMark {
  name: string
  eventId: number
  ms: number
}

export type MarkOutcome = 'played' | 'cleared' | 'unknown'

export class Playback {
  #generation = 0
  #sequence = 0
  #pending: PendingMark[] = []
  #playedMs = 0

  /** True while some agent audio has been sent and not yet played. */
  get speaking(): boolean {
    return this.#pending.length > 0
  }

  /** Milliseconds of agent audio played since the stream started. */
  get playedMs(): number {
    return this.#playedMs
  }

  get pendingMs(): number {
    return this.#pending.reduce((sum, mark) => sum + mark.ms, 0)
  }

  /** Registers a chunk of `ms` milliseconds for `eventId`; returns the mark name to send after it. */
  mark(eventId: number, ms: number): string {
    const name = `${this.#generation}.${++this.#sequence}`
    this.#pending.push({ name, eventId, ms })
    return name
  }

  echoed(name: string): MarkOutcome {
    const index = this.#pending.findIndex((mark) => mark.name === name)
    if (index < 0) {
      return name.startsWith(`${this.#generation}.`) ? 'unknown' : 'cleared'
    }
    // Marks come back in order; any earlier ones were played too.
    for (const mark of this.#pending.splice(0, index + 1)) this.#playedMs += mark.ms
    return 'played'
  }

  /** Forgets everything pending (Twilio is about to drop it); returns the ms that will not play. */
  clear(): number {
    const dropped = this.pendingMs
    this.#pending = []
    this.#generation++
    return dropped
  }
}
