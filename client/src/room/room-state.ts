/**
 * The page's copy of a conference room, kept up to date by a reducer: the
 * event socket's messages (a full snapshot, then updates without the
 * transcript, then transcript entries one by one) and the API's own answers.
 */
import type { ParticipantView, RoomEventMessage, RoomView } from '../api/wire.ts'
import { mergeTranscript } from './transcript-merge.ts'

export type RoomAction =
  | RoomEventMessage
  /** A whole view from the API (start or end): as good as a snapshot. */
  | { type: 'room'; room: RoomView }
  /** One participant as the API returned it after dialling, muting, holding or removing. */
  | { type: 'participant'; participant: ParticipantView }
  /** The API has no such conference any more: its record is freed an hour after it ended. */
  | { type: 'gone' }

export function roomReducer(room: RoomView, action: RoomAction): RoomView {
  switch (action.type) {
    case 'snapshot':
    case 'room':
      return action.room
    case 'update':
      return {
        ...action.room,
        transcript: room.transcript,
        ...(room.stats && { stats: room.stats }),
      }
    case 'transcript':
      return { ...room, transcript: mergeTranscript(room.transcript, action.entry) }
    case 'participant':
      return { ...room, participants: upsert(room.participants, action.participant) }
    case 'gone': {
      // Its record is kept an hour after the end: nobody is on a call it knows of now, so
      // nobody is shown on one (nor is ending it for them offered, which would do nothing).
      const participants = room.participants.map((p) =>
        p.status === 'left' || p.status === 'failed'
          ? p
          : { ...p, status: 'left' as const, speaking: false },
      )
      return {
        ...room,
        participants,
        ...(room.status !== 'ended' && {
          status: 'ended' as const,
          endedReason: 'the server no longer keeps its record',
          agent: { ...room.agent, speaking: false },
        }),
      }
    }
  }
}

/** How far along its call a participant is: it only moves on, never back. */
const PROGRESS: Record<ParticipantView['status'], number> = {
  dialing: 0,
  ringing: 1,
  joined: 2,
  left: 3,
  failed: 3,
}

function upsert(participants: ParticipantView[], participant: ParticipantView): ParticipantView[] {
  const index = participants.findIndex((p) => p.label === participant.label)
  const current = participants[index]
  if (!current) return [...participants, participant]
  // The API's answer may come after the event socket told of what followed (a dialled
  // phone already ringing, a muted one already gone): it does not take the call back.
  const older =
    current.callSid === participant.callSid &&
    PROGRESS[participant.status] < PROGRESS[current.status]
  return older ? participants : participants.with(index, participant)
}

/** A message from the event socket, or undefined when it is not one we understand. */
export function parseRoomEvent(data: string): RoomEventMessage | undefined {
  let message: unknown
  try {
    message = JSON.parse(data)
  } catch {
    return undefined
  }
  if (typeof message !== 'object' || message === null) return undefined
  const { type } = message as { type?: unknown }
  if ((type === 'snapshot' || type === 'update') && 'room' in message) {
    return message as RoomEventMessage
  }
  if (type === 'transcript' && 'entry' in message) return message as RoomEventMessage
  return undefined
}

export const isLive = (room: Pick<RoomView, 'status'>): boolean => room.status !== 'ended'
