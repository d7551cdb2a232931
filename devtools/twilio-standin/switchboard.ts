/**
 * How the stand-in's calls and conferences change over time, and the status callbacks
 * each change causes. A dialled participant's call rings and is answered at once, unless
 * its number is scripted: then it rings for the script's time and is answered, busy,
 * unanswered or failed. Participants join, leave, are muted and held; a conference starts
 * once a StartConferenceOnEnter participant joins someone in it, and ends by Twilio's rules.
 *
 * Only the legs in a conference are in it: a call still ringing is not. When a conference
 * ends, Twilio ends the legs in it and lets the ringing ones ring on; one answered then
 * joins the live conference of the same friendly name, or starts a new one (a new CF sid).
 */
import type { Callbacks } from './callbacks.ts'
import type { PhoneOutcome, PhoneScript } from './control.ts'
import {
  type CallRecord,
  type ConferenceRecord,
  type EndedCallStatus,
  isEnded,
  type ParticipantRecord,
  type Subscription,
} from './resources.ts'
import {
  type Callback,
  type CallProgressEvent,
  type ConferenceEvent,
  callProgress,
  conferenceEvent,
  endDetails,
  leaveDetails,
  participantDetails,
} from './status-callbacks.ts'

/** How a participant went: removed through the API, or hung up. Twilio's reasons say so. */
export type Departure = 'kicked' | 'left'

/** The live conference of a friendly name, or a new one reporting to `statusCallback`. */
export type ConferenceOpener = (
  friendlyName: string,
  statusCallback: Subscription | null,
) => ConferenceRecord

/** A scripted phone still ringing, and the conference it was dialled into (ended or not). */
interface Ringing {
  timer: NodeJS.Timeout
  conference: ConferenceRecord
  participant: ParticipantRecord
}

export class Switchboard {
  readonly #accountSid: string
  readonly #calls: ReadonlyMap<string, CallRecord>
  readonly #callbacks: Callbacks
  readonly #open: ConferenceOpener
  readonly #phones = new Map<string, PhoneScript>()
  /** Scripted phones still ringing, by CallSid. */
  readonly #ringing = new Map<string, Ringing>()

  constructor(
    accountSid: string,
    calls: ReadonlyMap<string, CallRecord>,
    callbacks: Callbacks,
    open: ConferenceOpener,
  ) {
    this.#accountSid = accountSid
    this.#calls = calls
    this.#callbacks = callbacks
    this.#open = open
  }

  script(phone: PhoneScript): void {
    this.#phones.set(phone.number, phone)
  }

  /** A participant just created: its call starts and rings, and is answered unless scripted. */
  dial(conference: ConferenceRecord, participant: ParticipantRecord): void {
    const call = this.#callOf(participant)
    this.#progress(conference, call, 'initiated')
    participant.status = 'ringing'
    call.status = 'ringing'
    this.#progress(conference, call, 'ringing')
    const script = this.#phones.get(participant.to)
    if (!script) {
      this.#answer(conference, participant, call)
      return
    }
    const timer = setTimeout(() => {
      const ringing = this.#ringing.get(call.sid)
      if (!ringing) return
      this.#ringing.delete(call.sid)
      this.#settle(ringing.conference, participant, call, script.outcome ?? 'answer')
    }, script.ringMs ?? 0)
    timer.unref()
    this.#ringing.set(call.sid, { timer, conference, participant })
  }

  /** A call that reached the conference through TwiML: it is in at once, with no ringing. */
  join(conference: ConferenceRecord, participant: ParticipantRecord, call: CallRecord): void {
    this.#answer(conference, participant, call)
  }

  /** Takes a participant out: one who joined leaves, one still ringing is canceled. */
  leave(conference: ConferenceRecord, participant: ParticipantRecord, how: Departure): void {
    const call = this.#callOf(participant)
    if (participant.status !== 'connected') {
      this.#unanswered(conference, participant, call, 'canceled', how)
      return
    }
    conference.participants.delete(participant.callSid)
    this.#event(conference, 'participant-leave', {
      ...participantDetails(participant),
      ...leaveDetails(
        'completed',
        how === 'kicked' ? 'participant_updated_via_api' : 'participant_hung_up',
      ),
    })
    this.#endCall(conference, call, 'completed')
    if (participant.endConferenceOnExit) {
      this.end(conference, `participant-with-end-conference-on-exit-${how}`, participant)
    } else if (!this.#anyoneIn(conference)) {
      // Phones still ringing are not in it: they do not keep it going.
      this.end(conference, `last-participant-${how}`, participant)
    }
  }

  /**
   * A call hung up through the Calls API (the caller checked Twilio would): one in its
   * conference leaves, one still ringing is canceled, even after its conference ended.
   */
  hangUp(call: CallRecord, conference: ConferenceRecord | undefined): void {
    if (isEnded(call.status)) return
    const participant = conference?.participants.get(call.sid)
    if (conference && participant) {
      this.leave(conference, participant, 'left')
      return
    }
    const ringing = this.#ringing.get(call.sid)
    if (ringing) {
      this.#unanswered(ringing.conference, ringing.participant, call, 'canceled', 'left')
      return
    }
    call.status = call.status === 'in-progress' ? 'completed' : 'canceled'
    call.updated = new Date()
  }

  /** After a participant update: mute or unmute, hold or unhold, for what it changed. */
  updated(
    conference: ConferenceRecord,
    participant: ParticipantRecord,
    before: { muted: boolean; hold: boolean },
  ): void {
    const details = participantDetails(participant)
    if (participant.muted !== before.muted) {
      this.#event(
        conference,
        participant.muted ? 'participant-mute' : 'participant-unmute',
        details,
      )
    }
    if (participant.hold !== before.hold) {
      this.#event(conference, participant.hold ? 'participant-hold' : 'participant-unhold', details)
    }
  }

  /**
   * Ends the conference: everyone in it leaves, then conference-end. Phones still ringing
   * were never in it: they ring on (see `#settle`), and only a hang-up stops them.
   */
  end(conference: ConferenceRecord, reason: string, ending: ParticipantRecord | null): void {
    const started = conference.status === 'in-progress'
    conference.status = 'completed'
    conference.reasonConferenceEnded = reason
    conference.callSidEndingConference = ending?.callSid ?? null
    conference.updated = new Date()
    const why = ending ? 'moderator_ended_conference' : 'conference_ended_via_api'
    for (const participant of [...conference.participants.values()]) {
      conference.participants.delete(participant.callSid)
      if (participant.status !== 'connected') continue
      this.#event(conference, 'participant-leave', {
        ...participantDetails(participant),
        ...leaveDetails('completed', why),
      })
      this.#endCall(conference, this.#callOf(participant), 'completed')
    }
    // A conference nobody started never began, so it has no end to report either.
    if (started) this.#event(conference, 'conference-end', endDetails(conference, ending))
  }

  /** Stops every ringing timer: the stand-in is closing. */
  close(): void {
    for (const { timer } of this.#ringing.values()) clearTimeout(timer)
    this.#ringing.clear()
  }

  #settle(
    conference: ConferenceRecord,
    participant: ParticipantRecord,
    call: CallRecord,
    outcome: PhoneOutcome,
  ): void {
    if (outcome !== 'answer') {
      this.#unanswered(conference, participant, call, outcome, 'left')
      return
    }
    if (conference.status !== 'completed') {
      this.#answer(conference, participant, call)
      return
    }
    // Its conference ended while it rang: the answered call joins the conference of that
    // name, a new one unless someone started it again, reporting where its create asked.
    const joined = this.#open(conference.friendlyName, participant.conferenceStatusCallback)
    joined.participants.set(participant.callSid, participant)
    call.conferenceSid = joined.sid
    this.#answer(joined, participant, call)
  }

  #answer(conference: ConferenceRecord, participant: ParticipantRecord, call: CallRecord): void {
    const now = new Date()
    participant.status = 'connected'
    participant.updated = now
    call.status = 'in-progress'
    call.answered = now
    call.updated = now
    this.#progress(conference, call, 'answered')
    this.#event(conference, 'participant-join', participantDetails(participant))
    // It starts when a StartConferenceOnEnter participant joins someone already in it: one
    // alone waits (Twilio's "conference-start ... occurs when there is at least one
    // participant in the conference and a participant with startConferenceOnEnter=true
    // joins", blog "Introducing Conference Events", 2016-05-18).
    if (
      participant.startConferenceOnEnter &&
      conference.status === 'init' &&
      this.#connectedCount(conference) >= 2
    ) {
      conference.status = 'in-progress'
      this.#event(conference, 'conference-start', {})
    }
  }

  /** A call that never joined ends: busy, not answered, failed, or canceled while ringing. */
  #unanswered(
    conference: ConferenceRecord,
    participant: ParticipantRecord,
    call: CallRecord,
    status: Exclude<EndedCallStatus, 'completed'>,
    how: Departure,
  ): void {
    this.#stopRinging(call)
    conference.participants.delete(participant.callSid)
    // Twilio reports a leave for a leg added through the Participants API that never joined
    // too, its call's status saying why (changelog, 2023-10-25: "ParticipantCallStatus and
    // ReasonParticipantLeft attributes added to participant-leave"). Not for a conference no
    // one has joined yet, or one that has ended: it has no events to report.
    if (conference.status === 'in-progress' || this.#connectedCount(conference) > 0) {
      this.#event(conference, 'participant-leave', {
        ...participantDetails(participant),
        ...leaveDetails(
          status,
          how === 'kicked' ? 'participant_updated_via_api' : 'participant_add_failed',
        ),
      })
    }
    this.#endCall(conference, call, status)
    // Someone joined ends it as the last of them leaves (see `leave`). Until someone joins,
    // it waits for every phone dialled into it; one that ended meanwhile is not ended twice.
    if (conference.status !== 'completed' && conference.participants.size === 0) {
      this.end(conference, `last-participant-${how}`, participant)
    }
  }

  #connectedCount(conference: ConferenceRecord): number {
    let count = 0
    for (const p of conference.participants.values()) if (p.status === 'connected') count++
    return count
  }

  /** Whether anyone is in the conference: joined, not still ringing. */
  #anyoneIn(conference: ConferenceRecord): boolean {
    return [...conference.participants.values()].some((p) => p.status === 'connected')
  }

  #endCall(conference: ConferenceRecord, call: CallRecord, status: EndedCallStatus): void {
    call.status = status
    call.updated = new Date()
    this.#progress(conference, call, 'completed')
  }

  #stopRinging(call: CallRecord): void {
    clearTimeout(this.#ringing.get(call.sid)?.timer)
    this.#ringing.delete(call.sid)
  }

  #callOf(participant: ParticipantRecord): CallRecord {
    const call = this.#calls.get(participant.callSid)
    if (!call) throw new Error(`the stand-in lost the call of participant ${participant.callSid}`)
    return call
  }

  #progress(conference: ConferenceRecord, call: CallRecord, event: CallProgressEvent): void {
    const callback = callProgress(this.#accountSid, call, event, new Date())
    if (callback) this.#send(conference, call.sid, callback)
  }

  #event(conference: ConferenceRecord, event: ConferenceEvent, details: Record<string, string>) {
    const callback = conferenceEvent(this.#accountSid, conference, event, details, new Date())
    if (callback) this.#send(conference, details.CallSid ?? null, callback)
  }

  #send(conference: ConferenceRecord, callSid: string | null, callback: Callback): void {
    this.#callbacks.send({
      ...callback,
      conferenceSid: conference.sid,
      friendlyName: conference.friendlyName,
      callSid,
    })
  }
}
