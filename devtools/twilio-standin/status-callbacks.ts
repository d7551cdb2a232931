/**
 * What Twilio posts to status callbacks, and when: the events a participant create asked
 * for, and each event's form parameters. Call progress events report the dialled call
 * (`StatusCallback`); conference events report the conference and its participants
 * (`ConferenceStatusCallback`, as set by the create that started the conference).
 * Sources: https://www.twilio.com/docs/voice/api/call-resource#statuscallbackevent and
 * https://www.twilio.com/docs/voice/api/conference-resource#conference-status-callback
 */
import type { Form } from './account.ts'
import {
  API_VERSION,
  type CallRecord,
  type ConferenceRecord,
  type ParticipantRecord,
  rfc2822,
  type Subscription,
} from './resources.ts'

export type CallProgressEvent = 'initiated' | 'ringing' | 'answered' | 'completed'

export type ConferenceEvent =
  | 'conference-start'
  | 'conference-end'
  | 'participant-join'
  | 'participant-leave'
  | 'participant-mute'
  | 'participant-unmute'
  | 'participant-hold'
  | 'participant-unhold'

/** A callback to make: where to, and what it says. */
export interface Callback {
  url: string
  method: 'GET' | 'POST'
  params: Record<string, string>
  event: string
}

/** Twilio never reports `answered` as a CallStatus: an answered call is `in-progress`. */
const PROGRESS_STATUS = { initiated: 'initiated', ringing: 'ringing', answered: 'in-progress' }

/** The ConferenceStatusCallbackEvent value that asks for each event (`mute` asks for both). */
const ASKED_AS: Record<ConferenceEvent, string> = {
  'conference-start': 'start',
  'conference-end': 'end',
  'participant-join': 'join',
  'participant-leave': 'leave',
  'participant-mute': 'mute',
  'participant-unmute': 'mute',
  'participant-hold': 'hold',
  'participant-unhold': 'hold',
}

/** A participant create's call progress callback; Twilio's default event is `completed`. */
export const callSubscription = (form: Form) => subscription(form, 'StatusCallback', ['completed'])

/** A participant create's conference callback; Twilio's default events are `start end`. */
export const conferenceSubscription = (form: Form) =>
  subscription(form, 'ConferenceStatusCallback', ['start', 'end'])

/** `{name}`, `{name}Method` and `{name}Event`, whose values repeat or are space-separated. */
function subscription(form: Form, name: string, defaults: string[]): Subscription | null {
  const url = form[name]?.[0]
  if (!url) return null
  const method = form[`${name}Method`]?.[0]?.toUpperCase() === 'GET' ? 'GET' : 'POST'
  const asked = (form[`${name}Event`] ?? []).flatMap((value) => value.split(/\s+/)).filter(Boolean)
  return { url, method, events: new Set(asked.length > 0 ? asked : defaults), sequence: 0 }
}

/** The call progress callback for `event` if the call asked for it, numbering it if so. */
export function callProgress(
  accountSid: string,
  call: CallRecord,
  event: CallProgressEvent,
  now: Date,
): Callback | undefined {
  const subscription = call.statusCallback
  if (!subscription?.events.has(event)) return undefined
  // Custom parameters on an app:/client: target reach the app, not the callbacks' To.
  const to = call.to.split('?')[0] ?? call.to
  const params = {
    AccountSid: accountSid,
    ApiVersion: API_VERSION,
    CallSid: call.sid,
    CallStatus: event === 'completed' ? call.status : PROGRESS_STATUS[event],
    Called: to,
    Caller: call.from,
    To: to,
    From: call.from,
    Direction: 'outbound-api',
    Timestamp: rfc2822(now),
    CallbackSource: 'call-progress-events',
    SequenceNumber: String(subscription.sequence++),
    ...(event === 'completed' && durations(call, now)),
  }
  return { url: subscription.url, method: subscription.method, params, event }
}

/** CallDuration in seconds since the answer, Duration in started minutes (both 0 if unanswered). */
function durations(call: CallRecord, now: Date) {
  const seconds = call.answered ? Math.round((now.getTime() - call.answered.getTime()) / 1000) : 0
  return { CallDuration: String(seconds), Duration: String(Math.ceil(seconds / 60)) }
}

/** The conference callback for `event` if the conference asked for it, numbering it if so. */
export function conferenceEvent(
  accountSid: string,
  conference: ConferenceRecord,
  event: ConferenceEvent,
  details: Record<string, string>,
  now: Date,
): Callback | undefined {
  const subscription = conference.statusCallback
  if (!subscription?.events.has(ASKED_AS[event])) return undefined
  const params = {
    ConferenceSid: conference.sid,
    FriendlyName: conference.friendlyName,
    AccountSid: accountSid,
    Timestamp: rfc2822(now),
    SequenceNumber: String(subscription.sequence++),
    StatusCallbackEvent: event,
    ...details,
  }
  return { url: subscription.url, method: subscription.method, params, event }
}

/** What every participant event says about the participant. */
export const participantDetails = (p: ParticipantRecord): Record<string, string> => ({
  CallSid: p.callSid,
  Muted: String(p.muted),
  Hold: String(p.hold),
  Coaching: 'false',
  EndConferenceOnExit: String(p.endConferenceOnExit),
  StartConferenceOnEnter: String(p.startConferenceOnEnter),
  ...(p.label !== null && { ParticipantLabel: p.label }),
})

/**
 * What a participant-leave adds: the participant's call status and why it left, values
 * from the TwiML <Conference> page's statusCallback parameters
 * (https://www.twilio.com/docs/voice/twiml/conference#attributes-status-callback-parameters).
 */
export const leaveDetails = (
  callStatus: 'completed' | 'in-progress' | 'busy' | 'no-answer' | 'failed' | 'canceled',
  reason:
    | 'conference_ended_via_api'
    | 'moderator_ended_conference'
    | 'participant_updated_via_api'
    | 'participant_hung_up'
    | 'participant_add_failed',
): Record<string, string> => ({ ParticipantCallStatus: callStatus, ReasonParticipantLeft: reason })

/** Why conference-end happened, and whose leaving did it when someone's did. */
export const endDetails = (
  conference: ConferenceRecord,
  ending: ParticipantRecord | null,
): Record<string, string> => ({
  ReasonConferenceEnded: conference.reasonConferenceEnded ?? 'conference-ended-via-api',
  ...(ending && { CallSidEndingConference: ending.callSid }),
  ...(ending?.label && { ParticipantLabelEndingConference: ending.label }),
})
