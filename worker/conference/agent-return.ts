/**
 * Bringing the agent back into a conference it has left (its conversation ended, it became
 * unavailable, it was removed), at the request of someone on the call. The return is a new
 * agent leg, made as the first one was, under a label of its own (`agent-2`, `agent-3`…):
 * a label is never given twice, so Twilio's late reports of an earlier leg land on that
 * leg's row, never on the new one's, and Twilio never finds the label in use (16025). The
 * earlier leg's tokens, stream and resumes are left behind with it; the transcript, the
 * counts and the reconnections go on. No I/O: the room checks, saves and wires the bridge.
 */
import type { AgentView } from './bridge-types.ts'
import type { RoomRecord } from './room-record.ts'
import type { RoomRefusal } from './room-result.ts'
import { FIRST_AGENT_LABEL, isActive, type Participant } from './roster.ts'
import { randomToken } from './tokens.ts'

/** The label of the conference's current agent leg. */
export const agentLabelOf = (record: Pick<RoomRecord, 'agentLabel'>): string =>
  record.agentLabel ?? FIRST_AGENT_LABEL

/**
 * Why the agent cannot be brought back now, if it cannot: the conference is over or local,
 * the agent is on the call or on its way (a return under way included), or its earlier leg
 * (`leg`) is being placed still, with no call yet that could be hung up.
 */
export function returnRefusal(
  record: RoomRecord,
  agent: AgentView,
  leg: Participant | undefined,
): RoomRefusal | undefined {
  if (record.endedAt) {
    return { ok: false, code: 'conflict', message: 'This conference has ended.' }
  }
  if (record.local) {
    return {
      ok: false,
      code: 'conflict',
      message: 'A local call ends with its agent: start a new conversation to talk to it again.',
    }
  }
  if (agent.status !== 'ended' && agent.status !== 'unavailable') {
    return {
      ok: false,
      code: 'conflict',
      message:
        agent.status === 'ready'
          ? 'The agent is on the call already.'
          : 'The agent is on its way into the call already.',
    }
  }
  // Never asked of Twilio (its create is still unanswered): it could join beside the new one.
  if (leg && isActive(leg) && leg.callSid === undefined) {
    return {
      ok: false,
      code: 'conflict',
      message: "The agent's earlier call is still being placed; try again in a moment.",
    }
  }
  return undefined
}

/**
 * The new leg's label and one-time leg token; the earlier leg's state left behind. The
 * record must have the earlier bridge folded in: its counts and reconnections go on.
 */
export function beginReturn(record: RoomRecord): { label: string; agentLegToken: string } {
  const legs = (record.agentLegs ?? 1) + 1
  record.agentLegs = legs
  record.agentLabel = `agent-${legs}`
  record.agentLegToken = randomToken()
  // A late report of the earlier stream is not the new one's.
  const sid = record.stream.streamSid
  if (sid && !record.lostStreams?.includes(sid)) {
    record.lostStreams = [...(record.lostStreams ?? []), sid].slice(-5)
  }
  // The new leg asks for its TwiML, is watched, streams and resumes as the first one did.
  record.agentLegCallSid = undefined
  record.agentLegWatch = undefined
  record.agentLegUnheard = undefined
  record.streamToken = undefined
  record.streamLost = undefined
  record.streamResumes = undefined
  record.streamResumedAt = undefined
  record.streamCallSid = undefined
  record.statsBefore = record.stats
  record.reconnectsBefore = record.agent.reconnects
  record.stream = { status: 'awaiting' }
  record.agent = { status: 'waiting', speaking: false, reconnects: record.agent.reconnects }
  return { label: record.agentLabel, agentLegToken: record.agentLegToken }
}
