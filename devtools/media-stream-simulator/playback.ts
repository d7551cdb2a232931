/**
 * Twilio's side of a bidirectional stream's outbound audio, as a clock-driven
 * model: `media` is queued and played in order at real time (8 bytes per ms);
 * a `mark` is echoed once the audio queued before it has played, or at once
 * when nothing is queued; `clear` drops what has not played and echoes every
 * pending mark at once. Pure: the caller passes the time and sends the echoes.
 * Source: https://www.twilio.com/docs/voice/media-streams/websocket-messages
 * ("Send a Mark message", "Send a Clear message").
 */

const BYTES_PER_MS = 8

interface PendingMark {
  name: string
  /** When the audio queued before this mark will have played. */
  dueAt: number
}

export class TwilioPlayback {
  #playsUntil = Number.NEGATIVE_INFINITY
  #marks: PendingMark[] = []
  #queuedMs = 0
  #clearedMs = 0

  /** Queues `bytes` of mu-law received at `now`; it plays after what is queued already. */
  media(bytes: number, now: number): void {
    const ms = bytes / BYTES_PER_MS
    this.#playsUntil = Math.max(now, this.#playsUntil) + ms
    this.#queuedMs += ms
  }

  /** A mark received at `now`; returns it when it is echoed at once. */
  mark(name: string, now: number): string[] {
    if (this.#playsUntil <= now) return [name]
    this.#marks.push({ name, dueAt: this.#playsUntil })
    return []
  }

  /** Drops the unplayed audio; returns every pending mark, to echo now. */
  clear(now: number): string[] {
    this.#clearedMs += Math.max(0, this.#playsUntil - now)
    this.#playsUntil = Math.min(this.#playsUntil, now)
    return this.#marks.splice(0).map((mark) => mark.name)
  }

  /** The marks whose audio has played by `now`, in order, to echo now. */
  due(now: number): string[] {
    let count = 0
    while (count < this.#marks.length && (this.#marks[count]?.dueAt ?? 0) <= now) count++
    return this.#marks.splice(0, count).map((mark) => mark.name)
  }

  /** When the next pending mark falls due; undefined when none is pending. */
  get nextDueAt(): number | undefined {
    return this.#marks[0]?.dueAt
  }

  get pendingMarks(): number {
    return this.#marks.length
  }

  /** Audio queued so far, in ms, and how much of it a `clear` dropped. */
  get queuedMs(): number {
    return this.#queuedMs
  }

  get clearedMs(): number {
    return this.#clearedMs
  }

  /** Audio played by `now`, in ms. */
  playedMs(now: number): number {
    return this.#queuedMs - this.#clearedMs - Math.max(0, this.#playsUntil - now)
  }
}
