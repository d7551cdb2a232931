/**
 * What the routes share about reaching a conference's room: its id checked
 * before a room is touched, the agent a request names, the WebSocket upgrades
 * a room accepts, and the room's refusals as API errors.
 */
import { ApiError, quoted } from '../api-error.ts'
import { isConferenceId } from '../conference/conference-id.ts'
import type { RoomRefusal } from '../conference/room-result.ts'
import { type Env, elevenLabsApiBase, requireSettings } from '../config.ts'
import { AgentConnectError } from '../elevenlabs/agent-connect-error.ts'
import { getSignedUrl } from '../elevenlabs/agent-socket.ts'
import * as z from '../schema.ts'

/**
 * `agentId` in a request that starts a conversation (the server's default agent otherwise):
 * an ElevenLabs agent id (`agent_…`, or an older one of letters and digits). Anything else
 * (a space, a control or right-to-left character) could only be refused later, by
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

/** How long a start waits for ElevenLabs to confirm the agent before going on without it. */
const AGENT_CHECK_MS = 5000

/**
 * The agent a new conversation talks to, once ElevenLabs has confirmed it: an agent it
 * does not know, or a key it refuses, would leave the person connected to nobody, and a
 * Twilio call made for nothing. A check that cannot be made (ElevenLabs slow or down) lets
 * the start go on: the bridge tries again as the stream starts, and says why if it cannot.
 */
export async function agentFor(env: Env, requested: string | undefined): Promise<string> {
  const { ELEVENLABS_API_KEY: apiKey } = requireSettings(env, ['ELEVENLABS_API_KEY'])
  const agentId =
    requested ??
    (env.ELEVENLABS_AGENT_ID?.trim()
      ? requireSettings(env, ['ELEVENLABS_AGENT_ID']).ELEVENLABS_AGENT_ID
      : undefined)
  if (!agentId) {
    throw new ApiError(
      503,
      'not_configured',
      'ELEVENLABS_AGENT_ID is not set: add it to .dev.vars, or pass agentId.',
    )
  }
  try {
    await getSignedUrl({
      apiBase: elevenLabsApiBase(env),
      apiKey,
      agentId,
      timeoutMs: AGENT_CHECK_MS,
    })
  } catch (error) {
    // At the plan's limit, a start would place a Twilio call for an agent that cannot come.
    if (error instanceof AgentConnectError && error.code === 'concurrency_limit') {
      throw new ApiError(503, 'upstream_busy', error.message)
    }
    if (!(error instanceof AgentConnectError) || error.retryable || error.code === 'bad_response') {
      console.warn(`[start] could not confirm agent ${agentId}; starting anyway:`, String(error))
      return agentId
    }
    if (error.code === 'agent_not_found' && requested !== undefined) {
      throw new ApiError(
        400,
        'bad_request',
        `ElevenLabs has no agent ${quoted(agentId)}: check the agent id.`,
      )
    }
    throw new ApiError(503, 'not_configured', error.message)
  }
  return agentId
}

/** A conference the room does not have: never made, or its record freed after its end. */
export const conferenceGone = (): ApiError =>
  new ApiError(404, 'not_found', 'No such conference, or its record has been freed.')

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
