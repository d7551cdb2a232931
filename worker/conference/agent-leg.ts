/**
 * The agent's leg as the room's record keeps it: the one-time tokens that let its TwiML
 * and then its stream in, which call legs are the agent's, and what a lost stream, a
 * resumed one or a restart of the room leave in the record. No I/O: these change the
 * record (and the roster) they are given; the room decides when, saves, and wires the
 * bridge.
 */
import { isSafeStreamSid, type StreamStart } from '../twilio/media-stream.ts'
import { agentLabelOf } from './agent-return.ts'
import type { RoomRecord } from './room-record.ts'
import type { RoomRefusal, RoomResult } from './room-result.ts'
import { isActive, type Participant, type Roster } from './roster.ts'
import { randomToken, tokensEqual } from './tokens.ts'

/**
 * How many times a conference's agent leg may go on with a new stream after losing one
 * within RESUME_WINDOW_MS: a deploy or two in a while, not a loop when something keeps
 * breaking it. A long call outlives any number of deploys spread over it.
 */
export const MAX_STREAM_RESUMES = 3
export const RESUME_WINDOW_MS = 10 * 60_000

/**
 * The agent leg's TwiML request: spends its leg token, issues the stream's one-time token.
 * The same leg asking again before its stream started (the room reset before Twilio had
 * the answer, and the worker asked again) gets the same answer: the token is spent by the
 * leg, not by the question.
 */
export function spendLegToken(
  record: RoomRecord,
  legToken: string,
  callSid: string,
): RoomResult<{ streamToken: string }> {
  const known = record.agentLegToken && tokensEqual(record.agentLegToken, legToken)
  if (known && record.agentLegCallSid === undefined) {
    record.agentLegCallSid = callSid
    record.streamToken = randomToken()
    return { ok: true, streamToken: record.streamToken }
  }
  // The same leg asking again, before its stream started (and before any resume).
  if (known && record.agentLegCallSid === callSid && record.streamToken && !record.streamResumes) {
    return { ok: true, streamToken: record.streamToken }
  }
  return { ok: false, code: 'forbidden', message: 'unknown or already used agent leg token' }
}

/**
 * Whether a call leg is the agent's, still on the call: the participant's own call, the
 * leg its stream came with (see `streamCallSid`), or a leg whose parent is the
 * participant's call.
 */
export function isAgentLeg(
  record: RoomRecord,
  agent: Participant | undefined,
  leg: { callSid: string; parentCallSid?: string },
): boolean {
  if (agent?.callSid === undefined || !isActive(agent)) return false
  return (
    leg.callSid === agent.callSid ||
    leg.callSid === record.streamCallSid ||
    leg.parentCallSid === agent.callSid
  )
}

/**
 * Why the leg may not go on with a new stream, if it may not: only a lost stream's leg
 * does, or one whose stream ended before it started (`unstarted`), a few times at most;
 * one ended on purpose does not.
 */
export function resumeRefusal(
  record: RoomRecord,
  unstarted = false,
  now = Date.now(),
): RoomRefusal | undefined {
  if (!record.streamLost && !unstarted) {
    return { ok: false, code: 'conflict', message: "the agent's stream was ended, not lost" }
  }
  const resumes = recentResumes(record, now).length + 1
  if (resumes > MAX_STREAM_RESUMES) {
    return {
      ok: false,
      code: 'conflict',
      message: `lost its stream ${resumes} times in ${RESUME_WINDOW_MS / 60_000} minutes`,
    }
  }
  return undefined
}

/** The resume counted, and the new stream's one-time token issued. */
export function beginResume(record: RoomRecord, now = Date.now()): string {
  record.streamLost = undefined
  record.streamResumedAt = [...recentResumes(record, now), now]
  record.streamResumes = (record.streamResumes ?? 0) + 1
  record.streamToken = randomToken()
  return record.streamToken
}

/**
 * When the resumes inside the window before `now` were made. A record saved before the
 * times were kept counts its resumes as recent: the budget it had, no more.
 */
function recentResumes(record: RoomRecord, now: number): number[] {
  const times = record.streamResumedAt ?? Array(record.streamResumes ?? 0).fill(now)
  return times.filter((at) => now - at < RESUME_WINDOW_MS)
}

/**
 * After the lost stream's bridge has been folded into the record and let go: the new
 * stream's bridge starts from what the call has, its counts so far (the resume counted as
 * a reconnection) kept beside it, and the agent shown reconnecting.
 */
export function awaitNewStream(record: RoomRecord): void {
  record.statsBefore = record.stats
  record.reconnectsBefore = record.agent.reconnects + 1
  record.stream = { status: 'awaiting' }
  record.agent = {
    ...record.agent,
    status: 'reconnecting',
    speaking: false,
    reconnects: record.reconnectsBefore,
    error: undefined,
  }
}

/**
 * The stream must carry the one-time token issued with its TwiML, name this conference
 * and have a StreamSid the bridge can name in its messages. Spends the token, only then,
 * and records which leg the stream came with.
 */
export function acceptStart(record: RoomRecord, roster: Roster, start: StreamStart): boolean {
  const token = start.customParameters.streamToken
  if (!record.streamToken || !token || !tokensEqual(record.streamToken, token)) return false
  if (start.customParameters.conferenceId !== record.conferenceId) return false
  if (!isSafeStreamSid(start.streamSid)) return false
  record.streamToken = undefined
  const label = agentLabelOf(record)
  if (record.local) {
    // No Twilio callback will say so: in a local call the stream is the agent's presence.
    roster.upsert({
      label,
      kind: 'agent',
      callSid: start.callSid,
      status: 'joined',
      joinedAt: new Date().toISOString(),
    })
  } else {
    // The participant's CallSid stays the REST create's: mute, hold and removal act on
    // the conference's participant, whichever leg the stream came with.
    record.streamCallSid = start.callSid
    const agent = roster.find(label)
    if (!agent?.callSid) roster.upsert({ label, kind: 'agent', callSid: start.callSid })
  }
  return true
}

/** Twilio may carry the leg on with a new stream: `resumeAgentLeg` looks for this. */
export function markLost(record: RoomRecord, streamSid: string | undefined): void {
  record.streamLost = true
  if (streamSid) record.lostStreams = [...(record.lostStreams ?? []), streamSid].slice(-5)
}

/**
 * The room restarted mid-call: the bridge and the agent socket went with the old instance
 * and Twilio's end of the stream was dropped, so the agent has left the call.
 */
export function recordRestart(record: RoomRecord): void {
  record.stream = { ...record.stream, status: 'stopped' }
  if (!record.local) markLost(record, record.stream.streamSid)
  // An agent shown unavailable keeps why: the restart (a room with no agent socket and a
  // quiet stream may hibernate) is not what stopped it.
  if (record.agent.status !== 'unavailable') {
    record.agent = {
      ...record.agent,
      status: 'ended',
      speaking: false,
      error: 'The call service restarted and the agent left the call.',
    }
  }
}

/**
 * An ended call with no bridge to say so awaits no stream, has none live (one that outlived
 * its bridge is closed with the end) and has no agent on it.
 */
export function endWithoutBridge(record: RoomRecord): void {
  if (record.stream.status !== 'stopped') record.stream = { ...record.stream, status: 'stopped' }
  if (record.agent.status !== 'unavailable') {
    record.agent = { ...record.agent, status: 'ended', speaking: false }
  }
}
