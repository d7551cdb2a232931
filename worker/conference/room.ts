/**
 * ConferenceRoom: one Durable Object per conference. It keeps the conference's record
 * (roster, agent state, transcript), accepts the agent leg's Twilio Media Stream and the
 * pages' event sockets, opens the ElevenLabs agent socket, and wires sockets and timers
 * to the MediaBridge, which makes every decision of the call's audio. Routes talk to it
 * through the RPC methods below; the rules it applies to the conference's life (who may
 * join, the agent leg's tokens and resumes, when the alarm asks Twilio, hang-ups at the
 * end) live beside it in modules of their own.
 */
import { DurableObject } from 'cloudflare:workers'
import { ApiError, errorResponse } from '../api-error.ts'
import {
  agentInitiation,
  type Env,
  endConferenceOnHostExit,
  twilioRestClient,
  webhookBaseUrl,
} from '../config.ts'
import { conversationInitiation } from '../elevenlabs/protocol.ts'
import { closeQuietly } from '../sockets.ts'
import { parseStreamMessage, type StreamStart } from '../twilio/media-stream.ts'
import type { Call, TwilioRestClient } from '../twilio/rest-client.ts'
import { isTwilioNotFound } from '../twilio/rest-errors.ts'
import { ADMISSION_MS, Admissions, hostLabelOf } from './admission.ts'
import { AgentConnection } from './agent-connection.ts'
import {
  acceptStart,
  awaitNewStream,
  beginResume,
  endWithoutBridge,
  isAgentLeg,
  MAX_STREAM_RESUMES,
  markLost,
  RESUME_WINDOW_MS,
  recordRestart,
  resumeRefusal,
  spendLegToken,
} from './agent-leg.ts'
import {
  type AgentCallAnswer,
  agentLegCheckDue,
  judgeAgentLeg,
  legHeardFrom,
  markUnheard,
  unheardMessage,
  watchAgentLeg,
} from './agent-leg-watch.ts'
import { agentLabelOf, beginReturn, returnRefusal } from './agent-return.ts'
import {
  DIAL_CHECK_MS,
  DIAL_GIVE_UP_MS,
  dialCheckDue,
  dialedAt,
  EMPTY_CONFIRMED_MS,
  EMPTY_ROOM_MS,
  emptySince as findEmptySince,
  HANG_UP_RETRY_MS,
  isPresenceChecked,
  nextDialCheck,
  nextPresenceCheck,
  RETENTION_MS,
} from './alarm-schedule.ts'
import { MediaBridge } from './bridge.ts'
import type { BridgeAction, BridgeEvent } from './bridge-types.ts'
import { removeEarlierLeg } from './earlier-leg.ts'
import {
  callOffPendingDials,
  HangUpRounds,
  hangUp,
  type Leg,
  newCallOf,
  newLegs,
  settleRound,
  withLegs,
} from './hang-ups.ts'
import { acceptWatcher, answerPings, broadcast, hasWatchers, isWatcher } from './page-events.ts'
import { describeError, type RoomLog } from './room-log.ts'
import {
  foldBridge,
  newRecord,
  type ParticipantView,
  type RoomRecord,
  type RoomView,
  toParticipantView,
  toView,
} from './room-record.ts'
import { notFound, participantLimit, type RoomResult } from './room-result.ts'
import { isLetGo, letGo, upgraded } from './room-sockets.ts'
import {
  ENDED_WITH_HOST,
  fail,
  isActive,
  isAgentLabel,
  isDialPending,
  isPageLabel,
  leave,
  noticeText,
  type Params,
  type Participant,
  pageLabel,
  Roster,
  type RosterNotice,
} from './roster.ts'
import { randomToken } from './tokens.ts'
import { numbered, Transcript } from './transcript.ts'
import { type TranscriptPage, TranscriptStore } from './transcript-store.ts'

/**
 * Transcript lines are written this long after the first unsaved one, together: a turn
 * brings two at once (the caller's, then the agent's, just before its audio), and a
 * write made there cost the agent's first audio of every reply about 2.5 ms (the bridge
 * benchmark with --transcripts, docs/bridge-bench.md). Readers never wait for it: the
 * API and the page are served from memory. The lines alone are written sooner
 * (TranscriptStore), so that a reset in between loses less.
 */
const TRANSCRIPT_SAVE_DELAY_MS = 1000
/** The host's legs a rejoin told not to end the conference, kept: the last few are enough. */
const MAX_QUIET_LEGS = 10
/** Why the agent is gone when someone on the call removed it before its stream began. */
const AGENT_REMOVED = 'Someone removed the AI agent from the call.'

export interface RoomInit {
  conferenceId: string
  agentId: string
}

/** The page's own leg in a local call. */
const LOCAL_HOST_LABEL = pageLabel('local')

export class ConferenceRoom extends DurableObject<Env> {
  #record: RoomRecord | undefined
  /** When the people on the call were last checked against Twilio (in memory: 0 after a restart). */
  #presenceCheckedAt = 0
  /** The log said once that Twilio has people on the call no callback told of (in memory). */
  #toldOfUnheard = false
  /**
   * The record's participants and conference, the same array and object (`#load`): a change
   * through either is the other's. Replacing `record.participants` or `record.conference`
   * would leave the roster on the old ones, unsaved.
   */
  #roster = new Roster()
  /**
   * While set, the call's agent, stream, transcript and stats are the bridge's: the record's
   * are as the last fold left them (`#foldBridge`: each write, broadcast and view). Read as
   * `this.#bridge?.agent ?? record.agent`; change them in the record only with no bridge, or
   * after folding it in and dropping it (`#dropBridge`), as a new bridge starts from them.
   */
  #bridge: MediaBridge | undefined
  #agent: AgentConnection | undefined
  /**
   * The stream being bridged, set with its bridge: the only socket the bridge hears from and
   * sends to (a refused one is let go; one that outlived its bridge is closed).
   */
  #twilio: WebSocket | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #transcriptSave: ReturnType<typeof setTimeout> | undefined
  /** Every line of the transcript, each written on its own ahead of the record. */
  readonly #lines: TranscriptStore
  readonly #hangUps = new HangUpRounds()
  /** `#log` for the parts the room hands work to. */
  readonly #logTo: RoomLog = (level, message) => this.#log(level, message)
  readonly #admissions = new Admissions()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.#lines = new TranscriptStore(ctx.storage)
    answerPings(ctx)
    void ctx.blockConcurrencyWhile(async () => {
      const record = await ctx.storage.get<RoomRecord>('room')
      // A record written before transcript entries were numbered (a deploy during a call),
      // and the lines written since the record was.
      if (record) record.transcript = await this.#lines.restore(numbered(record.transcript))
      this.#load(record)
      if (this.#streamSockets().length === 0) this.#bridgeLost()
    })
  }

  // --- RPC: lifecycle ------------------------------------------------------

  async create(init: RoomInit): Promise<RoomResult<{ agentLegToken: string }>> {
    return this.#open(init, (record) => {
      record.agentLegToken = randomToken()
      record.endsWithHost = endConferenceOnHostExit(this.env)
      return { agentLegToken: record.agentLegToken }
    })
  }

  /**
   * A local call's room: the page is its host and plays Twilio's part itself, so it is
   * in the call from the start and gets the stream's one-time token now.
   */
  async createLocal(init: RoomInit): Promise<RoomResult<{ streamToken: string }>> {
    return this.#open(init, (record) => {
      record.local = true
      record.streamToken = randomToken()
      this.#roster.conference.status = 'in-progress'
      this.#roster.upsert({
        label: LOCAL_HOST_LABEL,
        kind: 'browser',
        status: 'joined',
        joinedAt: record.createdAt,
      })
      return { streamToken: record.streamToken }
    })
  }

  async #open<T extends object>(
    init: RoomInit,
    prepare: (record: RoomRecord) => T,
  ): Promise<RoomResult<T>> {
    if (this.#record)
      return { ok: false, code: 'conflict', message: 'This conference already exists.' }
    const record = newRecord(init.conferenceId, init.agentId, new Date().toISOString())
    this.#load(record)
    const result = prepare(record)
    this.#save()
    // Looked at again once nobody can have come for too long (alarm).
    await this.ctx.storage.setAlarm(Date.now() + EMPTY_CONFIRMED_MS)
    return { ok: true, ...result }
  }

  view(): RoomView | undefined {
    return this.#record && toView(this.#foldBridge(this.#record))
  }

  /**
   * The whole transcript a page at a time: the lines from seq `from` on, at most `limit`
   * of them. Undefined once the record is freed (the lines went with it).
   */
  async transcript(from: number, limit: number): Promise<TranscriptPage | undefined> {
    const record = this.#record
    if (!record) return undefined
    return this.#lines.page(from, limit, this.#bridge?.transcript.entries ?? record.transcript)
  }

  /**
   * Ends the conference on our side: agent socket closed, stream closed, record kept for a
   * while. Everyone still shown in it has left, whether or not Twilio says so for each;
   * unless `stillOnTwilio`: ending it on Twilio failed, and they may be in it yet (a later
   * end, once Twilio has ended it, marks them).
   */
  async end(reason: string, { stillOnTwilio = false } = {}): Promise<RoomResult> {
    const record = this.#record
    if (!record) return notFound()
    // Ended before while Twilio would not end it: now it has, and they have left with it.
    if (record.endedAt && !stillOnTwilio && this.#leaveEveryone(new Date().toISOString())) {
      this.#changed()
    }
    if (!record.endedAt) {
      record.endedAt = new Date().toISOString()
      record.conference.status = 'ended'
      record.conference.endedReason ??= reason
      if (!stillOnTwilio) this.#leaveEveryone(record.endedAt)
      const ringing = callOffPendingDials(this.#roster.participants)
      // Written with the end itself: the phones shown called off are the alarm's to hang
      // up should the room restart before Twilio is asked.
      record.hangUps = withLegs(record.hangUps, ringing)
      this.#feed({ type: 'end', reason })
      // No bridge to say so (its stream never came, or a lost one's successor has not):
      // an ended call awaits no stream and has no agent on it, and a stream socket that
      // outlived its bridge (the room woke from hibernation) is closed.
      if (!this.#bridge) {
        endWithoutBridge(record)
        for (const socket of this.#streamSockets()) {
          letGo(socket)
          closeQuietly(socket, 1000, 'conference ended')
        }
      }
      this.#log('info', `conference ended: ${reason}`)
      this.#changed()
      const retryHangUps = record.hangUps !== undefined
      await this.ctx.storage.setAlarm(Date.now() + (retryHangUps ? HANG_UP_RETRY_MS : RETENTION_MS))
      if (ringing.length > 0) await this.#hangUpAll(ringing)
    }
    return { ok: true }
  }

  /**
   * Ends the call without waiting for its alarm and hang-ups (a handler answering Twilio or
   * a socket); what fails there (storage) is logged under the room's name, not left as an
   * unhandled rejection.
   */
  #endSoon(reason: string): void {
    this.end(reason).catch((error) =>
      this.#log('error', `ending the conference (${reason}): ${describeError(error)}`),
    )
  }

  /** Marks everyone still shown in the conference as having left; whether anyone was. */
  #leaveEveryone(at: string): boolean {
    const joined = this.#roster.participants.filter((p) => p.status === 'joined')
    for (const participant of joined) leave(participant, at)
    return joined.length > 0
  }

  /**
   * After the end: hangs up the call just learned of (`hadCallSid`: whether one was known
   * before) of a dial the end called off before its call was known.
   */
  async #hangUpNewCall(label: string, hadCallSid: boolean): Promise<void> {
    if (!this.#record?.endedAt) return
    const called = newCallOf(this.#roster.find(label), hadCallSid)
    if (called) await this.#hangUpAll([called])
  }

  /**
   * The legs are kept before Twilio is asked, so a restart mid-way leaves them to the
   * alarm, and each round takes out only the legs it settled: rounds that overlap keep
   * each other's.
   */
  async #hangUpAll(legs: readonly Leg[]): Promise<void> {
    const record = this.#record
    if (!record?.endedAt || legs.length === 0) return
    if (newLegs(record.hangUps, legs).length > 0) {
      record.hangUps = withLegs(record.hangUps, legs)
      this.#save()
      await this.ctx.storage.setAlarm(Date.now() + HANG_UP_RETRY_MS)
    }
    const tried = await this.#hangUps.run(this.env, legs, this.#logTo)
    if (tried.length === 0) {
      // Another round has them in hand and sets the alarm when done, unless the room
      // restarts first: this alarm, spent, must not be the last.
      await this.ctx.storage.setAlarm(Date.now() + HANG_UP_RETRY_MS)
      return
    }
    const round = settleRound(record.hangUps, tried, Date.now(), Date.parse(record.endedAt))
    if (round.gaveUp.length > 0) {
      this.#log('warn', `gave up hanging up ${round.gaveUp.map((leg) => leg.label).join(', ')}`)
    }
    record.hangUps = round.pending
    this.#save()
    await this.ctx.storage.setAlarm(round.alarmAt)
  }

  override async alarm(): Promise<void> {
    const record = this.#record
    if (!record) return
    if (record.endedAt && record.hangUps) {
      await this.#hangUpAll(record.hangUps)
      return
    }
    if (record.endedAt) {
      // An alarm due before the end (a presence check, or one delivered again) may run
      // after it: the record is kept for its retention all the same.
      const freeAt = Date.parse(record.endedAt) + RETENTION_MS
      if (Date.now() < freeAt) {
        await this.ctx.storage.setAlarm(freeAt)
        return
      }
      for (const socket of this.ctx.getWebSockets())
        closeQuietly(socket, 1000, 'conference record freed')
      this.#cancelTranscriptSave()
      this.#lines.cancel()
      if (this.#timer !== undefined) clearTimeout(this.#timer)
      // The transcript's every line with the record: nothing of the call is left.
      await this.ctx.storage.deleteAll()
      // The call's objects too (transcript, converters, stats), not only its record.
      this.#record = undefined
      this.#roster = new Roster()
      this.#bridge = this.#agent = this.#twilio = this.#timer = undefined
      return
    }
    const now = Date.now()
    await this.#checkCalls(record, now)
    if (this.#endedMeanwhile(record)) return
    await this.#watchAgentLeg(record, now)
    if (this.#endedMeanwhile(record)) return
    const emptySince = this.#emptySince(record)
    let emptyCheck = Number.POSITIVE_INFINITY
    if (emptySince !== undefined) {
      const emptyFor = now - emptySince
      // A local call has no Twilio conference to ask: its page's stream is what counts.
      const confirmed =
        emptyFor >= EMPTY_CONFIRMED_MS && !record.local ? await this.#twilioHasPeople() : undefined
      if (this.#endedMeanwhile(record)) return
      // Twilio's word holds for when it was asked: someone whose join came meanwhile, or a
      // page let in by TwiML whose leg Twilio may not have put in the conference yet, is
      // arriving all the same. Looked at again once they have had the time to.
      const arriving =
        this.#emptySince(record) !== emptySince ||
        this.#admissions.arriving(this.#roster, Date.now()) > 0
      if (arriving) {
        emptyCheck = Date.now() + ADMISSION_MS
      } else if (confirmed === false || (confirmed === undefined && emptyFor >= EMPTY_ROOM_MS)) {
        await this.end(`nobody on the call for ${Math.floor(emptyFor / 60_000)} minutes`)
        return
      } else {
        // Twilio has someone the callbacks missed, or could not say: asked again in a while.
        emptyCheck =
          emptyFor < EMPTY_CONFIRMED_MS
            ? emptySince + EMPTY_CONFIRMED_MS
            : Math.min(
                now + EMPTY_CONFIRMED_MS,
                confirmed ? Number.POSITIVE_INFINITY : emptySince + EMPTY_ROOM_MS,
              )
      }
    }
    await this.ctx.storage.setAlarm(
      Math.min(
        emptyCheck,
        nextDialCheck(this.#roster.participants, now),
        this.#nextPresenceCheck(),
        agentLegCheckDue(record),
        // Nothing else due: looked at again as a new conference would be.
        now + EMPTY_ROOM_MS,
      ),
    )
  }

  /** Since when nobody has been on the call or on their way in (alarm-schedule.ts). */
  #emptySince(record: RoomRecord): number | undefined {
    const streamAwaited = (this.#bridge?.stream ?? record.stream).status === 'awaiting'
    return findEmptySince(record, this.#roster.participants, streamAwaited)
  }

  /**
   * Whether Twilio has anyone but an agent leg in the conference (connecting or connected);
   * undefined when it cannot say, or the conference's sid is not known yet. Not there at
   * all (404): nobody.
   */
  async #twilioHasPeople(): Promise<boolean | undefined> {
    const conferenceSid = this.#roster.conference.conferenceSid
    if (conferenceSid === undefined) return undefined
    try {
      const { participants, more } = await twilioRestClient(this.env).listParticipants(
        conferenceSid,
      )
      const people = participants.filter((p) => !isAgentLabel(p.label ?? ''))
      if (people.length > 0 && !this.#toldOfUnheard) {
        this.#toldOfUnheard = true
        const labels = people.map((p) => p.label ?? p.callSid).join(', ')
        this.#log('warn', `no callback said they joined, but Twilio has ${labels} on the call`)
      }
      return more || people.length > 0
    } catch (error) {
      if (isTwilioNotFound(error)) return false
      this.#log('warn', `asking Twilio who is on the call: ${describeError(error)}`)
      return undefined
    }
  }

  /**
   * Asks Twilio about the calls whose callbacks may have been lost: dialled phones with no
   * word of them for DIAL_CHECK_MS, and every PRESENCE_CHECK_MS the people shown on the call.
   */
  async #checkCalls(record: RoomRecord, now: number): Promise<void> {
    const checkPresence = this.#nextPresenceCheck() <= now
    if (checkPresence) this.#presenceCheckedAt = now
    const due = this.#roster.participants.filter(
      (p) => dialCheckDue(p) <= now || (checkPresence && isPresenceChecked(p)),
    )
    if (due.length === 0) return
    let rest: TwilioRestClient | undefined
    try {
      rest = twilioRestClient(this.env)
    } catch (error) {
      this.#log('warn', `cannot ask Twilio about calls: ${describeError(error)}`)
    }
    for (const participant of due) {
      const dialing = isDialPending(participant)
      const callSid = participant.callSid
      let call: Call | undefined
      if (rest && callSid) {
        try {
          call = await rest.fetchCall(callSid)
        } catch (error) {
          this.#log('warn', `asking Twilio about ${participant.label}: ${describeError(error)}`)
        }
      }
      // A callback may also have settled the call or brought a new one (a rejoin under the
      // same label) while Twilio was asked.
      if (this.#endedMeanwhile(record)) return
      if (participant.callSid !== callSid) continue
      if (dialing ? !isDialPending(participant) : participant.status !== 'joined') continue
      const notices = call
        ? this.#roster.applyLookedUpCall(participant, call, new Date(now).toISOString())
        : []
      if (dialing || notices.length > 0) {
        this.#log('info', `${participant.label}: Twilio says ${call?.status ?? 'nothing'}`)
      }
      // Only silence counts against a dial: a call Twilio says is queued or ringing is on its way.
      const givenUp =
        dialing && call === undefined && now - dialedAt(participant) >= DIAL_GIVE_UP_MS
      if (givenUp) {
        fail(participant, 'Twilio never said how the call went')
        notices.push({ kind: 'failed', participant })
      }
      if (dialing || notices.length > 0) this.#afterRosterChange(notices)
      // Shown failed, it may be dialled again: the call, if it exists, must not ring on too.
      if (givenUp && rest && callSid) {
        await hangUp(rest, { label: participant.label, callSid }, this.#logTo)
      }
    }
  }

  /**
   * The agent leg's TwiML not asked for yet, and due to be looked at: asks Twilio about its
   * call, and shows the agent unavailable, with what to check, once Twilio says the call is
   * over or unknown, or after AGENT_LEG_LOOKS looks (agent-leg-watch.ts).
   */
  async #watchAgentLeg(record: RoomRecord, now: number): Promise<void> {
    const watch = record.agentLegWatch
    if (!watch || watch.dueAt > now) return
    if (this.#agentGone(record)) return
    const agent = this.#roster.find(agentLabelOf(record))
    const answer = await this.#lookUpAgentCall(agent?.callSid)
    // The Voice URL request may have come while Twilio was asked: it ended the watch.
    if (this.#endedMeanwhile(record) || record.agentLegWatch !== watch) return
    if (this.#agentGone(record)) return
    const verdict = judgeAgentLeg(watch, answer, now)
    if (verdict.kind === 'look_again') {
      const status = answer === undefined || answer === 'not_found' ? 'nothing' : answer.status
      this.#log('info', `the agent's call has not asked for its TwiML yet; Twilio says ${status}`)
      record.agentLegWatch = verdict.watch
      this.#save()
      return
    }
    // The roster shows the agent's call as Twilio does, whose callbacks were refused too.
    if (agent && answer === 'not_found' && isActive(agent)) fail(agent, 'Twilio has no such call')
    else if (agent && answer && answer !== 'not_found') {
      this.#roster.applyLookedUpCall(agent, answer, new Date(now).toISOString())
    }
    markUnheard(record)
    this.#streamFailed(
      unheardMessage(verdict.twilioSays, {
        webhookBase: shownWebhookBase(this.env),
        voiceUrl: agentVoiceUrl(this.env),
      }),
    )
    this.#changed()
  }

  /**
   * Whether the page already says why the agent will not join (a callback said its leg
   * left, someone removed it): a more precise reason than the watchdog's, which ends the
   * watch without one.
   */
  #agentGone(record: RoomRecord): boolean {
    const status = (this.#bridge?.agent ?? record.agent).status
    if (status !== 'unavailable' && status !== 'ended') return false
    record.agentLegWatch = undefined
    this.#save()
    return true
  }

  /** What Twilio says of the agent's call; undefined when it could not be asked. */
  async #lookUpAgentCall(callSid: string | undefined): Promise<AgentCallAnswer> {
    if (!callSid) return undefined
    try {
      return await twilioRestClient(this.env).fetchCall(callSid)
    } catch (error) {
      if (isTwilioNotFound(error)) return 'not_found'
      this.#log('warn', `asking Twilio about the agent's call: ${describeError(error)}`)
      return undefined
    }
  }

  /**
   * After asking Twilio, which lets other events in: whether the conference ended (or its
   * record was freed) meanwhile.
   */
  #endedMeanwhile(record: RoomRecord): boolean {
    return this.#record !== record || Boolean(record.endedAt)
  }

  #nextPresenceCheck(): number {
    return nextPresenceCheck(this.#roster.participants, this.#presenceCheckedAt)
  }

  // --- RPC: legs and participants -------------------------------------------

  /** The agent leg's TwiML request: spends its leg token, issues the stream's one-time token. */
  agentLeg(legToken: string, callSid: string): RoomResult<{ streamToken: string }> {
    const record = this.#record
    if (!record || record.endedAt) return notFound()
    const result = spendLegToken(record, legToken, callSid)
    if (!result.ok) return result
    if (legHeardFrom(record)) {
      this.#log('info', "the agent's call asked for its TwiML after all: the agent joins as usual")
      this.#changed()
    } else {
      this.#save()
    }
    return result
  }

  /**
   * The agent leg's stream ended and Twilio asks what next (its `<Connect action>`). The leg
   * goes on with a new stream, and a new one-time token, when the stream was lost rather than
   * ended (see `streamLost`) and the leg is still this conference's agent; otherwise it ends.
   */
  resumeAgentLeg(leg: { callSid: string; parentCallSid?: string }): RoomResult<{
    streamToken: string
  }> {
    const record = this.#record
    if (!record || record.endedAt || record.local) return notFound()
    if (!isAgentLeg(record, this.#roster.find(agentLabelOf(record)), leg)) {
      return { ok: false, code: 'forbidden', message: "not this conference's agent leg" }
    }
    // Twilio's question may overtake the broken socket's close.
    this.#lostIfLive()
    // Twilio's stream ended before its start (its token unspent): nothing began, so the
    // bridge, still awaiting a stream, takes the next one with a new token.
    const unstarted =
      !record.streamLost &&
      record.streamToken !== undefined &&
      (this.#bridge?.stream.status ?? record.stream.status) === 'awaiting'
    const refused = resumeRefusal(record, unstarted)
    if (refused) return refused
    if (unstarted) {
      // Nothing began with a stream that never started: no reconnection for the agent.
      record.reconnectsBefore ??= record.agent.reconnects
    } else {
      // The lost stream's bridge is over: the new stream gets a bridge of its own. Folded
      // into the record before the resume is counted, which the new bridge adds.
      this.#dropBridge()
    }
    const streamToken = beginResume(record)
    if (!unstarted) awaitNewStream(record)
    this.#log(
      'info',
      `the agent leg goes on with a new stream (${record.streamResumedAt?.length} of ${MAX_STREAM_RESUMES} in ${RESUME_WINDOW_MS / 60_000} minutes, ${record.streamResumes} in all${unstarted ? '; the last ended before it started' : ''})`,
    )
    this.#changed()
    return { ok: true, streamToken }
  }

  /**
   * Someone on the call brings the agent back after it left (routes/agent-return.ts): a new
   * leg under a label of its own, whose TwiML, stream, bridge and watch follow as the first
   * leg's did, its agent told the conversation so far. The earlier leg is done with first:
   * its stream closed and let go (Twilio then asks its `<Connect action>`, which no longer
   * knows it and ends it), and its call, if Twilio may still have it, hung up.
   */
  async bringAgentBack(): Promise<RoomResult<{ label: string; agentLegToken: string }>> {
    const record = this.#record
    if (!record) return notFound()
    const earlier = this.#roster.find(agentLabelOf(record))
    const refused = returnRefusal(record, (this.#bridge ?? record).agent, earlier)
    if (refused) return refused
    // Any stream socket the room has, the bridged one or one that outlived its bridge.
    const sockets = this.#streamSockets()
    this.#dropBridge('the agent was brought back on a new leg')
    for (const socket of sockets) {
      letGo(socket)
      closeQuietly(socket, 1000, 'the agent was brought back on a new leg')
    }
    const hangUpCall = earlier && isActive(earlier) ? earlier.callSid : undefined
    if (earlier && hangUpCall) {
      if (earlier.status === 'joined') leave(earlier, new Date().toISOString())
      else fail(earlier, 'the agent was brought back on a new call')
    }
    const leg = beginReturn(record)
    // Watched from now, not only once Twilio's answer is recorded: a reset between here and
    // that answer (or Twilio refusing it unheard) must not leave the agent shown on its way
    // for good. With no call to ask about, the looks end in a verdict, and a new return.
    const watch = watchAgentLeg(record, Date.now())
    this.#log('info', `the agent is brought back on a new leg, ${leg.label}`)
    this.#changed()
    if (watch) await this.#alarmNoLaterThan(watch.dueAt)
    if (earlier && hangUpCall) {
      try {
        const rest = twilioRestClient(this.env)
        await hangUp(rest, { label: earlier.label, callSid: hangUpCall }, this.#logTo)
      } catch (error) {
        this.#log('warn', `hanging up ${earlier.label}: ${describeError(error)}`)
      }
    }
    return { ok: true, ...leg }
  }

  /**
   * Twilio would not add the agent's new leg (`label`): its token is spent on nothing (a
   * call Twilio placed after all, unconfirmed, is hung up at its TwiML), and the agent is
   * shown unavailable, with why.
   */
  agentReturnFailed(label: string, reason: string): void {
    const record = this.#record
    if (!record || record.endedAt || agentLabelOf(record) !== label) return
    record.agentLegToken = undefined
    this.#streamFailed(reason)
    this.#changed()
  }

  /**
   * Whether a person may join by TwiML now (not into a local call, which has no Twilio
   * conference), after making room for them under their label; and whether their leaving
   * ends the conference: the host's, if the conference was made so (`endsWithHost`, not
   * END_CONFERENCE_ON_HOST_EXIT as it reads now: the pages and the room's rules go by that).
   */
  async humanLeg(
    leg: { label: string; callSid: string },
    maxParticipants: number,
  ): Promise<RoomResult<{ host: boolean; endConferenceOnExit: boolean }>> {
    const record = this.#record
    if (!record || record.endedAt || record.local) return notFound()
    const holder = this.#roster.find(leg.label)
    const rejoin = holder?.label === leg.label && isActive(holder)
    // The host is never turned away, and its leaving ends the conference. Anyone new after
    // that counts against MAX_PARTICIPANTS, as a dial does; a rejoin takes its earlier place.
    const hostLabel = hostLabelOf(record.hostLabel, this.#roster.participants, {
      label: leg.label,
      isPage: isPageLabel(leg.label),
    })
    if (hostLabel !== undefined && record.hostLabel === undefined) {
      record.hostLabel = hostLabel
      this.#changed()
    }
    const host = leg.label === hostLabel
    const endConferenceOnExit = host && record.endsWithHost === true
    // The host's leaving ends the conference (endConferenceOnExit): a host shown gone, the
    // conference's end not heard of yet, would join a new, empty one under its name.
    // Not a leg a rejoin told not to end it, whose leaving the conference outlived.
    if (
      endConferenceOnExit &&
      holder?.label === leg.label &&
      holder.status === 'left' &&
      !(holder.callSid !== undefined && record.quietLegs?.includes(holder.callSid))
    ) {
      return this.#endedWithHost()
    }
    // Not counting this label's own earlier admission: the same page calling again.
    const present = this.#admissions.present(this.#roster, Date.now(), leg.label)
    if (!rejoin && !host && present >= maxParticipants) {
      return participantLimit(present, maxParticipants)
    }
    if (!rejoin) this.#admissions.admit(leg.label, Date.now())
    if (rejoin && holder.callSid !== leg.callSid) {
      const conferenceSid = this.#roster.conference.conferenceSid
      // Written as quiet before Twilio is told, not after: a restart while Twilio is asked
      // must not leave a leg that no longer ends the conference counted as ending it. One
      // already written so (an earlier rejoin's, or this one's first try, cut off by a
      // reset before Twilio had applied it) is told again, as removing a leg Twilio still
      // has end the conference would end it for everyone; Twilio no longer having it then
      // says nothing of the conference, an earlier rejoin having removed it.
      const alreadyQuiet =
        holder.callSid !== undefined && record.quietLegs?.includes(holder.callSid) === true
      // The leg this rejoin writes down as quiet, if it does.
      const quiet = endConferenceOnExit && !alreadyQuiet ? holder.callSid : undefined
      if (conferenceSid !== undefined && quiet !== undefined) {
        record.quietLegs = [...(record.quietLegs ?? []), quiet].slice(-MAX_QUIET_LEGS)
        this.#changed()
      }
      const earlier =
        conferenceSid === undefined
          ? undefined
          : await removeEarlierLeg(this.env, conferenceSid, holder, {
              endsConference: endConferenceOnExit,
              alreadyQuiet,
              log: this.#logTo,
            })
      // Still there and not quiet (Twilio refused, or the answer was unknown and the update
      // was undone): its leaving ends the conference again. Not one quiet before this
      // rejoin, whose failed update undid nothing.
      if (earlier && !earlier.quieted && quiet !== undefined) {
        record.quietLegs = record.quietLegs?.filter((callSid) => callSid !== quiet)
        this.#changed()
      }
      // A join into an ended conference would start a new, empty one under its name; so
      // would a host's whose earlier leg Twilio no longer has, its leaving having ended it.
      if (this.#endedMeanwhile(record)) return notFound()
      if (earlier?.gone && endConferenceOnExit && !alreadyQuiet) {
        return this.#endedWithHost()
      }
    }
    return { ok: true, host, endConferenceOnExit }
  }

  /** The host's leg left Twilio's conference, which ended with it: so does the room. */
  #endedWithHost(): RoomResult<never> {
    this.#endSoon(ENDED_WITH_HOST)
    return notFound()
  }

  /** Holds a place for a phone participant before the REST call, so the cap holds under concurrency. */
  async reserveDial(
    phoneNumber: string,
    maxParticipants: number,
    displayNumber?: string,
  ): Promise<RoomResult<{ label: string }>> {
    const record = this.#record
    if (!record || record.endedAt) return notFound()
    if (record.local) {
      // Its agent is not in any Twilio conference: the callee would be billed into an empty one.
      return {
        ok: false,
        code: 'conflict',
        message: 'A local call cannot add a phone participant.',
      }
    }
    const active = this.#roster.active
    if (active.some((p) => p.phoneNumber === phoneNumber)) {
      const number = displayNumber ?? phoneNumber
      return { ok: false, code: 'conflict', message: `${number} is already on this call.` }
    }
    const present = this.#admissions.present(this.#roster, Date.now())
    if (present >= maxParticipants) return participantLimit(present, maxParticipants)
    // Counted apart from the roster, which drops the oldest gone once it is long: a label
    // is never given twice, so a late callback of an old call cannot land on a new one.
    record.dials =
      (record.dials ?? record.participants.filter((p) => p.kind === 'phone').length) + 1
    const label = `phone-${record.dials}`
    const now = Date.now()
    this.#roster.upsert({
      label,
      kind: 'phone',
      phoneNumber,
      ...(displayNumber !== undefined && displayNumber !== phoneNumber && { displayNumber }),
      status: 'dialing',
      dialedAt: new Date(now).toISOString(),
    })
    this.#changed()
    await this.#alarmNoLaterThan(now + DIAL_CHECK_MS)
    return { ok: true, label }
  }

  /** Brings the alarm forward to `at` unless it is due sooner already. */
  async #alarmNoLaterThan(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }

  /**
   * Records the outcome of a REST participant create (or the agent leg's). Twilio's answer
   * names the conference too, which the participant controls and the rejoin need: with it
   * they do not wait on callbacks. The agent's leg is watched from then until its TwiML is
   * asked for (agent-leg-watch.ts).
   */
  async participantCreated(
    fields: Pick<Participant, 'label' | 'kind'> & Partial<Participant>,
    conferenceSid?: string,
  ): Promise<void> {
    const record = this.#record
    if (!record) return
    const hadCallSid = this.#roster.find(fields.label)?.callSid !== undefined
    this.#roster.upsert(fields)
    if (conferenceSid) this.#roster.conference.conferenceSid ??= conferenceSid
    const watch = fields.kind === 'agent' ? watchAgentLeg(record, Date.now()) : undefined
    this.#changed()
    if (watch) await this.#alarmNoLaterThan(watch.dueAt)
    // Ended while Twilio was creating the call (the end called the dial off): its call must
    // not ring on into an empty conference.
    await this.#hangUpNewCall(fields.label, hadCallSid)
  }

  participantFailed(label: string, error: string): void {
    const participant = this.#roster.find(label)
    if (!participant) return
    fail(participant, error)
    this.#changed()
  }

  participantUpdated(
    callSidOrLabel: string,
    flags: { muted?: boolean; hold?: boolean },
  ): RoomResult {
    const participant = this.#roster.find(callSidOrLabel)
    if (!participant) return notFound('participant')
    Object.assign(participant, flags)
    this.#changed()
    return { ok: true }
  }

  /**
   * After a REST removal (`removed` false: Twilio had them no more, they hung up first); the
   * leave callback confirms it later and changes nothing more. A phone still ringing never
   * joined, so it did not leave: its call was called off.
   */
  participantRemoved(callSid: string, removed: boolean): void {
    const participant = this.#roster.find(callSid)
    if (!participant || participant.callSid !== callSid) return
    // Twilio's leave (or a called-off call's end) overtook its answer to the removal: they
    // went because of it.
    if ((participant.status === 'left' || participant.status === 'failed') && removed) {
      if (!participant.removed) {
        participant.removed = true
        // Its stream not begun, the agent's leaving was read as a set-up fault: it was not.
        if (this.#isCurrentAgent(participant)) this.#streamFailed(AGENT_REMOVED)
        this.#changed()
      }
      return
    }
    if (!isActive(participant)) return
    if (participant.status === 'joined') {
      leave(participant, new Date().toISOString())
      if (removed) participant.removed = true
      this.#afterRosterChange([{ kind: 'left', participant }])
    } else {
      fail(participant, 'called off before they answered')
      if (removed) participant.removed = true
      this.#afterRosterChange([{ kind: 'failed', participant }])
    }
  }

  participant(callSidOrLabel: string): ParticipantView | undefined {
    const participant = this.#roster.find(callSidOrLabel)
    return participant && toParticipantView(participant)
  }

  // --- RPC: Twilio status callbacks -------------------------------------------

  conferenceEvent(params: Params): void {
    if (!this.#record) return
    const notices = this.#roster.applyConferenceEvent(params, new Date().toISOString())
    // Joined or gone, a leg let in by TwiML is on its way no more.
    const event = params.StatusCallbackEvent
    if (
      params.ParticipantLabel &&
      (event === 'participant-join' || event === 'participant-leave')
    ) {
      this.#admissions.settled(params.ParticipantLabel)
    }
    // Who is speaking changes with every turn and means nothing after a restart: shown, not
    // written (each write is the whole record, transcript and all).
    const speech = event === 'participant-speech-start' || event === 'participant-speech-stop'
    this.#afterRosterChange(notices, { persist: !speech })
    if (this.#roster.conference.status === 'ended' && !this.#record.endedAt) {
      this.#endSoon(this.#roster.conference.endedReason ?? 'conference ended')
    }
  }

  async callEvent(params: Params, label?: string): Promise<void> {
    const record = this.#record
    if (!record) return
    const hadCallSid = label !== undefined && this.#roster.find(label)?.callSid !== undefined
    const notices = this.#roster.applyCallEvent(params, new Date().toISOString(), label)
    // A dialled call heard of after the end, its CallSid not known then (its create timed
    // out, or the request that made it went away before telling us): the end called it
    // off, and its first callback brings the call to hang up. Once its call is known, a
    // late callback of it changes nothing (its hang-up is the alarm's to retry).
    this.#afterRosterChange(notices)
    if (label) await this.#hangUpNewCall(label, hadCallSid)
  }

  streamEvent(params: Params): void {
    if (!this.#record) return
    const event = params.StreamEvent ?? 'unknown'
    // About a stream lost before this one (its end reported late), or one of a leg the agent
    // was brought back from (a resume's stream that never started, say): not this stream's news.
    const earlierLeg =
      params.CallSid !== undefined &&
      this.#roster.participants.some(
        (p) => p.kind === 'agent' && p.callSid === params.CallSid && !this.#isCurrentAgent(p),
      )
    if (earlierLeg || (params.StreamSid && this.#record.lostStreams?.includes(params.StreamSid))) {
      this.#log('info', `Twilio stream event ${event} for an earlier stream ${params.StreamSid}`)
      return
    }
    if (event !== 'stream-error') {
      this.#log('info', `Twilio stream event ${event}`)
      return
    }
    // Shown on the page and logged as one line: Twilio's words, not a layout of its own.
    const error = (params.StreamError ?? 'no reason given').replace(/\p{Cc}+/gu, ' ').slice(0, 200)
    this.#log('error', `Twilio reported a stream error: ${error}`)
    this.#streamFailed(
      `Twilio could not open the agent's audio stream (${error}): check that WEBHOOK_BASE_URL is the public https URL Twilio reaches this worker at, and TWILIO_AUTH_TOKEN the auth token of its account.`,
    )
  }

  /** Whether a participant is the conference's current agent leg, not one it was brought back from. */
  #isCurrentAgent(participant: Participant): boolean {
    return (
      participant.kind === 'agent' &&
      this.#record !== undefined &&
      participant.label === agentLabelOf(this.#record)
    )
  }

  /** Everyone who came has gone: someone joined, and nobody is on the call now. */
  #peopleHaveLeft(): boolean {
    const people = this.#roster.participants.filter((p) => p.kind !== 'agent')
    return !this.#roster.humansPresent && people.some((p) => p.joinedAt !== undefined)
  }

  /**
   * The agent's stream will not come: Twilio reported it failed, or the agent's leg left.
   * Once a socket has arrived the bridge decides (its stream may be live); before, nothing
   * has begun, and the agent will not join this call.
   */
  #streamFailed(reason: string): void {
    const record = this.#record
    if (this.#bridge) {
      this.#feed({ type: 'stream_failed', reason })
    } else if (record && !record.endedAt && record.stream.status === 'awaiting') {
      this.#log('error', reason)
      record.agent = { ...record.agent, status: 'unavailable', error: reason }
      this.#changed(UNCONFIRMED)
    }
  }

  /** The host page's label, for the agent. */
  #hostLabel(): string | undefined {
    return hostLabelOf(this.#record?.hostLabel, this.#roster.participants)
  }

  #afterRosterChange(notices: RosterNotice[], { persist = true } = {}): void {
    const hostLabel = this.#hostLabel()
    const summary = notices.length > 0 ? this.#roster.summary(hostLabel) : ''
    for (const notice of notices) {
      if (notice.participant.kind === 'agent') {
        // Gone before its stream began (the bridge ignores this once it has): most often
        // a TwiML App whose Voice URL is not this worker's. Not when the people have left
        // already: a conference that ends takes the agent's leg with it, stream or not;
        // nor for a leg the agent was brought back from, which is gone on purpose.
        if (
          notice.kind !== 'joined' &&
          this.#isCurrentAgent(notice.participant) &&
          !this.#peopleHaveLeft()
        )
          this.#streamFailed(
            notice.participant.removed
              ? AGENT_REMOVED
              : `The agent's call ${notice.kind === 'left' ? 'ended' : 'failed'} before its audio stream started: check that the TwiML App's Voice URL is ${agentVoiceUrl(this.env)} (POST).`,
          )
        continue
      }
      this.#feed({
        type: 'context',
        text: `${noticeText(notice, hostLabel)} ${summary}`,
        contextId: 'roster',
        later: summary,
      })
    }
    if (this.#roster.humansPresent) this.#feed({ type: 'humans_present' })
    // The last person gone: the alarm looks at the empty room in time, as it may be set
    // for much later (a presence check).
    const record = this.#record
    const emptySince = record && !record.endedAt ? this.#emptySince(record) : undefined
    if (emptySince !== undefined && notices.some((n) => n.participant.kind !== 'agent')) {
      this.#alarmNoLaterThan(emptySince + EMPTY_CONFIRMED_MS).catch((error) =>
        this.#log('warn', `setting the alarm: ${describeError(error)}`),
      )
    }
    // Who is in the call is written before anyone hears of it. Flags (mute, hold) are not
    // worth holding the call's audio for.
    if (notices.length > 0) this.#changed()
    else if (persist) this.#changed(UNCONFIRMED)
    else this.#broadcastUpdate()
  }

  // --- WebSockets ------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return errorResponse(new ApiError(426, 'upgrade_required', 'Expected a WebSocket upgrade.'))
    }
    if (!this.#record) {
      return errorResponse(new ApiError(404, 'not_found', 'No such conference.'))
    }
    const path = new URL(request.url).pathname
    if (path.endsWith('/events')) return acceptWatcher(this.ctx, request, this.view())
    // A local call's stream comes from the page, a Twilio call's from Twilio: never swapped.
    if (path.startsWith('/api/local/') !== Boolean(this.#record.local)) {
      const message = this.#record.local
        ? 'This conference is a local call: its stream comes from the page.'
        : 'No local call with this id.'
      return errorResponse(new ApiError(404, 'not_found', message))
    }
    return this.#acceptMediaStream(this.#record, request)
  }

  #acceptMediaStream(record: RoomRecord, request: Request): Response {
    if (record.endedAt) {
      return errorResponse(new ApiError(410, 'gone', 'This conference has ended.'))
    }
    // A socket that has not started holds no place: the newest may be Twilio's own, and
    // the one before a replay of its upgrade that says nothing (its start comes at once).
    if (this.#bridge?.stream.status === 'awaiting' && this.#twilio) {
      this.#log('warn', 'a stream socket that had not started was replaced by a newer one')
      letGo(this.#twilio)
      closeQuietly(this.#twilio, 1008, 'replaced before its start')
      this.#twilio = undefined
    }
    // One stream a conference. A refused one was let go; a socket alive with no bridge
    // outlived it (a restart).
    const taken = this.#bridge ? this.#twilio !== undefined : this.#streamSockets().length > 0
    if (taken) {
      return errorResponse(
        new ApiError(409, 'conflict', 'This conference already has an agent stream.'),
      )
    }
    const { 0: client, 1: server } = new WebSocketPair()
    this.ctx.acceptWebSocket(server, ['twilio'])
    this.#twilio = server
    // After a refused stream the bridge, still awaiting its start, takes this one.
    if (!this.#bridge) this.#openBridge(record)
    this.#feed({ type: 'twilio_opened' })
    return upgraded(client, request)
  }

  #openBridge(record: RoomRecord): void {
    this.#bridge = new MediaBridge(
      {
        initiation: conversationInitiation(agentInitiation(this.env)),
        // Only a call that has heard the agent: its greeting would be a repeat.
        resumed: record.transcript.some((entry) => entry.role === 'agent'),
        // A return's own leg, not a stream resumed after it (which is a dropped connection).
        returned: record.agentLegs !== undefined && !record.streamResumes,
      },
      new Transcript(record.transcript),
    )
    // A bridge dropped for a new stream leaves its connection behind: what that one still
    // reports (its socket's close) is not the new bridge's.
    const agent = new AgentConnection(this.env, record.agentId, (event) => {
      if (this.#agent === agent) this.#feed(event)
    })
    this.#agent = agent
    // Who joined before the stream existed: the agent hears it once it is ready.
    this.#feed({
      type: 'context',
      text: this.#roster.summary(this.#hostLabel()),
      contextId: 'roster',
    })
    if (this.#roster.humansPresent) this.#feed({ type: 'humans_present' })
  }

  override webSocketMessage(socket: WebSocket, data: string | ArrayBuffer): void {
    // Identity first: this runs for every 20 ms frame, and getTags allocates.
    if (socket !== this.#twilio || !this.#bridge) {
      // Not the stream being bridged: a page's events socket, a refused stream on its way
      // out (never to be heard again), or a stream that outlived its bridge (a restart).
      const tags = this.ctx.getTags(socket)
      if (!this.#bridge && tags.includes('twilio')) {
        letGo(socket)
        closeQuietly(socket, 1011, 'bridge state lost')
        this.#bridgeLost()
      } else if (isWatcher(tags)) {
        // A page only listens: whatever sends here is not the page, and each message would
        // wake the room.
        this.#log('warn', "a page's event socket sent a message; it only receives: closed")
        closeQuietly(socket, 1003, 'this socket only sends')
      }
      return
    }
    const message = parseStreamMessage(data)
    // Only the first start spends the token; a second one is the bridge's to count and ignore.
    if (
      message.event === 'start' &&
      this.#bridge.stream.status === 'awaiting' &&
      !this.#acceptStart(message)
    ) {
      letGo(socket)
      this.#feed({ type: 'start_refused', reason: 'wrong stream token, conference or streamSid' })
      // Closed and let go: the bridge still awaits the stream its token was issued for.
      this.#twilio = undefined
      return
    }
    this.#feed({ type: 'twilio', message })
  }

  override webSocketClose(socket: WebSocket, code: number, reason: string): void {
    this.#streamGone(socket, code, reason)
    closeQuietly(socket, code === 1005 || code === 1006 ? 1000 : code, reason)
  }

  /**
   * A socket that fails is dropped with no webSocketClose after this (workerd's hibernation
   * manager, handleSocketTermination), so for the stream this is its end too.
   */
  override webSocketError(socket: WebSocket, error: unknown): void {
    this.#log('warn', `socket error (${this.ctx.getTags(socket).join(',')}): ${String(error)}`)
    this.#streamGone(socket, 1006, 'socket error')
  }

  #streamGone(socket: WebSocket, code: number, reason: string): void {
    if (!this.ctx.getTags(socket).includes('twilio')) return
    if (socket === this.#twilio) {
      this.#lostIfLive()
      this.#feed({ type: 'twilio_closed', code, reason })
      // The page closes with 1000 as the person hangs up, and the browser with 1001 as the
      // page goes (closed or reloaded); anything else cut the call.
      this.#localStreamGone(
        code === 1000
          ? 'you hung up'
          : code === 1001
            ? 'the page was closed or reloaded'
            : 'the call was cut off',
      )
    } else if (!this.#bridge) {
      this.#bridgeLost()
    }
  }

  /** The stream must carry the one-time token issued with its TwiML, and name this conference. */
  #acceptStart(start: StreamStart): boolean {
    const record = this.#record
    if (!record || !acceptStart(record, this.#roster, start)) return false
    this.#save()
    return true
  }

  /**
   * The room restarted (a deploy, the runtime moving it) in the middle of a call: the bridge
   * and the agent socket went with the old instance, and Twilio's end of the stream was
   * dropped, so the agent has left the call. A record still saying otherwise is corrected.
   */
  #bridgeLost(): void {
    const record = this.#record
    if (!record || record.endedAt || record.stream.status !== 'live') return
    this.#log('warn', 'the room restarted during the call; its agent stream is gone')
    recordRestart(record)
    if (record.local) this.#localStreamGone('the call service restarted')
    else this.#save()
  }

  /**
   * The stream sockets the room has not let go of. One it closed stays in `getWebSockets`
   * while closing, which lasts as long as the other end does not answer: a lost stream's
   * half-open connection would otherwise hold the conference's one stream from the next.
   * https://developers.cloudflare.com/durable-objects/api/state/#getwebsockets
   */
  #streamSockets(): WebSocket[] {
    return this.ctx.getWebSockets('twilio').filter((socket) => !isLetGo(socket))
  }

  /**
   * A stream that ends while its bridge still has it live was lost (Twilio's end broke):
   * every close of ours, and Twilio's `stop`, end the bridge's stream in the same step.
   * Twilio may then carry the agent leg on with a new stream (see `resumeAgentLeg`).
   */
  #lostIfLive(): void {
    const record = this.#record
    if (!record || record.local || record.endedAt) return
    if (this.#bridge?.stream.status !== 'live') return
    this.#log('warn', 'the agent stream was lost; Twilio may ask to go on with a new one')
    markLost(record, this.#bridge.stream.streamSid)
  }

  /** Lets go of the bridge, its agent connection and its timer, for a new stream's bridge. */
  #dropBridge(reason = 'its stream was lost'): void {
    // Its transcript, up to the last line, its counts and reconnections go on with the call.
    if (this.#record) this.#foldBridge(this.#record)
    if (this.#twilio) letGo(this.#twilio)
    if (this.#bridge) this.#feed({ type: 'end', reason })
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#bridge = this.#agent = this.#twilio = this.#timer = undefined
  }

  /**
   * A local call's page is its only person and carries its stream: without it the call is
   * over. Not before the stream began (its token unspent): a refused one is not the page's.
   */
  #localStreamGone(reason: string): void {
    const record = this.#record
    if (!record?.local || record.endedAt || record.streamToken) return
    this.#endSoon(reason)
  }

  // --- Bridge wiring -----------------------------------------------------------

  /** Runs one event through the bridge; a bug there is logged, never thrown out of a socket handler. */
  #feed(event: BridgeEvent): void {
    if (!this.#bridge) return
    let actions: readonly BridgeAction[]
    try {
      actions = this.#bridge.handle(event, Date.now())
    } catch (error) {
      this.#log('error', `bridge failed on ${event.type}: ${describeError(error)}`)
      return
    }
    // One failed action (a send on a socket that is closing) must not cost the rest,
    // least of all the timer the bridge now believes is set.
    // Indexed: this runs for every frame, and a for-of iterator may be allocated for it.
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i] as BridgeAction
      try {
        this.#perform(action)
      } catch (error) {
        this.#log('warn', `${action.type} failed: ${describeError(error)}`)
      }
    }
  }

  #perform(action: BridgeAction): void {
    switch (action.type) {
      case 'twilio_send':
        this.#twilio?.send(action.data)
        return
      case 'twilio_close':
        this.#twilio?.close(action.code, action.reason)
        this.#localStreamGone(action.reason)
        return
      case 'twilio_let_go':
        if (this.#twilio) {
          letGo(this.#twilio)
          closeQuietly(this.#twilio, action.code, action.reason)
        }
        this.#twilio = undefined
        return
      case 'agent_connect':
        this.#agent?.connect(action.attempt)
        return
      case 'agent_send':
        this.#agent?.send(action.data)
        return
      case 'agent_close':
        this.#agent?.close(action.attempt, action.code, action.reason)
        return
      case 'timer':
        if (this.#timer !== undefined) clearTimeout(this.#timer)
        this.#timer =
          action.at === undefined
            ? undefined
            : setTimeout(() => this.#feed({ type: 'tick' }), Math.max(0, action.at - Date.now()))
        return
      case 'log':
        this.#log(action.level, action.message)
        return
      case 'changed':
        if (action.part === 'speaking') this.#broadcastUpdate()
        else this.#changed(UNCONFIRMED)
        return
      case 'transcript':
        this.#lines.keep(action.entry)
        this.#transcriptSave ??= setTimeout(() => this.#save(UNCONFIRMED), TRANSCRIPT_SAVE_DELAY_MS)
        broadcast(this.ctx, { type: 'transcript', entry: action.entry })
        return
    }
  }

  // --- State -------------------------------------------------------------------

  #load(record: RoomRecord | undefined): void {
    this.#record = record
    this.#roster = record
      ? new Roster({ participants: record.participants, conference: record.conference })
      : new Roster()
  }

  /**
   * Folds the bridge's live state (agent, stream, transcript, stats) into the record, in
   * place, and returns the record: not a copy. Every write, broadcast and view does it; so
   * does dropping the bridge, whose state would otherwise go with it.
   */
  #foldBridge(record: RoomRecord): RoomRecord {
    return this.#bridge ? foldBridge(record, this.#bridge) : record
  }

  /**
   * Writes the whole record, the newest lines of the transcript included, and, in the same
   * transaction, any line it holds not yet kept on its own: a kept line is never older than
   * the record's.
   */
  #save(options?: DurableObjectPutOptions): void {
    this.#cancelTranscriptSave()
    if (!this.#record) return
    void this.ctx.storage.put('room', this.#foldBridge(this.#record), options)
    this.#lines.flush(options)
  }

  #cancelTranscriptSave(): void {
    if (this.#transcriptSave !== undefined) clearTimeout(this.#transcriptSave)
    this.#transcriptSave = undefined
  }

  #changed(options?: DurableObjectPutOptions): void {
    this.#save(options)
    this.#broadcastUpdate()
  }

  #broadcastUpdate(): void {
    const record = this.#record
    if (!record || !hasWatchers(this.ctx)) return
    const { transcript: _t, stats: _s, ...room } = toView(this.#foldBridge(record))
    broadcast(this.ctx, { type: 'update', room })
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    console[level](
      `[ConferenceRoom ${this.#record?.conferenceId ?? this.ctx.id.toString()}] ${message}`,
    )
  }
}

/**
 * How the room saves what a live call changes (transcript lines, the agent's and the
 * stream's state, stats). A Durable Object's output gate holds every outgoing message,
 * each WebSocket frame included, until the writes before it are confirmed (workerd's
 * `WebSocket::send` waits on `waitForOutputLocksIfNecessary()`), and in production a
 * write is confirmed only once it is replicated. Gated, each transcript line (one per
 * turn, from both sides) would hold the call's audio both ways for that long. A reset
 * (a deploy) can lose what changed since the last write of the record, and a write not yet
 * confirmed: a call that goes on after it (resumeAgentLeg) goes on without them. The record
 * is written with each change of the agent's, the stream's or the roster's state, and
 * TRANSCRIPT_SAVE_DELAY_MS after a transcript line; not for the frames, whose stats since
 * then are lost, however long ago that was. Transcript lines are written sooner
 * (TranscriptStore). Tokens, creation, participants and ending stay gated. Output gates:
 * https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/;
 * `allowUnconfirmed`: https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
 */
const UNCONFIRMED: DurableObjectPutOptions = { allowUnconfirmed: true }

/** WEBHOOK_BASE_URL as the worker reads it, for messages that say what to check: no secret. */
function shownWebhookBase(env: Env): string {
  try {
    return webhookBaseUrl(env)
  } catch {
    return 'not set'
  }
}

/** The TwiML App's Voice URL as it must be set in Twilio, for messages that say so. */
function agentVoiceUrl(env: Env): string {
  const path = '/api/twilio/conference-elevenlabs'
  try {
    return `${webhookBaseUrl(env)}${path}`
  } catch {
    return `{WEBHOOK_BASE_URL}${path}`
  }
}
