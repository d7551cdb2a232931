/**
 * Who is in the conference, kept from Twilio's status callbacks and our own
 * REST calls. Pure: the room persists it and tells the agent what changed.
 *
 * Twilio may deliver callbacks late, twice or out of order. Each carries a
 * `SequenceNumber` (conference callbacks count per conference, call progress
 * callbacks per call), so a callback only applies when it is newer than the
 * last one applied to the same thing; duplicates and late arrivals change nothing.
 * Membership (join, leave) and the flags (mute, hold, speaking) are ordered apart:
 * a join overtaken by the participant's first `participant-speech-start` must
 * still make them a member, but must not bring back a mute that came after it.
 * Source: https://www.twilio.com/docs/voice/api/conference-resource#conference-status-callback
 */
import { isGeneratedIdentity } from '../twilio/access-token.ts'

export type ParticipantKind = 'agent' | 'browser' | 'phone'
export type ParticipantStatus = 'dialing' | 'ringing' | 'joined' | 'left' | 'failed'

export interface Participant {
  label: string
  kind: ParticipantKind
  callSid?: string
  phoneNumber?: string
  /** The number as people read it, grouped (`+1 415 555 2671`): phones dialled through the API. */
  displayNumber?: string
  identity?: string
  status: ParticipantStatus
  muted: boolean
  hold: boolean
  speaking: boolean
  /** When we asked Twilio to dial this participant (phones only). */
  dialedAt?: string
  /** When they first joined: a rejoin keeps it (the transcript's "You" is timed by it). */
  joinedAt?: string
  leftAt?: string
  error?: string
  /**
   * Taken out of the call through our API (someone's Remove), rather than gone on their
   * own; a later join of theirs clears it. Their page says so instead of offering Rejoin.
   */
  removed?: true
  /** Newest conference callback applied to this participant's flags. */
  conferenceSequence: number
  /** Newest join or leave applied to this participant. */
  membershipSequence: number
  /** Newest call progress callback applied to this participant's call. */
  callSequence: number
  /** A call Twilio said has ended: a join of it that comes late must not bring it back. */
  endedCallSid?: string
}

export interface ConferenceInfo {
  status: 'created' | 'in-progress' | 'ended'
  conferenceSid?: string
  endedReason?: string
  sequence: number
}

/** A change worth telling the agent about. */
export interface RosterNotice {
  kind: 'joined' | 'left' | 'failed'
  participant: Participant
}

export type Params = Record<string, string | undefined>

const ACTIVE: ParticipantStatus[] = ['dialing', 'ringing', 'joined']
/** The most participants a roster keeps, counting those who have left or failed. */
export const MAX_KEPT = 100
/**
 * What a call status that ended a call unanswered says, in a participant's `error`: the page
 * shows it after "Failed: " and the agent hears it after "did not work: ", so `failed` is
 * said as what Twilio means by it ("could not be completed as dialed", most often a number
 * that does not exist: https://www.twilio.com/docs/voice/api/call-resource#call-status-values),
 * not as "Failed: failed".
 */
const CALL_NOT_CONNECTED = 'the call could not be connected'
const FAILED_CALL = new Map([
  ['busy', 'busy'],
  ['no-answer', 'no answer'],
  ['failed', CALL_NOT_CONNECTED],
  ['canceled', 'canceled'],
])
/** A participant-leave that says its call never got into the conference. */
const neverJoined = (params: Params): boolean =>
  FAILED_CALL.has(params.ParticipantCallStatus ?? '') ||
  params.ReasonParticipantLeft === 'participant_add_failed'
/** The call statuses after which a call is over. */
const ENDED_CALL = ['completed', ...FAILED_CALL.keys()]

/** Whether a call status (a callback's or a look-up's) says the call is over. */
export const isCallOver = (status: string): boolean => ENDED_CALL.includes(status)

/** Joined, or being dialled or ringing: on the call or on the way. */
export const isActive = (participant: Pick<Participant, 'status'>): boolean =>
  ACTIVE.includes(participant.status)

/** A phone we dialled (not one Twilio told us about) that has not answered or failed yet. */
export const isDialPending = (
  participant: Pick<Participant, 'kind' | 'dialedAt' | 'status'>,
): boolean =>
  participant.kind === 'phone' &&
  participant.dialedAt !== undefined &&
  (participant.status === 'dialing' || participant.status === 'ringing')

/** A participant whose call did not work out, and why. */
export function fail(p: Participant, error: string): void {
  p.status = 'failed'
  p.error = error
}

/** A participant who has left: not speaking any more, since `now`. */
export function leave(p: Participant, now: string): void {
  p.status = 'left'
  p.speaking = false
  p.leftAt = now
}

/**
 * Who a participant is, as the agent is told. A page is the host (`hostLabel`: the first,
 * who started the call; a local call's one page, which has no identity) or a guest. Its
 * identity is said only when someone chose it: the one each page is given (`web_` and 24
 * hex digits) names nobody, and an agent told it may read it out to the call. A phone is
 * told by its last four digits, enough to tell two apart: the whole number, which the
 * agent has no use for, it might read out, and ElevenLabs keeps what it is told with the
 * conversation (two years by default).
 */
function describe(p: Participant, hostLabel: string | undefined): string {
  if (p.kind === 'agent') return 'the AI agent'
  if (p.kind === 'phone') {
    const digits = (p.phoneNumber ?? p.displayNumber ?? '').replace(/\D/g, '')
    const who = digits.length >= 4 ? `the number ending in ${digits.slice(-4)}` : 'a caller'
    return `${who} (by phone)`
  }
  const role = p.label === hostLabel || p.identity === undefined ? 'the host' : 'a guest'
  const name = p.identity !== undefined && !isGeneratedIdentity(p.identity) ? `${p.identity}, ` : ''
  return `${name}${role} (from the web page)`
}

const seq = (value: string | undefined): number => {
  const n = Number(value)
  return Number.isFinite(n) ? n : Number.NaN
}

const flag = (value: string | undefined): boolean | undefined =>
  value === undefined ? undefined : value === 'true'

export class Roster {
  readonly participants: Participant[]
  readonly conference: ConferenceInfo

  constructor(state?: { participants: Participant[]; conference: ConferenceInfo }) {
    this.participants = state?.participants ?? []
    this.conference = state?.conference ?? { status: 'created', sequence: -1 }
  }

  find(callSidOrLabel: string): Participant | undefined {
    return this.participants.find((p) => p.callSid === callSidOrLabel || p.label === callSidOrLabel)
  }

  get active(): Participant[] {
    return this.participants.filter(isActive)
  }

  get humansPresent(): boolean {
    return this.participants.some((p) => p.kind !== 'agent' && p.status === 'joined')
  }

  /** Adds (or refreshes) a participant we are dialling or that Twilio told us about. */
  upsert(fields: Pick<Participant, 'label' | 'kind'> & Partial<Participant>): Participant {
    const existing = this.find(fields.callSid ?? fields.label) ?? this.find(fields.label)
    if (existing) {
      Object.assign(existing, fields)
      return existing
    }
    const participant: Participant = {
      status: 'dialing',
      muted: false,
      hold: false,
      speaking: false,
      conferenceSequence: -1,
      membershipSequence: -1,
      callSequence: -1,
      ...fields,
    }
    this.participants.push(participant)
    // Bounded, as each one goes into every write and broadcast of the room: the oldest who
    // left or failed make room (a page dialling over and over, say).
    if (this.participants.length > MAX_KEPT) {
      const gone = this.participants.findIndex((p) => !isActive(p) && p.kind !== 'agent')
      if (gone >= 0) this.participants.splice(gone, 1)
    }
    return participant
  }

  /** Applies a conference status callback; returns what the agent should hear about. */
  applyConferenceEvent(params: Params, now: string): RosterNotice[] {
    const event = params.StatusCallbackEvent ?? ''
    const sequence = seq(params.SequenceNumber)
    // Another conference of the same name: one a phone answered into after ours ended (it
    // was still ringing, and Twilio starts a new one for it). Its SequenceNumbers start
    // again from 0, and none of it is ours.
    const known = this.conference.conferenceSid
    if (known && params.ConferenceSid && params.ConferenceSid !== known) return []
    if (event === 'conference-start' || event === 'conference-end') {
      if (!(sequence > this.conference.sequence)) return []
      this.conference.sequence = sequence
      if (params.ConferenceSid) this.conference.conferenceSid = params.ConferenceSid
      if (event === 'conference-start' && this.conference.status === 'created') {
        this.conference.status = 'in-progress'
      }
      if (event === 'conference-end') {
        this.conference.status = 'ended'
        // A reason the room gave first (its own end, the host's leave) stays.
        this.conference.endedReason ??= endedInWords(params.ReasonConferenceEnded)
      }
      return []
    }
    if (!event.startsWith('participant-') || !params.CallSid) return []
    if (params.ConferenceSid) this.conference.conferenceSid ??= params.ConferenceSid
    // Someone in it means it has started, even if conference-start was lost or is late.
    if (event === 'participant-join' && this.conference.status === 'created') {
      this.conference.status = 'in-progress'
    }
    const membership = event === 'participant-join' || event === 'participant-leave'
    const notices: RosterNotice[] = []
    let participant =
      this.find(params.CallSid) ??
      (params.ParticipantLabel ? this.find(params.ParticipantLabel) : undefined)
    if (!participant) {
      // After the end, a late report of someone not on record brings nobody back.
      if (!membership && this.conference.status === 'ended') return []
      participant = this.upsert(guessParticipant(params))
      // Twilio reports a mute, hold or speech only of someone in the conference: their join
      // was lost or is late. Shown dialing, they would never be settled, and would count
      // against the participant limit for good.
      if (!membership) {
        participant.status = 'joined'
        participant.joinedAt ??= now
        notices.push({ kind: 'joined', participant })
      }
    }
    // A new call that never got in, under the label of someone still in (a rejoin Twilio
    // refused while the old leg held the label): the old call is theirs still.
    const notIn = event === 'participant-leave' && neverJoined(params)
    if (notIn && participant.status === 'joined' && participant.callSid !== params.CallSid) {
      return []
    }
    // A rejoin under the same label brings a new call: only the newest join or leave says
    // which call is the participant's now, not a late callback of the old one.
    if (!participant.callSid || (membership && sequence > participant.membershipSequence)) {
      participant.callSid = params.CallSid
    }
    const endedCall = event === 'participant-join' && params.CallSid === participant.endedCallSid
    if (membership && sequence > participant.membershipSequence && !endedCall) {
      participant.membershipSequence = sequence
      notices.push(...this.#applyMembership(participant, event, params, now))
    }
    if (sequence > participant.conferenceSequence) {
      participant.conferenceSequence = sequence
      this.#applyFlags(participant, event, params)
    }
    return notices
  }

  #applyMembership(p: Participant, event: string, params: Params, now: string): RosterNotice[] {
    if (event === 'participant-join') {
      if (p.status === 'joined') return []
      p.status = 'joined'
      p.joinedAt ??= now
      delete p.removed
      return [{ kind: 'joined', participant: p }]
    }
    // Twilio reports a leave for a leg added through the Participants API that never joined
    // too, with its call's status (changelog, 2023-10-25; the TwiML <Conference> page's
    // statusCallback parameters): a call that failed, not someone who left.
    if (neverJoined(params)) {
      // Only for someone on the way in: one already settled, or in, stays as shown.
      if (p.status !== 'dialing' && p.status !== 'ringing') return []
      fail(p, FAILED_CALL.get(params.ParticipantCallStatus ?? '') ?? CALL_NOT_CONNECTED)
      return [{ kind: 'failed', participant: p }]
    }
    // Its leaving ended the conference (the leave says so: every participant event carries
    // EndConferenceOnExit, per the statusCallback parameters of TwiML's <Conference> page,
    // https://www.twilio.com/docs/voice/twiml/conference), whether or not conference-end is
    // heard of: should it be lost, the phones still ringing must be called off all the same.
    // Even for someone shown left already (a look-up of their call found it over).
    if (params.EndConferenceOnExit === 'true' && this.conference.status !== 'ended') {
      this.conference.status = 'ended'
      this.conference.endedReason ??= endedInWords('participant-with-end-conference-on-exit-left')
    }
    if (p.status === 'left') return []
    // Only someone who was in the conference leaves it: a failure shown before was wrong.
    delete p.error
    leave(p, now)
    return [{ kind: 'left', participant: p }]
  }

  /** mute, unmute, hold, unhold, modify and speech events; every callback carries the flags. */
  #applyFlags(p: Participant, event: string, params: Params): void {
    p.muted = flag(params.Muted) ?? p.muted
    p.hold = flag(params.Hold) ?? p.hold
    if (event === 'participant-speech-start') p.speaking = p.status !== 'left'
    if (event === 'participant-speech-stop') p.speaking = false
  }

  /**
   * Applies a call progress callback (ringing, busy, no-answer, ...) for a participant we
   * dialled; `label` (from the callback's URL) finds one whose CallSid we do not know yet.
   */
  applyCallEvent(params: Params, now: string, label?: string): RosterNotice[] {
    const participant = params.CallSid ? this.#forCall(params.CallSid, label) : undefined
    const sequence = seq(params.SequenceNumber)
    if (!participant || !(sequence > participant.callSequence)) return []
    participant.callSequence = sequence
    participant.callSid = params.CallSid
    return this.#applyCallStatus(participant, params.CallStatus ?? '', now)
  }

  /**
   * Applies what Twilio answered when asked about a dialled call whose callbacks never came
   * (`GET Calls/{CallSid}.json`). Its statuses are the callbacks' but for `initiated`; an
   * answered call (`in-progress`) has been put into the conference, so it counts as joined
   * here, where its join callback was lost. Callbacks leave joining to that join callback.
   */
  applyLookedUpCall(
    participant: Participant,
    call: { status: string; endTime?: string },
    now: string,
  ): RosterNotice[] {
    if (call.status === 'in-progress' && isDialPending(participant)) {
      participant.status = 'joined'
      participant.joinedAt ??= now
      return [{ kind: 'joined', participant }]
    }
    // Someone found gone left when their call ended, not when we noticed.
    return this.#applyCallStatus(participant, call.status, call.endTime ?? now)
  }

  #applyCallStatus(participant: Participant, status: string, now: string): RosterNotice[] {
    if (isCallOver(status) && participant.callSid) {
      participant.endedCallSid = participant.callSid
    }
    // Only `ringing` is the phone ringing: `initiated` is Twilio starting to dial, which
    // for a far number may take seconds more to reach it, or never does (a number that does
    // not exist). https://www.twilio.com/docs/voice/api/call-resource#statuscallbackevent
    if (status === 'ringing' && participant.status === 'dialing') participant.status = 'ringing'
    const failure = FAILED_CALL.get(status)
    if (failure !== undefined && isActive(participant)) {
      fail(participant, failure)
      return [{ kind: 'failed', participant }]
    }
    // `completed` means answered, then ended: a dialled phone whose join callback is late
    // (Twilio delivers callbacks in no promised order) or lost has been in and left.
    // https://www.twilio.com/docs/voice/api/call-resource#call-status-values
    if (status === 'completed' && isActive(participant)) {
      leave(participant, now)
      return [{ kind: 'left', participant }]
    }
    return []
  }

  #forCall(callSid: string, label: string | undefined): Participant | undefined {
    const byLabel = label === undefined ? undefined : this.find(label)
    return this.find(callSid) ?? (byLabel && !byLabel.callSid ? byLabel : undefined)
  }

  /** Everyone still on the call, for the agent; `hostLabel` is the host page's label. */
  summary(hostLabel?: string): string {
    const present = this.participants.filter((p) => p.status === 'joined' && p.kind !== 'agent')
    return present.length === 0
      ? 'Nobody else is on the call right now.'
      : `On the call now: ${present.map((p) => describe(p, hostLabel)).join(', ')}.`
  }
}

/** The first agent leg's participant label; a leg that brings the agent back is `agent-N`. */
export const FIRST_AGENT_LABEL = 'agent'
/** Whether a participant label is one of an agent leg's, the first or a return's. */
export const isAgentLabel = (label: string) =>
  label === FIRST_AGENT_LABEL || /^agent-\d+$/.test(label)

/** A page's participant label: `web-` and its Voice SDK identity. */
export const pageLabel = (identity: string) => `web-${identity}`
export const isPageLabel = (label: string) => label.startsWith('web-')

/** A participant Twilio reports that we did not create (a browser leg joining by TwiML). */
function guessParticipant(
  params: Params,
): Pick<Participant, 'label' | 'kind'> & Partial<Participant> {
  const label = params.ParticipantLabel ?? params.CallSid ?? 'unknown'
  if (isAgentLabel(label)) return { label, kind: 'agent' }
  if (isPageLabel(label)) return { label, kind: 'browser', identity: label.slice('web-'.length) }
  return { label, kind: 'phone' }
}

/** What to tell the agent about a roster change; `hostLabel` is the host page's label. */
export function noticeText(notice: RosterNotice, hostLabel?: string): string {
  const who = describe(notice.participant, hostLabel)
  const what =
    notice.kind === 'joined'
      ? `${who} joined the call.`
      : notice.kind === 'left'
        ? `${who} left the call.`
        : `Calling ${who} did not work: ${notice.participant.error ?? 'the call failed'}.`
  return what.charAt(0).toUpperCase() + what.slice(1)
}

/** Why a conference ended when its host left: the room's words and Twilio's alike. */
export const ENDED_WITH_HOST = 'the conference ended with its host'

/**
 * Twilio's ReasonConferenceEnded as the page shows it
 * (https://www.twilio.com/docs/voice/api/conference-resource#conference-status-callback):
 * a person reads it, so not Twilio's codes.
 */
function endedInWords(reason: string | undefined): string {
  switch (reason) {
    case 'conference-ended-via-api':
      return 'it was ended for everyone'
    case 'participant-with-end-conference-on-exit-left':
      return ENDED_WITH_HOST
    case 'participant-with-end-conference-on-exit-kicked':
      return 'its host was removed'
    case 'last-participant-left':
      return 'everyone left'
    case 'last-participant-kicked':
      return 'the last participant was removed'
    default:
      return 'the conference ended'
  }
}
