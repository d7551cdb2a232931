/**
 * Conference ids and the way to their room. An id is `conf-` and 20 random
 * base32 characters; it is the Twilio conference's friendly name and the name
 * of its ConferenceRoom, so anything else is refused before a room is touched.
 */
import { type Env, roomLocationHint } from '../config.ts'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const CONFERENCE_ID = /^conf-[a-z2-7]{20}$/

export function newConferenceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20))
  return `conf-${Array.from(bytes, (byte) => ALPHABET[byte & 31]).join('')}`
}

export const isConferenceId = (value: unknown): value is string =>
  typeof value === 'string' && CONFERENCE_ID.test(value)

/** The conference's room; the hint counts only where the room is first made. */
export const roomFor = (env: Env, conferenceId: string) =>
  env.CONFERENCE_ROOM.get(env.CONFERENCE_ROOM.idFromName(conferenceId), {
    locationHint: roomLocationHint(env),
  })

/** The room's stub, as `roomFor` gives it. */
type Room = ReturnType<typeof roomFor>

/**
 * Calls a room through a fresh stub, again when the runtime says the failure may pass:
 * an object reset (a deploy, the object moving) fails the calls under way with
 * `retryable` set, and the runtime does not retry a call that had reached the object.
 * Never when it is `overloaded`: more calls would make that worse. For what a lost call
 * cannot be made up for, and is safe to apply twice (Twilio's callbacks are applied in
 * SequenceNumber order, and Twilio sends none again).
 * https://developers.cloudflare.com/durable-objects/best-practices/error-handling/
 */
export async function callRoom<T>(
  env: Env,
  conferenceId: string,
  call: (room: Room) => Promise<T>,
  { attempts = 3, backoffMs = 100 } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // A stub that threw may stay broken: each attempt gets its own.
      return await call(roomFor(env, conferenceId))
    } catch (error) {
      const { retryable, overloaded } = (error ?? {}) as {
        retryable?: boolean
        overloaded?: boolean
      }
      if (attempt >= attempts || retryable !== true || overloaded === true) throw error
      await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)))
    }
  }
}
