/**
 * What of the agent's speech Twilio has actually played, tracked with marks.
 *
 * Agent audio is queued as it is sent; a mark goes out when a response's
 * audio is complete (the bridge decides when), and Twilio echoes it when the
 * audio before it has played. One mark per response rather than per chunk:
 * each mark is a message to send and one to receive, for no information the
 * room uses. A `clear` makes Twilio echo every pending mark at once without
 * playing the audio, so each clear starts a new generation and echoes from an
 * older generation count as cleared, not played.
 * Source: https://www.twilio.com/docs/voice/media-streams/websocket-messages#send-a-clear-message
 */

interface QueuedAudio {
  eventId: number
  ms: number
}

interface PendingMark extends QueuedAudio {
  name: string
}

export type MarkOutcome = 'played' | 'cleared' | 'unknown'

export class Playback {
  #generation = 0
  #sequence = 0
  #unmarked: QueuedAudio | undefined
  #pending: PendingMark[] = []
  #playedMs = 0

  /** True while some agent audio has been sent and not yet played. */
  get speaking(): boolean {
    return this.#unmarked !== undefined || this.#pending.length > 0
  }

  /** Milliseconds of agent audio played since the stream started. */
  get playedMs(): number {
    return this.#playedMs
  }

  /**
   * Milliseconds of agent audio sent and not yet known to have played: what Twilio may
   * still hold, at most (some of it may have played since its mark went out).
   */
  get unplayedMs(): number {
    let ms = this.#unmarked?.ms ?? 0
    for (const mark of this.#pending) ms += mark.ms
    return ms
  }

  /** The response whose audio has been sent but not yet followed by a mark. */
  get unmarkedEventId(): number | undefined {
    return this.#unmarked?.eventId
  }

  /** Records `ms` milliseconds of audio sent for `eventId` (mark the previous response first). */
  queue(eventId: number, ms: number): void {
    if (this.#unmarked?.eventId === eventId) this.#unmarked.ms += ms
    else this.#unmarked = { eventId, ms }
  }

  /** Closes the queued audio with a mark; returns the mark's name to send, if there was audio. */
  markQueued(): string | undefined {
    const audio = this.#unmarked
    if (!audio) return undefined
    const name = `${this.#generation}.${++this.#sequence}`
    // Spelled out, not spread: a spread's hidden class lives only while a pending mark does,
    // and code built for it is thrown away when the last one is collected (json-shapes.ts).
    this.#pending.push({ eventId: audio.eventId, ms: audio.ms, name })
    this.#unmarked = undefined
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

  /** Forgets everything sent and unplayed (Twilio is about to drop it). */
  clear(): void {
    this.#unmarked = undefined
    this.#pending = []
    this.#generation++
  }
}
