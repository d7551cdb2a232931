/**
 * The server side of ping/pong: ping ids rising from 1, the pings still
 * waiting for a pong (a pong for any other id is a protocol violation), and
 * the last round trip, which the next ping reports as `ping_ms`.
 */
const MAX_OUTSTANDING = 32

export class PingClock {
  #lastId = 0
  #outstanding = new Map<number, number>()
  lastRoundTripMs: number | undefined

  /** Starts the next ping and returns its event id. */
  next(now: number): number {
    this.#lastId++
    this.expect(this.#lastId, now)
    return this.#lastId
  }

  /** Accepts a pong for `eventId` later (also for pings pushed by hand). */
  expect(eventId: number, now: number): void {
    this.#outstanding.set(eventId, now)
    const oldest = this.#outstanding.keys().next().value
    if (this.#outstanding.size > MAX_OUTSTANDING && oldest !== undefined) {
      this.#outstanding.delete(oldest)
    }
  }

  /** The round trip for a pong, or undefined when no such ping is outstanding. */
  answer(eventId: number, now: number): number | undefined {
    const sentAt = this.#outstanding.get(eventId)
    if (sentAt === undefined) return undefined
    this.#outstanding.delete(eventId)
    this.lastRoundTripMs = now - sentAt
    return this.lastRoundTripMs
  }
}
