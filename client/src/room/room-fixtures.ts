/**
 * Named rooms and participants for the page's tests (the Node tests here and
 * the browser tests in test/page), shaped exactly like the worker's views.
 */
import type { ParticipantView, RoomView, TranscriptEntry } from '../api/wire.ts'

export const CONFERENCE_ID = 'conf-0123456789abcdef'

export function aRoom(overrides: Partial<RoomView> = {}): RoomView {
  return {
    conferenceId: CONFERENCE_ID,
    status: 'created',
    createdAt: '2026-01-01T10:00:00.000Z',
    participants: [],
    agent: { status: 'waiting', speaking: false, reconnects: 0, agentId: 'agent_default' },
    stream: { status: 'awaiting' },
    transcript: [],
    ...overrides,
  }
}

export function anAgent(overrides: Partial<ParticipantView> = {}): ParticipantView {
  return {
    label: 'agent',
    kind: 'agent',
    callSid: 'CA00000000000000000000000000000001',
    status: 'joined',
    muted: false,
    hold: false,
    speaking: false,
    ...overrides,
  }
}

export function aPhone(overrides: Partial<ParticipantView> = {}): ParticipantView {
  return {
    label: 'phone-1',
    kind: 'phone',
    callSid: 'CA00000000000000000000000000000002',
    phoneNumber: '+972526722216',
    status: 'joined',
    muted: false,
    hold: false,
    speaking: false,
    ...overrides,
  }
}

export function aBrowser(
  identity: string,
  overrides: Partial<ParticipantView> = {},
): ParticipantView {
  return {
    label: `web-${identity}`,
    kind: 'browser',
    callSid: 'CA00000000000000000000000000000003',
    identity,
    status: 'joined',
    muted: false,
    hold: false,
    speaking: false,
    ...overrides,
  }
}

/** A transcript line; lines meant to be different ones need different `seq`s. */
export function aLine(overrides: Partial<TranscriptEntry> = {}): TranscriptEntry {
  return {
    seq: 0,
    role: 'agent',
    text: 'Hello, how can I help?',
    at: '2026-01-01T10:00:05.000Z',
    ...overrides,
  }
}

/** An `update` message's room: the view without transcript and stats. */
export function anUpdate(room: RoomView): Omit<RoomView, 'transcript' | 'stats'> {
  const { transcript: _transcript, stats: _stats, ...rest } = room
  return rest
}
