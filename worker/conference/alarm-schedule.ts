/**
 * When the room's one alarm must next look at its conference, and what it looks for:
 * an empty room to end, dialled phones whose callbacks may have been lost, people shown
 * on the call who may have left unheard, phones to hang up after the end, and an ended
 * record to free (and the agent's leg until it asks for its TwiML: agent-leg-watch.ts).
 * Pure: the room sets the alarm and does the asking.
 */
import type { RoomRecord } from './room-record.ts'
import { isActive, isDialPending, type Participant } from './roster.ts'

/**
 * A conference with no person in it (nobody joined yet, or everyone left) is ended this
 * long after, once Twilio confirms it has nobody in it but the agent: the room's roster,
 * built from callbacks, would miss a person whose join callback was lost. The agent's leg
 * is in it from the start, so without this it would talk to an empty room, both vendors
 * billing (ElevenLabs by the minute of conversation), until its own limits ended it. Long
 * enough for the host's page to join after starting it, or a dropped page to rejoin.
 */
export const EMPTY_CONFIRMED_MS = 2 * 60 * 1000
/**
 * Without Twilio's word (it cannot be asked, or the conference's sid is not known), an
 * empty conference is ended after this long. Twilio listing a person keeps it going.
 */
export const EMPTY_ROOM_MS = 10 * 60 * 1000
/** How long Twilio lets a dialled phone ring (the participant create's `Timeout`). */
export const RING_TIMEOUT_S = 30
/**
 * A dialled phone still dialling or ringing this long after the dial has had its
 * callbacks lost (Twilio retries a callback only when it cannot connect, and then at once:
 * https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides): the room
 * asks Twilio about the call. It would otherwise count as on its way in for ever, so the
 * conference would never count as empty and the number could not be dialled again.
 */
export const DIAL_CHECK_MS = RING_TIMEOUT_S * 1000 + 30_000
/** Asked again this often while Twilio says it is still queued or ringing, or does not answer. */
export const DIAL_RECHECK_MS = 30_000
/** No call rings this long: with still no word of it, the dial counts as failed. */
export const DIAL_GIVE_UP_MS = 5 * 60_000
/**
 * How often the people shown on the call are checked against Twilio: one whose leave
 * callback was lost would otherwise keep the conference from ever counting as empty.
 */
export const PRESENCE_CHECK_MS = EMPTY_ROOM_MS
/** An ended conference's record stays readable this long, then the room frees it. */
export const RETENTION_MS = 60 * 60 * 1000
/**
 * A phone still ringing at the end whose hang-up failed is tried again this often, for as
 * long as it could still ring (RING_WINDOW_MS after the end).
 */
export const HANG_UP_RETRY_MS = 10_000
/**
 * How long after a dial its phone may still ring: Twilio adds 5 s to every outgoing
 * call's `Timeout` (Participants API, Timeout), and a call may first wait in Twilio's
 * queue for a few seconds.
 */
const RING_WINDOW_MS = (RING_TIMEOUT_S + 5) * 1000 + 10_000

export const dialedAt = (participant: Participant): number => Date.parse(participant.dialedAt ?? '')

/** A person shown on the call whose call Twilio can be asked about. */
export const isPresenceChecked = (p: Participant): boolean =>
  p.kind !== 'agent' && p.status === 'joined' && p.callSid !== undefined

/** When a dialled phone is next due to be asked about; Infinity when it is not waited for. */
export const dialCheckDue = (participant: Participant): number =>
  isDialPending(participant) ? dialedAt(participant) + DIAL_CHECK_MS : Number.POSITIVE_INFINITY

/** When the people on the call are next due to be checked; Infinity while nobody is. */
export function nextPresenceCheck(participants: readonly Participant[], checkedAt: number): number {
  return participants.some(isPresenceChecked)
    ? checkedAt + PRESENCE_CHECK_MS
    : Number.POSITIVE_INFINITY
}

/** When the alarm must next look at the dialled phones (just looked at: DIAL_RECHECK_MS on). */
export function nextDialCheck(participants: readonly Participant[], now: number): number {
  let next = Number.POSITIVE_INFINITY
  for (const participant of participants) {
    const due = dialCheckDue(participant)
    next = Math.min(next, due > now ? due : now + DIAL_RECHECK_MS)
  }
  return next
}

/**
 * Since when (ms) no person has been on the call or on their way in; undefined while one
 * is. `streamAwaited`: the agent's stream has not come yet (a local call's page carries it).
 */
export function emptySince(
  record: RoomRecord,
  participants: readonly Participant[],
  streamAwaited: boolean,
): number | undefined {
  // A local call's page is in it from the start, with its stream: it is empty until that comes.
  if (record.local) return streamAwaited ? Date.parse(record.createdAt) : undefined
  const people = participants.filter((p) => p.kind !== 'agent')
  // Joined, being dialled or ringing: someone is there or on the way.
  if (people.some(isActive)) return undefined
  const lastLeft = Math.max(0, ...people.map((p) => Date.parse(p.leftAt ?? '') || 0))
  return lastLeft || Date.parse(record.createdAt)
}

/** Whether a phone dialled before the end at `endedAt` may still ring at `at`. */
export const mayStillRing = (endedAt: number, at: number): boolean => at < endedAt + RING_WINDOW_MS
