/**
 * What a ConferenceRoom stores and what it shows: the durable record of one
 * conference and the JSON view the API and the page's event socket receive.
 * Tokens stay in the record and never appear in the view.
 */
import type { AgentLegWatch } from './agent-leg-watch.ts'
import type { MediaBridge } from './bridge.ts'
import { addStats } from './bridge-stats.ts'
import type { AgentView, BridgeStats, StreamView } from './bridge-types.ts'
import type { ConferenceInfo, Participant } from './roster.ts'
import type { TranscriptEntry } from './transcript.ts'

export interface RoomRecord {
  conferenceId: string
  agentId: string
  createdAt: string
  endedAt?: string
  /** A local call: the page streams its microphone to the room itself; Twilio has no part. */
  local?: true
  /**
   * The current agent leg's participant label: `agent` for the first, `agent-N` for the legs
   * that brought it back (agent-return.ts).
   */
  agentLabel?: string
  /** How many agent legs the conference has had, when more than one: numbers their labels. */
  agentLegs?: number
  /** One-time secret the agent leg's TwiML request must carry (a custom parameter of our REST call). */
  agentLegToken?: string
  /** The leg that spent `agentLegToken`: only its own request, asked again, is answered. */
  agentLegCallSid?: string
  /**
   * While the agent leg's TwiML has not been asked for: when the alarm next asks Twilio
   * about its call, and how often it has (agent-leg-watch.ts). In the record, so that a
   * reset room goes on watching where it was.
   */
  agentLegWatch?: AgentLegWatch
  /**
   * The watchdog showed the agent unavailable, its leg never heard from: a Voice URL
   * request that comes after all takes that back.
   */
  agentLegUnheard?: true
  /** One-time secret the agent's media stream must carry in its `start` message. */
  streamToken?: string
  /**
   * The agent's stream was lost rather than ended (the room restarted, the connection
   * broke): when Twilio asks what next (`<Connect action>`), the agent leg goes on with a
   * new stream, at most MAX_STREAM_RESUMES times in RESUME_WINDOW_MS.
   */
  streamLost?: true
  /** How many times the agent leg has gone on with a new stream. */
  streamResumes?: number
  /** When (epoch ms) the resumes inside RESUME_WINDOW_MS were made, oldest first. */
  streamResumedAt?: number[]
  /**
   * The CallSid the agent's stream came with (its `start`). Kept beside the participant's
   * own (the roster's, from the REST create and the conference's callbacks): Twilio may
   * bridge an `app:` participant to its TwiML App through a second leg, whose CallSid the
   * stream and its `<Connect action>` would then carry.
   */
  streamCallSid?: string
  /**
   * The StreamSids of streams lost, or left behind by a return of the agent: Twilio's late
   * reports of them are not the new one's.
   */
  lostStreams?: string[]
  /** The counts of the streams lost before the current one's: `stats` adds them up. */
  statsBefore?: BridgeStats
  /**
   * The agent's reconnections before the current stream: the earlier streams' bridges' own
   * and one for each resume. The current bridge's view adds its own to them.
   */
  reconnectsBefore?: number
  /**
   * The label of the first page to join by TwiML: the host, whose leaving ends the
   * conference unless END_CONFERENCE_ON_HOST_EXIT=false. Other pages are guests.
   */
  hostLabel?: string
  /** Whether the host's leaving ends the conference (END_CONFERENCE_ON_HOST_EXIT when made). */
  endsWithHost?: boolean
  /**
   * The CallSids of the host's earlier legs a rejoin told not to end the conference on
   * their way out: shown left, they did not end it.
   */
  quietLegs?: string[]
  /** How many phones have been dialled: numbers their labels, which the roster may forget. */
  dials?: number
  participants: Participant[]
  /**
   * Phones still ringing when the conference ended whose hang-up Twilio refused: the alarm
   * tries again while they could still be ringing.
   */
  hangUps?: { label: string; callSid: string }[]
  conference: ConferenceInfo
  agent: AgentView
  stream: StreamView
  transcript: TranscriptEntry[]
  stats?: BridgeStats
}

export type ParticipantView = Omit<
  Participant,
  'conferenceSequence' | 'membershipSequence' | 'callSequence' | 'endedCallSid'
>

export interface RoomView {
  conferenceId: string
  status: ConferenceInfo['status']
  /** A local call (no Twilio): the page is the only person, and its call is the stream. */
  local?: true
  conferenceSid?: string
  endedReason?: string
  createdAt: string
  endedAt?: string
  /** The host's label (`web-<identity>`), once the first page has joined. */
  hostLabel?: string
  /** The host leaving ends the conference for everyone: its Hang up must say so. */
  endsWithHost?: true
  participants: ParticipantView[]
  agent: AgentView & { agentId: string }
  stream: StreamView
  transcript: TranscriptEntry[]
  stats?: BridgeStats
}

/** Messages on `GET /api/twilio/conferences/:id/events`. */
export type RoomEventMessage =
  | { type: 'snapshot'; room: RoomView }
  | { type: 'update'; room: Omit<RoomView, 'transcript' | 'stats'> }
  | { type: 'transcript'; entry: TranscriptEntry }

export function newRecord(conferenceId: string, agentId: string, now: string): RoomRecord {
  return {
    conferenceId,
    agentId,
    createdAt: now,
    participants: [],
    conference: { status: 'created', sequence: -1 },
    agent: { status: 'waiting', speaking: false, reconnects: 0 },
    stream: { status: 'awaiting' },
    transcript: [],
  }
}

export function toView(record: RoomRecord): RoomView {
  const { conference } = record
  return {
    conferenceId: record.conferenceId,
    status: conference.status,
    ...(record.local && { local: true }),
    ...(conference.conferenceSid && { conferenceSid: conference.conferenceSid }),
    ...(conference.endedReason && { endedReason: conference.endedReason }),
    createdAt: record.createdAt,
    ...(record.endedAt && { endedAt: record.endedAt }),
    ...(record.hostLabel && { hostLabel: record.hostLabel }),
    ...(record.endsWithHost && { endsWithHost: true }),
    participants: record.participants.map(toParticipantView),
    agent: { ...record.agent, agentId: record.agentId },
    stream: record.stream,
    transcript: record.transcript,
    ...(record.stats && { stats: record.stats }),
  }
}

export const toParticipantView = ({
  conferenceSequence: _c,
  membershipSequence: _m,
  callSequence: _s,
  endedCallSid: _e,
  ...participant
}: Participant): ParticipantView => participant

/**
 * The record with a live bridge's state folded in: its agent and stream views, the
 * transcript so far, and the call's stats (a resumed call's earlier streams' included).
 */
export function foldBridge(
  record: RoomRecord,
  bridge: Pick<MediaBridge, 'agent' | 'stream' | 'transcript' | 'stats'>,
): RoomRecord {
  const agent = bridge.agent
  // A bridge after a resume carries a stream that took over a lost one: until the agent
  // is back, the call sees it reconnecting, not joining for the first time, and with the
  // conversation it had until the new one is ready, as a bridge's own reconnection shows.
  // The record says so (`awaitNewStream`, then each fold): not after a stream that closed
  // before its start, which leaves the agent as it was, waiting if it never had a
  // conversation.
  if ((record.streamResumes ?? 0) > 0 && record.agent.status === 'reconnecting') {
    if (agent.status === 'waiting' || agent.status === 'connecting') agent.status = 'reconnecting'
    agent.conversationId ??= record.agent.conversationId
  }
  // A record saved before `reconnectsBefore` existed (a deploy mid-call) has the resumes.
  agent.reconnects += record.reconnectsBefore ?? record.streamResumes ?? 0
  record.agent = agent
  record.stream = bridge.stream
  record.transcript = [...bridge.transcript.entries]
  record.stats = record.statsBefore
    ? addStats(record.statsBefore, bridge.stats)
    : structuredClone(bridge.stats)
  return record
}
