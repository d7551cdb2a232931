/**
 * A page that rejoins takes its place back from its earlier call. Twilio leaves a call
 * out of the conference if another participant holds its label (error 16025:
 * https://www.twilio.com/docs/api/errors/16025). A page keeps its identity, so its
 * `web-<identity>` label, and after a dropped connection Twilio may still hold the old
 * leg; the person would be refused. The newest call of an identity wins.
 */
import { type Env, twilioRestClient } from '../config.ts'
import type { TwilioRestClient } from '../twilio/rest-client.ts'
import { isTwilioNotFound, TwilioApiError } from '../twilio/rest-errors.ts'
import { describeError, type RoomLog } from './room-log.ts'
import type { Participant } from './roster.ts'

/**
 * The requests that remove a rejoining page's old leg before its TwiML is answered: two,
 * each tried at most twice (an unanswered one once more) and never after a 429, stay
 * within the 15 s Twilio waits for TwiML (8 s at worst).
 */
const REQUESTS = { timeoutMs: 2000, maxRetries: 0 } as const

/** What became of a rejoining page's earlier leg. */
export interface EarlierLeg {
  /**
   * Twilio had the leg no more, and nothing had told it not to end the conference: a
   * host's leaving ended it.
   */
  gone: boolean
  /**
   * The leg was told not to end the conference on its way out (a host's), and not told
   * otherwise again: whenever it leaves, the conference goes on.
   */
  quieted: boolean
}

/**
 * Removes the earlier leg (by its CallSid, so that two rejoins at once cannot remove each
 * other), one whose leaving ends the conference (a host's, in a conference made so) told
 * first not to. Bounded, as Twilio waits at most 15 s for the TwiML; if it fails, the join
 * goes ahead as before.
 */
export async function removeEarlierLeg(
  env: Env,
  conferenceSid: string,
  holder: Participant,
  {
    endsConference,
    alreadyQuiet,
    log,
  }: {
    /** Its leaving ends the conference: the room's rule for its host, not the setting now. */
    endsConference: boolean
    /**
     * The leg was written down as quiet before this rejoin (an earlier one told Twilio, or
     * tried to): the update is sent again, but one that fails is not undone, as it may be
     * undoing the earlier one's.
     */
    alreadyQuiet: boolean
    log: RoomLog
  },
): Promise<EarlierLeg> {
  const callSid = holder.callSid ?? holder.label
  let rest: TwilioRestClient | undefined
  let quieted = false
  // Set once the update is sent: one whose answer never came may have been applied.
  let quietSent = false
  try {
    rest = twilioRestClient(env, REQUESTS)
    if (endsConference) {
      quietSent = true
      await rest.updateParticipant(conferenceSid, callSid, { endConferenceOnExit: false })
      quieted = true
    }
    const removed = await rest.removeParticipant(conferenceSid, callSid)
    if (removed)
      log('info', `${holder.label}: its earlier call was still in the conference; removed it`)
    // Not there to remove: it left on its own (or a DELETE whose answer was lost removed
    // it). Told first not to end the conference, its leaving did not end it.
    return { gone: !removed && !quieted, quieted }
  } catch (error) {
    // Not found (only the update throws it): the leg has gone already, and the label with it.
    if (isTwilioNotFound(error)) return { gone: true, quieted: false }
    log('warn', `${holder.label}: could not remove its earlier call: ${describeError(error)}`)
    // Still in, perhaps alive after all: its leaving must end the conference again. So too
    // if the update's outcome is unknown (no answer, a 5xx): it may have been applied.
    const mayBeQuiet =
      quieted || (quietSent && !(error instanceof TwilioApiError && error.outcome === 'rejected'))
    if (mayBeQuiet && rest && !alreadyQuiet) {
      void rest
        .updateParticipant(conferenceSid, callSid, { endConferenceOnExit: true })
        .catch((error) =>
          log(
            'warn',
            `${holder.label}: its earlier call may no longer end the conference: ${describeError(error)}`,
          ),
        )
    }
    return { gone: false, quieted: false }
  }
}
