/**
 * How the API makes the conference's calls on Twilio: the settings it needs, what every
 * leg we dial shares (caller id, callbacks, a quiet conference), and a phone's dial, from
 * its number's check to the room's record of how it went. Shared by the start of a
 * conference and the participants' routes.
 */

import { ApiError } from '../api-error.ts'
import { RING_TIMEOUT_S } from '../conference/alarm-schedule.ts'
import { callRoom, roomFor } from '../conference/conference-id.ts'
import {
  dialAllowlist,
  type Env,
  maxParticipants,
  requireSettings,
  twilioRestClient,
  webhookBaseUrl,
} from '../config.ts'
import type { Participant as TwilioParticipant, TwilioRestClient } from '../twilio/rest-client.ts'
import { TwilioApiError } from '../twilio/rest-errors.ts'
import type { CreateParticipantParams } from '../twilio/rest-forms.ts'
import { CONFERENCE_STATUS_EVENTS } from '../twilio/twiml.ts'
import { roomError } from './rooms.ts'
import { fromTwilioError } from './twilio-errors.ts'

export interface TwilioSettings {
  rest: TwilioRestClient
  appSid: string
  phoneNumber: string
  webhookBase: string
}

export function twilioSettings(env: Env): TwilioSettings {
  const s = requireSettings(env, [
    'TWILIO_ACCOUNT_SID',
    'TWILIO_API_KEY',
    'TWILIO_API_SECRET',
    'TWILIO_TWIML_APP_SID',
    'TWILIO_PHONE_NUMBER',
    'WEBHOOK_BASE_URL',
  ])
  return {
    rest: twilioRestClient(env),
    appSid: s.TWILIO_TWIML_APP_SID,
    phoneNumber: s.TWILIO_PHONE_NUMBER,
    webhookBase: webhookBaseUrl(env),
  }
}

/** What every leg we dial shares: caller id, callbacks, and a quiet, already-started conference. */
export function legDefaults(
  twilio: TwilioSettings,
  conferenceId: string,
  label: string,
): Omit<CreateParticipantParams, 'to'> {
  // The label rides on the call's callbacks: the first may come before the REST answer
  // that tells the room the leg's CallSid.
  const callStatus = new URLSearchParams({ conferenceId, label })
  return {
    from: twilio.phoneNumber,
    beep: false,
    waitUrl: '',
    startConferenceOnEnter: true,
    endConferenceOnExit: false,
    statusCallback: `${twilio.webhookBase}/api/twilio/status/call?${callStatus}`,
    statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    conferenceStatusCallback: `${twilio.webhookBase}/api/twilio/status/conference`,
    conferenceStatusCallbackEvent: CONFERENCE_STATUS_EVENTS,
  }
}

/**
 * An agent leg: a call to the TwiML App, whose Voice URL request carries the conference
 * and the leg's one-time token (routes/twiml.ts), under the label the room gave it.
 */
export function agentLeg(
  twilio: TwilioSettings,
  conferenceId: string,
  { label, agentLegToken }: { label: string; agentLegToken: string },
): CreateParticipantParams {
  return {
    ...legDefaults(twilio, conferenceId, label),
    to: `app:${twilio.appSid}`,
    customParameters: { conferenceId, role: 'agent', legToken: agentLegToken },
    label,
  }
}

export async function checkedNumber(env: Env, phoneNumber: string): Promise<string> {
  // Loaded on the first dial, not with the worker. libphonenumber-js's metadata holds
  // 0.46 MB of heap in every isolate that evaluates it, and an isolate that only carries
  // rooms never dials. What an isolate keeps raises the size V8 lets its heap reach before
  // the next full collection, which stops every call in it (docs/bridge-bench.md, "The tail").
  // The bundle stays one file: esbuild evaluates the module lazily, in place.
  const { checkDialTarget } = await import('../conference/dialing.ts')
  const check = checkDialTarget(phoneNumber, dialAllowlist(env))
  if (!check.ok)
    throw new ApiError(check.code === 'dial_not_allowed' ? 403 : 400, check.code, check.message)
  return check.e164
}

/**
 * Lets `work` finish when the request that started it goes away (the page closed, or lost
 * its connection): the runtime cancels a request's work when its client disconnects,
 * and a dial Twilio made but the room never heard of would ring on unknown to it.
 * https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil
 */
export function outlivingRequest<T>(
  c: { executionCtx: Pick<ExecutionContext, 'waitUntil'> },
  work: Promise<T>,
): Promise<T> {
  c.executionCtx.waitUntil(work.then(noop, noop))
  return work
}

const noop = () => undefined

/** Reserves a place in the room, then dials; a refused dial leaves a failed participant behind. */
export async function dialPhone(
  env: Env,
  twilio: TwilioSettings,
  conferenceId: string,
  e164: string,
) {
  const room = roomFor(env, conferenceId)
  // Loaded already by the number's check (checkedNumber), in this isolate.
  const { readableNumber } = await import('../conference/dialing.ts')
  const number = readableNumber(e164)
  const reserved = await room.reserveDial(e164, maxParticipants(env), number)
  if (!reserved.ok) return { ok: false as const, error: roomError(reserved) }
  const { label } = reserved
  let created: TwilioParticipant
  try {
    created = await twilio.rest.createParticipant(conferenceId, {
      ...legDefaults(twilio, conferenceId, label),
      to: e164,
      label,
      timeout: RING_TIMEOUT_S,
      // Twilio's default (true) plays the callee's ringing and any carrier message ("the
      // number you have dialled...") into the conference, where the agent takes it for
      // speech: it can cut the agent off or get an answer. The page shows the ringing.
      earlyMedia: false,
    })
  } catch (error) {
    const apiError = fromTwilioError(error, `Calling ${number} failed`)
    // Twilio may have placed a call it did not confirm (a timeout, a 5xx): the phone may be
    // ringing. Shown failed, it could be dialled twice; kept dialing, its callbacks (which
    // carry its label) or, without them, the room's dial check settle it.
    const unconfirmed = error instanceof TwilioApiError && error.outcome === 'unknown'
    if (!unconfirmed) await room.participantFailed(label, apiError.message)
    return { ok: false as const, error: apiError }
  }
  // Twilio placed the call: from here on it is no failed dial. The room is asked again if
  // it was reset meanwhile (a deploy); if it still cannot be told, the call's callbacks,
  // which carry its label, tell it.
  const leg = { label, kind: 'phone' as const, callSid: created.callSid, phoneNumber: e164 }
  try {
    await callRoom(env, conferenceId, (r) => r.participantCreated(leg, created.conferenceSid))
    const participant = await callRoom(env, conferenceId, (r) => r.participant(label))
    return { ok: true as const, participant }
  } catch (error) {
    console.error(`recording the dial of ${label} (${created.callSid}):`, error)
    return {
      ok: false as const,
      error: new ApiError(
        500,
        'internal_error',
        `Calling ${number}: Twilio is placing the call, but the conference could not record it yet; it shows once Twilio reports on the call.`,
      ),
    }
  }
}
