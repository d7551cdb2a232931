/**
 * One Twilio account's conferences, participants and calls, changed by the REST
 * operations the stand-in serves. Each operation takes decoded path values and the form,
 * and answers what Twilio would: a status and a JSON body or a Twilio error. What happens
 * to calls after that (ringing, joining, leaving, and the callbacks) is the switchboard's.
 */
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import type { Callbacks } from './callbacks.ts'
import type { ClientCall, ClientCallResult, ConferenceSnapshot, PhoneScript } from './control.ts'
import {
  type CallRecord,
  type ConferenceRecord,
  callJson,
  conferenceJson,
  isEnded,
  newSid,
  notFound,
  type ParticipantRecord,
  participantJson,
  type Reply,
  type Subscription,
  twilioError,
} from './resources.ts'
import { callSubscription, conferenceSubscription } from './status-callbacks.ts'
import { Switchboard } from './switchboard.ts'
import { dialledConference } from './twiml.ts'

export type Form = Readonly<Record<string, string[]>>

/** E.164, a Voice SDK client, a SIP URI or a TwiML App, optionally with ?custom=parameters. */
const TO = /^(\+[1-9]\d{1,14}|client:[A-Za-z0-9_]{1,121}|sip:[^\s?]+|app:AP[0-9a-f]{32})(\?.*)?$/i
const FROM = /^(\+[1-9]\d{1,14}|client:[A-Za-z0-9_]{1,121})$/
const CONFERENCE_SID = /^CF[0-9a-f]{32}$/
const CALL_SID = /^CA[0-9a-f]{32}$/

const field = (form: Form, name: string) => form[name]?.[0]
const flag = (form: Form, name: string, fallback: boolean) => {
  const value = field(form, name)
  return value === undefined ? fallback : value.toLowerCase() === 'true'
}

export class StandinAccount {
  readonly sid: string
  readonly #conferences = new Map<string, ConferenceRecord>()
  readonly #calls = new Map<string, CallRecord>()
  readonly #switchboard: Switchboard
  readonly #callbacks: Callbacks

  constructor(sid: string, callbacks: Callbacks) {
    this.sid = sid
    this.#callbacks = callbacks
    this.#switchboard = new Switchboard(sid, this.#calls, callbacks, (name, statusCallback) =>
      this.#conferenceNamed(name, statusCallback),
    )
  }

  scriptPhone(phone: PhoneScript): void {
    this.#switchboard.script(phone)
  }

  /** Stops the ringing phones' timers. */
  close(): void {
    this.#switchboard.close()
  }

  /** The friendly name a conference path segment stands for: a known CF sid's name, or itself. */
  conferenceNamed(segment: string): string {
    return this.#conferences.get(segment)?.friendlyName ?? segment
  }

  /** The friendly name of the conference a call was dialled into, if any. */
  conferenceOfCall(callSid: string): string | null {
    const conferenceSid = this.#calls.get(callSid)?.conferenceSid
    return conferenceSid ? (this.#conferences.get(conferenceSid)?.friendlyName ?? null) : null
  }

  createParticipant(conferenceSegment: string, form: Form, path: string): Reply {
    const to = field(form, 'To')
    const from = field(form, 'From')
    if (!to) return twilioError(400, 21201, "No 'To' number is specified")
    if (!from) return twilioError(400, 21213, "No 'From' number is specified")
    if (!TO.test(to))
      return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`)
    if (!FROM.test(from)) {
      return twilioError(
        400,
        21212,
        `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
      )
    }
    const conference = this.#conferenceForCreate(conferenceSegment, form)
    if (!conference) return notFound(path)
    const label = field(form, 'Label') ?? null
    // https://www.twilio.com/docs/api/errors/16026
    if (labelHeld(conference, label)) {
      return twilioError(400, 16026, 'Participant label is in use by another participant')
    }
    const now = new Date()
    const participant: ParticipantRecord = {
      callSid: newSid('CA'),
      label,
      from,
      to,
      customParameters: Object.fromEntries(new URLSearchParams(to.split('?')[1] ?? '')),
      muted: flag(form, 'Muted', false),
      hold: false,
      startConferenceOnEnter: flag(form, 'StartConferenceOnEnter', true),
      endConferenceOnExit: flag(form, 'EndConferenceOnExit', false),
      status: 'queued',
      conferenceStatusCallback: conferenceSubscription(form),
      created: now,
      updated: now,
    }
    conference.participants.set(participant.callSid, participant)
    this.#calls.set(participant.callSid, {
      sid: participant.callSid,
      from,
      to,
      status: 'queued',
      conferenceSid: conference.sid,
      statusCallback: callSubscription(form),
      answered: null,
      created: now,
      updated: now,
    })
    const reply = { status: 201, body: participantJson(this.sid, conference, participant) }
    this.#switchboard.dial(conference, participant)
    return reply
  }

  /**
   * A Voice SDK client's call to the TwiML App (`device.connect({ params })`): Twilio asks
   * the app's Voice URL what to do with it, then follows a `<Dial><Conference>` by putting
   * the call in that conference at once (a client does not ring). Any other answer ends it.
   */
  async clientCall({ identity, voiceUrl, params = {} }: ClientCall): Promise<ClientCallResult> {
    const now = new Date()
    const from = `client:${identity}`
    // A `To` among the page's parameters is the call's To, as Twilio's quickstarts rely on
    // (`device.connect({ params: { To } })`); else it is empty.
    const to = params.To ?? ''
    const call: CallRecord = {
      sid: newSid('CA'),
      from,
      to,
      status: 'ringing',
      conferenceSid: null,
      statusCallback: null,
      answered: null,
      created: now,
      updated: now,
    }
    this.#calls.set(call.sid, call)
    // The page's parameters, then Twilio's own (the Voice SDK's outgoing call: Direction
    // inbound, the client as From and Caller).
    const asked = await this.#callbacks.fetchTwiml(voiceUrl, {
      ...params,
      AccountSid: this.sid,
      ApiVersion: '2010-04-01',
      ApplicationSid: TEST_CREDENTIALS.TWILIO_TWIML_APP_SID,
      CallSid: call.sid,
      CallStatus: 'ringing',
      Called: to,
      Caller: from,
      Direction: 'inbound',
      From: from,
      To: to,
    })
    const answered = 'status' in asked ? asked : undefined
    const dial = answered?.status === 200 ? dialledConference(answered.body) : undefined
    const result: ClientCallResult = {
      callSid: call.sid,
      voiceUrlStatus: answered?.status ?? null,
      error: 'error' in asked ? asked.error : null,
      twiml: answered?.body ?? '',
      conferenceSid: null,
    }
    if (!dial) {
      call.status = 'completed'
      call.updated = new Date()
      return result
    }
    const conference = this.#conferenceNamed(dial.name, dial.statusCallback)
    // Twilio leaves such a call out of the conference and goes on to the next verb; after
    // the <Dial>, there is none: https://www.twilio.com/docs/api/errors/16025
    if (labelHeld(conference, dial.participantLabel)) {
      call.status = 'completed'
      call.updated = new Date()
      result.error = `16025: participant label ${dial.participantLabel} is in use by another participant`
      return result
    }
    const participant: ParticipantRecord = {
      callSid: call.sid,
      label: dial.participantLabel,
      from,
      to,
      customParameters: params,
      muted: dial.muted,
      hold: false,
      startConferenceOnEnter: dial.startConferenceOnEnter,
      endConferenceOnExit: dial.endConferenceOnExit,
      status: 'connecting',
      conferenceStatusCallback: dial.statusCallback,
      created: now,
      updated: now,
    }
    conference.participants.set(call.sid, participant)
    call.conferenceSid = conference.sid
    this.#switchboard.join(conference, participant, call)
    result.conferenceSid = conference.sid
    return result
  }

  listParticipants(conferenceSid: string, path: string): Reply {
    const conference = this.#liveConference(conferenceSid)
    if (!conference) return notFound(path)
    const participants = [...conference.participants.values()].map((p) =>
      participantJson(this.sid, conference, p),
    )
    return {
      status: 200,
      body: { participants, page: 0, page_size: 50, uri: path, next_page_uri: null },
    }
  }

  fetchParticipant(conferenceSid: string, id: string, path: string): Reply {
    const found = this.#participant(conferenceSid, id)
    if (!found) return notFound(path)
    return { status: 200, body: participantJson(this.sid, found.conference, found.participant) }
  }

  updateParticipant(conferenceSid: string, id: string, form: Form, path: string): Reply {
    const found = this.#participant(conferenceSid, id)
    if (!found) return notFound(path)
    const { conference, participant } = found
    const before = { muted: participant.muted, hold: participant.hold }
    participant.muted = flag(form, 'Muted', participant.muted)
    participant.hold = flag(form, 'Hold', participant.hold)
    participant.endConferenceOnExit = flag(
      form,
      'EndConferenceOnExit',
      participant.endConferenceOnExit,
    )
    participant.updated = new Date()
    this.#switchboard.updated(conference, participant, before)
    return { status: 200, body: participantJson(this.sid, conference, participant) }
  }

  removeParticipant(conferenceSid: string, id: string, path: string): Reply {
    const found = this.#participant(conferenceSid, id)
    if (!found) return notFound(path)
    this.#switchboard.leave(found.conference, found.participant, 'kicked')
    return { status: 204 }
  }

  fetchConference(conferenceSid: string, path: string): Reply {
    const conference = this.#conferences.get(conferenceSid)
    if (!conference) return notFound(path)
    return { status: 200, body: conferenceJson(this.sid, conference) }
  }

  updateConference(conferenceSid: string, form: Form, path: string): Reply {
    const conference = this.#conferences.get(conferenceSid)
    if (!conference) return notFound(path)
    const status = field(form, 'Status')
    if (status !== undefined && status !== 'completed') {
      return twilioError(
        400,
        20001,
        `Invalid Status '${status}': a conference can only be set to completed`,
      )
    }
    if (status === 'completed' && conference.status !== 'completed') {
      this.#switchboard.end(conference, 'conference-ended-via-api', null)
    }
    return { status: 200, body: conferenceJson(this.sid, conference) }
  }

  fetchCall(callSid: string, path: string): Reply {
    const call = this.#calls.get(callSid)
    return call ? { status: 200, body: callJson(this.sid, call) } : notFound(path)
  }

  updateCall(callSid: string, form: Form, path: string): Reply {
    const call = this.#calls.get(callSid)
    if (!call) return notFound(path)
    const status = field(form, 'Status')
    if (status !== undefined && status !== 'completed' && status !== 'canceled') {
      return twilioError(400, 20001, `Invalid Status '${status}': use completed or canceled`)
    }
    // A call that has ended can no longer be changed: "a realtime operation on a Call that
    // was not in-progress" (https://www.twilio.com/docs/api/errors/21220; the REST guide
    // modifies "live" calls only, https://www.twilio.com/docs/api/rest/change-call-state).
    if (isEnded(call.status)) {
      return twilioError(400, 21220, 'Call is not in-progress. Cannot redirect.')
    }
    // Twilio only cancels calls not yet answered; `completed` ends any call, and cancels one
    // still queued or ringing (Call resource, "Update a Call", Status).
    if (status === 'completed' || (status === 'canceled' && call.status !== 'in-progress')) {
      const conference = call.conferenceSid ? this.#liveConference(call.conferenceSid) : undefined
      this.#switchboard.hangUp(call, conference)
    }
    return { status: 200, body: callJson(this.sid, call) }
  }

  snapshot(nameOrSid: string): ConferenceSnapshot | undefined {
    const conference =
      this.#conferences.get(nameOrSid) ??
      [...this.#conferences.values()].reverse().find((c) => c.friendlyName === nameOrSid)
    if (!conference) return undefined
    const { sid, friendlyName, status, reasonConferenceEnded } = conference
    const participants = [...conference.participants.values()].map(
      ({
        created: _created,
        updated: _updated,
        conferenceStatusCallback: _conferenceStatusCallback,
        ...participant
      }) => participant,
    )
    return { sid, friendlyName, status, reasonConferenceEnded, participants }
  }

  /** A CF sid must name a live conference; a friendly name joins its live one or starts one. */
  #conferenceForCreate(segment: string, form: Form): ConferenceRecord | undefined {
    if (CONFERENCE_SID.test(segment)) return this.#liveConference(segment)
    return this.#conferenceNamed(segment, conferenceSubscription(form))
  }

  /**
   * The live conference of this friendly name, or a new one (a new CF sid) reporting to
   * `statusCallback`: what a participant create names, and what a call answered after its
   * conference ended joins.
   */
  #conferenceNamed(friendlyName: string, statusCallback: Subscription | null): ConferenceRecord {
    const live = [...this.#conferences.values()].find(
      (c) => c.friendlyName === friendlyName && c.status !== 'completed',
    )
    if (live) return live
    const now = new Date()
    const conference: ConferenceRecord = {
      sid: newSid('CF'),
      friendlyName,
      status: 'init',
      reasonConferenceEnded: null,
      callSidEndingConference: null,
      participants: new Map(),
      // Its own count: SequenceNumber starts at 0 in each conference.
      statusCallback: statusCallback && { ...statusCallback, sequence: 0 },
      created: now,
      updated: now,
    }
    this.#conferences.set(conference.sid, conference)
    return conference
  }

  #liveConference(conferenceSid: string): ConferenceRecord | undefined {
    const conference = this.#conferences.get(conferenceSid)
    return conference?.status === 'completed' ? undefined : conference
  }

  /** By CallSid, or by the label given at creation (Twilio allows either in the path). */
  #participant(conferenceSid: string, id: string) {
    const conference = this.#liveConference(conferenceSid)
    if (!conference) return undefined
    const participant = CALL_SID.test(id)
      ? conference.participants.get(id)
      : [...conference.participants.values()].find((p) => p.label === id)
    return participant ? { conference, participant } : undefined
  }
}

/** Whether a participant of the conference (ringing or in it) holds `label` already. */
function labelHeld(conference: ConferenceRecord, label: string | null): boolean {
  return label !== null && [...conference.participants.values()].some((p) => p.label === label)
}
