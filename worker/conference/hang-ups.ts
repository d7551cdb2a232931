/**
 * Hanging up the phones still ringing when a conference ends. Twilio ends only the legs
 * that are in a conference when it ends: a phone still ringing rings on, and whoever
 * answers it joins a new, empty conference under the same name (a conference is made by
 * its first join). Those Twilio would not hang up are kept in the record for the alarm to
 * try again while they could still ring; after that whoever answered is alone in a
 * conference of the same name, whose callbacks the roster ignores.
 */
import { type Env, twilioRestClient } from '../config.ts'
import type { TwilioRestClient } from '../twilio/rest-client.ts'
import { isTwilioCallOver, isTwilioTransient } from '../twilio/rest-errors.ts'
import { HANG_UP_RETRY_MS, mayStillRing, RETENTION_MS } from './alarm-schedule.ts'
import { describeError, type RoomLog } from './room-log.ts'
import { fail, isDialPending, type Participant } from './roster.ts'

/** A call to hang up, with its participant's label for the log. */
export interface Leg {
  label: string
  callSid: string
}

/**
 * Marks the phones still ringing as failed, for the end; returns their calls to hang up.
 * A dial whose CallSid is not known yet (Twilio did not confirm its create, or its answer
 * is still on the way) is called off too, with no call to hang up yet: the create's late
 * answer or its first callback (which carries its label) brings one (see `newCallOf`).
 */
export function callOffPendingDials(participants: readonly Participant[]): Leg[] {
  const pending = participants.filter(isDialPending)
  for (const participant of pending) callOff(participant)
  return pending.flatMap(({ label, callSid }) => (callSid ? [{ label, callSid }] : []))
}

const CALLED_OFF = 'the conference ended before they answered'

/** A phone the end called off: failed, and why, by someone's doing (shown "Called off"). */
function callOff(participant: Participant): void {
  fail(participant, CALLED_OFF)
  participant.removed = true
}

/**
 * The call to hang up of a dial the end called off before its call was known, once it is:
 * `hadCallSid`: whether it had one before the news that may have brought it.
 */
export function newCallOf(
  participant: Participant | undefined,
  hadCallSid: boolean,
): Leg | undefined {
  if (!participant || hadCallSid || participant.callSid === undefined) return undefined
  if (participant.status !== 'failed' || participant.error !== CALLED_OFF) return undefined
  return { label: participant.label, callSid: participant.callSid }
}

/**
 * Ends a participant's call on Twilio, ringing or not; a failure is logged, not thrown.
 * Whether to try again later: not for a call hung up, gone from Twilio already, or one
 * Twilio refuses to change (an ended call), only when it did not answer or failed itself.
 */
export async function hangUp(rest: TwilioRestClient, leg: Leg, log: RoomLog): Promise<boolean> {
  try {
    await rest.updateCall(leg.callSid, { status: 'completed' })
    return false
  } catch (error) {
    if (isTwilioCallOver(error)) return false
    log('warn', `hanging up ${leg.label}: ${describeError(error)}`)
    return isTwilioTransient(error)
  }
}

/** A leg a round tried, and whether Twilio's answer leaves it to try again. */
export interface Tried {
  leg: Leg
  retry: boolean
}

/**
 * Rounds of hang-ups that may overlap (the end's, a dial created meanwhile, the alarm's):
 * a leg one round is hanging up right now is left to that round, so Twilio is asked once.
 */
export class HangUpRounds {
  readonly #inFlight = new Set<string>()

  /** Hangs up the legs no other round has in hand; what it tried, each with its outcome. */
  async run(env: Env, legs: readonly Leg[], log: RoomLog): Promise<Tried[]> {
    const mine = legs.filter((leg) => !this.#inFlight.has(leg.callSid))
    if (mine.length === 0) return []
    for (const leg of mine) this.#inFlight.add(leg.callSid)
    try {
      const rest = twilioRestClient(env)
      const retry = await Promise.all(mine.map((leg) => hangUp(rest, leg, log)))
      return mine.map((leg, i) => ({ leg, retry: retry[i] === true }))
    } catch (error) {
      // Not configured (any more): nothing to try again with.
      log('warn', `cannot hang up the phones still ringing: ${describeError(error)}`)
      return mine.map((leg) => ({ leg, retry: false }))
    } finally {
      for (const leg of mine) this.#inFlight.delete(leg.callSid)
    }
  }
}

/** The legs of `legs` that `pending` does not hold yet. */
export function newLegs(pending: readonly Leg[] | undefined, legs: readonly Leg[]): Leg[] {
  const known = new Set(pending?.map((leg) => leg.callSid))
  return legs.filter((leg) => !known.has(leg.callSid))
}

/** `pending` with the legs of `legs` it lacks; undefined while there are none. */
export function withLegs(
  pending: readonly Leg[] | undefined,
  legs: readonly Leg[],
): Leg[] | undefined {
  const all = [...(pending ?? []), ...newLegs(pending, legs)]
  return all.length > 0 ? all : undefined
}

/**
 * After a round: the legs still to hang up (the pending ones it did not settle, as
 * another round may hold some), those given up because they can ring no longer, and when
 * the alarm is next due: for the next try, or to free the record.
 */
export function settleRound(
  pending: readonly Leg[] | undefined,
  tried: readonly Tried[],
  now: number,
  endedAt: number,
): { pending: Leg[] | undefined; gaveUp: Leg[]; alarmAt: number } {
  const mayRing = mayStillRing(endedAt, now + HANG_UP_RETRY_MS)
  const gaveUp = mayRing ? [] : tried.filter(({ retry }) => retry).map(({ leg }) => leg)
  const settled = new Set(
    tried.filter(({ retry }) => !retry || !mayRing).map(({ leg }) => leg.callSid),
  )
  const kept = (pending ?? []).filter((leg) => !settled.has(leg.callSid))
  return {
    pending: kept.length > 0 ? kept : undefined,
    gaveUp,
    alarmAt: kept.length > 0 ? now + HANG_UP_RETRY_MS : endedAt + RETENTION_MS,
  }
}
