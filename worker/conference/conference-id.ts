/**
 * Conference ids and the way to their room. An id is `conf-` and 20 random
 * base32 characters; it is the Twilio conference's friendly name and the name
 * of its ConferenceRoom, so anything else is refused before a room is touched.
 */
import type { Env } from '../config.ts'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const CONFERENCE_ID = /^conf-[a-z2-7]{20}$/

export function newConferenceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20))
  return `conf-${Array.from(bytes, (byte) => ALPHABET[byte & 31]).join('')}`
}

export const isConferenceId = (value: unknown): value is string =>
  typeof value === 'string' && CONFERENCE_ID.test(value)

export const roomFor = (env: Env, conferenceId: string) =>
  env.CONFERENCE_ROOM.get(env.CONFERENCE_ROOM.idFromName(conferenceId))
