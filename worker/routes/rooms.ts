/**
 * What the routes share about reaching a conference's room: its id checked
 * before a room is touched, the agent a request names, the WebSocket upgrades
 * a room accepts, and the room's refusals as API errors.
 */
import { ApiError, quoted } from '../api-error.ts'
import { isConferenceId } from '../conference/conference-id.ts'
import type { RoomRefusal } from '../conference/room-result.ts'
import { type Env, requireSettings } from '../config.ts'
import * as z from '../schema.ts'

/** `agentId` in a request that starts a conversation; the server's default agent otherwise. */
/**
 * An ElevenLabs agent id (`agent_…`, or an older one of letters and digits): anything
 * else (a space, a control or right-to-left character) could only be refused later, by
 * ElevenLabs, as an agent it does not know.
 */
export const agentIdField = z.optional(
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(200),
      z.regex(/^[A-Za-z0-9_-]+$/, 'an agent id has only letters, digits, _ and -'),
    ),
)

/** The agent a new conversation talks to; both need ElevenLabs configured. */
export function agentFor(env: Env, requested: string | undefined): string {
  requireSettings(env, ['ELEVENLABS_API_KEY'])
  const agentId = requested ?? env.ELEVENLABS_AGENT_ID?.trim()
  if (!agentId) {
    throw new ApiError(
      503,
      'not_configured',
      'ELEVENLABS_AGENT_ID is not set: add it to .dev.vars, or pass agentId.',
    )
  }
  return agentId
}

export function conferenceIdParam(id: string): string {
  if (!isConferenceId(id)) throw new ApiError(404, 'not_found', `No conference ${quoted(id)}.`)
  return id
}

/** Sockets only: a plain request to a socket's route is told what the route is for. */
export function requireUpgrade(upgrade: string | undefined): void {
  if (upgrade?.toLowerCase() !== 'websocket') {
    throw new ApiError(426, 'upgrade_required', 'This endpoint only accepts a WebSocket upgrade.')
  }
}

const ROOM_ERROR_STATUS = {
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  participant_limit: 409,
} as const

export function roomError(result: RoomRefusal): ApiError {
  return new ApiError(ROOM_ERROR_STATUS[result.code], result.code, result.message)
}
