/**
 * The stand-in's records of conferences, participants and calls, and their JSON as
 * Twilio's 2010-04-01 API writes it: snake_case, `uri`, RFC 2822 dates, error bodies
 * with `code`, `message`, `more_info` and `status`.
 */
import type { TwilioErrorBody } from './control.ts'

export interface ParticipantRecord {
  callSid: string
  label: string | null
  from: string
  to: string
  customParameters: Record<string, string>
  muted: boolean
  hold: boolean
  startConferenceOnEnter: boolean
  endConferenceOnExit: boolean
  status: 'queued' | 'connecting' | 'ringing' | 'connected' | 'complete' | 'failed'
  /**
   * The ConferenceStatusCallback its create gave: a conference this participant's answer
   * starts (the one it was dialled into having ended meanwhile) reports there.
   */
  conferenceStatusCallback: Subscription | null
  created: Date
  updated: Date
}

/** A status callback URL and the events asked of it (a create's StatusCallback* fields). */
export interface Subscription {
  url: string
  method: 'GET' | 'POST'
  events: ReadonlySet<string>
  /** The next callback's SequenceNumber: counted per call or per conference, from 0. */
  sequence: number
}

export interface ConferenceRecord {
  sid: string
  friendlyName: string
  status: 'init' | 'in-progress' | 'completed'
  reasonConferenceEnded: string | null
  callSidEndingConference: string | null
  participants: Map<string, ParticipantRecord>
  /** The ConferenceStatusCallback of the participant create that started the conference. */
  statusCallback: Subscription | null
  created: Date
  updated: Date
}

export type CallStatus = 'queued' | 'ringing' | 'in-progress' | EndedCallStatus
export type EndedCallStatus = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled'

export interface CallRecord {
  sid: string
  from: string
  to: string
  status: CallStatus
  conferenceSid: string | null
  statusCallback: Subscription | null
  answered: Date | null
  created: Date
  updated: Date
}

/** What an operation answers: a status and, unless it is 204, a JSON body. */
export interface Reply {
  status: number
  body?: unknown
}

export const API_VERSION = '2010-04-01'

export const isEnded = (status: CallStatus): status is EndedCallStatus =>
  status !== 'queued' && status !== 'ringing' && status !== 'in-progress'

export const newSid = (prefix: 'CA' | 'CF') =>
  prefix + Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')

/** Twilio writes dates as RFC 2822 with a numeric zone: `Tue, 05 May 2026 10:00:00 +0000`. */
export const rfc2822 = (date: Date) => date.toUTCString().replace('GMT', '+0000')

export function twilioError(status: number, code: number, message: string): Reply {
  const body: TwilioErrorBody = {
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  }
  return { status, body }
}

export const notFound = (path: string) =>
  twilioError(404, 20404, `The requested resource ${path} was not found`)

const accountPath = (accountSid: string) => `/${API_VERSION}/Accounts/${accountSid}`

export const participantJson = (
  accountSid: string,
  conference: ConferenceRecord,
  p: ParticipantRecord,
) => ({
  account_sid: accountSid,
  call_sid: p.callSid,
  call_sid_to_coach: null,
  coaching: false,
  conference_sid: conference.sid,
  date_created: rfc2822(p.created),
  date_updated: rfc2822(p.updated),
  end_conference_on_exit: p.endConferenceOnExit,
  hold: p.hold,
  label: p.label,
  muted: p.muted,
  queue_time: '0',
  start_conference_on_enter: p.startConferenceOnEnter,
  status: p.status,
  uri: `${accountPath(accountSid)}/Conferences/${conference.sid}/Participants/${p.callSid}.json`,
})

export function conferenceJson(accountSid: string, conference: ConferenceRecord) {
  const uri = `${accountPath(accountSid)}/Conferences/${conference.sid}`
  return {
    account_sid: accountSid,
    api_version: API_VERSION,
    call_sid_ending_conference: conference.callSidEndingConference,
    date_created: rfc2822(conference.created),
    date_updated: rfc2822(conference.updated),
    friendly_name: conference.friendlyName,
    reason_conference_ended: conference.reasonConferenceEnded,
    region: 'us1',
    sid: conference.sid,
    status: conference.status,
    subresource_uris: {
      participants: `${uri}/Participants.json`,
      recordings: `${uri}/Recordings.json`,
    },
    uri: `${uri}.json`,
  }
}

export function callJson(accountSid: string, call: CallRecord) {
  const uri = `${accountPath(accountSid)}/Calls/${call.sid}`
  return {
    account_sid: accountSid,
    answered_by: null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: rfc2822(call.created),
    date_updated: rfc2822(call.updated),
    direction: 'outbound-api',
    duration: null,
    end_time: isEnded(call.status) ? rfc2822(call.updated) : null,
    from: call.from,
    from_formatted: call.from,
    parent_call_sid: null,
    price: null,
    price_unit: 'USD',
    sid: call.sid,
    start_time: rfc2822(call.created),
    status: call.status,
    subresource_uris: { notifications: `${uri}/Notifications.json` },
    to: call.to,
    to_formatted: call.to,
    uri: `${uri}.json`,
  }
}
