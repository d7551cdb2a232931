/**
 * Who counts against MAX_PARTICIPANTS: the people on the call or being dialled (the
 * roster's), and the legs let in by TwiML whose join Twilio has not reported yet, or
 * guests arriving together would all fit. In memory: a restart forgets those for a few
 * seconds at most.
 */
import { isActive, type Participant, type Roster } from './roster.ts'

/** How long a leg let in by TwiML counts as on its way without Twilio reporting its join. */
export const ADMISSION_MS = 30_000

export class Admissions {
  /** Labels let in, and when. */
  readonly #admitted = new Map<string, number>()

  admit(label: string, now: number): void {
    this.#admitted.set(label, now)
  }

  /** Twilio reported the leg's join or leave: it is on its way no more. */
  settled(label: string): void {
    this.#admitted.delete(label)
  }

  /** Everyone on the call or on the way, but for `except`'s own earlier admission. */
  present(roster: Roster, now: number, except?: string): number {
    const admitted = this.arriving(roster, now) - (except && this.#admitted.has(except) ? 1 : 0)
    return roster.active.length + admitted
  }

  /** How many legs let in are on their way still: not on the roster yet, nor let in too long ago. */
  arriving(roster: Roster, now: number): number {
    for (const [label, at] of this.#admitted) {
      const participant = roster.find(label)
      // Joined (the roster counts them now), or never came.
      if ((participant && isActive(participant)) || now - at > ADMISSION_MS) {
        this.#admitted.delete(label)
      }
    }
    return this.#admitted.size
  }
}

/**
 * The conference's host: the first page, who started it (and may have had a phone dialled
 * before joining). Kept in the record as soon as it is known, not learnt from the join
 * callback, which a guest's request can overtake. `joining`: a leg asking to join now, the
 * host if no page came before it.
 */
export function hostLabelOf(
  kept: string | undefined,
  participants: readonly Participant[],
  joining?: { label: string; isPage: boolean },
): string | undefined {
  return (
    kept ??
    participants.find((p) => p.kind === 'browser')?.label ??
    (joining?.isPage ? joining.label : undefined)
  )
}
