/**
 * The agent leg's watchdog. The room hears of the agent's leg only through Twilio's
 * requests: its Voice URL request, then its stream and its status callbacks. When Twilio's
 * requests are refused (a wrong TWILIO_AUTH_TOKEN, a WEBHOOK_BASE_URL that is not this
 * worker's public URL) or never arrive, nothing tells the room, and the agent would be
 * shown waiting until the empty room's end. So while the leg's TwiML has not been asked
 * for, the room's alarm asks Twilio about the leg's call (the REST client signs in with
 * the API key, not the auth token, so it works when the auth token is wrong): a call over,
 * or unknown to Twilio, or still not heard from after a few looks, shows the agent
 * unavailable with what to check. Pure: the room asks Twilio, saves and sets the alarm.
 */
import type { RoomRecord } from './room-record.ts'
import { isCallOver } from './roster.ts'

/**
 * When Twilio is first asked, after the agent's participant was created. Setting the call
 * up and asking the Voice URL takes a few seconds; Twilio waits up to 15 s for the answer
 * before it fails the call (https://www.twilio.com/docs/errors/11205), so a request still
 * on its way after this is one Twilio has given up on. A refused request ends the call at
 * once: Twilio then says so at the first look.
 */
export const AGENT_LEG_CHECK_MS = 20_000
/**
 * Asked again this often while Twilio says the call is still queued (calls beyond the
 * account's calls per second wait their turn), ringing or in progress.
 */
export const AGENT_LEG_RECHECK_MS = 20_000
/**
 * How many times Twilio is asked before the agent is shown unavailable all the same: a
 * minute after its creation, a leg whose Voice URL request has not come is not joining.
 */
export const AGENT_LEG_LOOKS = 3

export interface AgentLegWatch {
  /** When (epoch ms) the alarm next asks Twilio about the agent's call. */
  dueAt: number
  /** How many times Twilio has been asked. */
  looks: number
}

/** What Twilio said of the agent's call: its status, that it has no such call, or nothing. */
export type AgentCallAnswer = { status: string } | 'not_found' | undefined

export type AgentLegVerdict =
  | { kind: 'look_again'; watch: AgentLegWatch }
  /** Not joining: shown unavailable. `twilioSays` is what Twilio said, in words. */
  | { kind: 'unheard'; twilioSays: string }

/**
 * The agent's participant was created on Twilio: its leg is watched from now, unless its
 * TwiML was asked for already (the request may overtake the REST answer) or the call is
 * local (no Twilio).
 */
export function watchAgentLeg(record: RoomRecord, now: number): AgentLegWatch | undefined {
  if (record.local || record.endedAt || !record.agentLegToken || record.agentLegCallSid) return
  if (record.agentLegWatch || record.agentLegUnheard) return
  record.agentLegWatch = { dueAt: now + AGENT_LEG_CHECK_MS, looks: 0 }
  return record.agentLegWatch
}

/** When the alarm must next ask about the agent's call; Infinity when it need not. */
export const agentLegCheckDue = (record: RoomRecord): number =>
  record.agentLegWatch?.dueAt ?? Number.POSITIVE_INFINITY

/** What to make of Twilio's answer at a look. */
export function judgeAgentLeg(
  watch: AgentLegWatch,
  answer: AgentCallAnswer,
  now: number,
): AgentLegVerdict {
  if (answer === 'not_found') return { kind: 'unheard', twilioSays: 'Twilio has no such call' }
  if (answer && isCallOver(answer.status)) {
    return { kind: 'unheard', twilioSays: `Twilio says its call ${OVER[answer.status]}` }
  }
  const looks = watch.looks + 1
  if (looks < AGENT_LEG_LOOKS) {
    return { kind: 'look_again', watch: { dueAt: now + AGENT_LEG_RECHECK_MS, looks } }
  }
  return {
    kind: 'unheard',
    twilioSays: answer
      ? `Twilio says its call is still ${answer.status}`
      : 'Twilio could not be asked about its call',
  }
}

const OVER: Record<string, string> = {
  completed: 'ended',
  failed: 'failed',
  canceled: 'was canceled',
  busy: 'was busy',
  'no-answer': 'was not answered',
}

/** The verdict given: nothing left to watch, and a late request knows to take it back. */
export function markUnheard(record: RoomRecord): void {
  record.agentLegWatch = undefined
  record.agentLegUnheard = true
}

/**
 * The leg's TwiML was asked for: nothing left to watch. After the verdict (the request came
 * late after all: a call Twilio kept queued, a slow network) the agent is shown waiting
 * again and joins as usual; whether it was.
 */
export function legHeardFrom(record: RoomRecord): boolean {
  record.agentLegWatch = undefined
  if (!record.agentLegUnheard) return false
  record.agentLegUnheard = undefined
  if (record.agent.status !== 'unavailable') return false
  const { error: _verdict, ...agent } = record.agent
  record.agent = { ...agent, status: 'waiting' }
  return true
}

/** Why the agent is unavailable, and what to check, for the page and the log. */
export function unheardMessage(
  twilioSays: string,
  { webhookBase, voiceUrl }: { webhookBase: string; voiceUrl: string },
): string {
  return `The agent's call never asked this worker what to do (${twilioSays}): Twilio's requests to this worker were refused or did not arrive. Check that WEBHOOK_BASE_URL (now ${webhookBase}) is the public https URL Twilio reaches this worker at, that TWILIO_AUTH_TOKEN is the auth token of that Twilio account, and that the TwiML App's Voice URL is ${voiceUrl} (POST).`
}
