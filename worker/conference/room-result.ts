/**
 * What the room's RPC methods answer: a result, or a refusal with a code the routes turn
 * into an HTTP status (routes/rooms.ts) and a message meant for the person who asked.
 */

export type RoomResult<T = object> = ({ ok: true } & T) | RoomRefusal

export interface RoomRefusal {
  ok: false
  code: 'not_found' | 'conflict' | 'forbidden' | 'participant_limit'
  message: string
}

export const notFound = (what = 'conference'): RoomRefusal & { code: 'not_found' } => ({
  ok: false,
  code: 'not_found',
  message:
    what === 'conference'
      ? 'No such conference, or it has ended.'
      : `No such ${what} in this conference.`,
})

export const participantLimit = (present: number, max: number): RoomRefusal => ({
  ok: false,
  code: 'participant_limit',
  message: `This conference already has ${present} participants, the most it allows (MAX_PARTICIPANTS=${max}).`,
})
