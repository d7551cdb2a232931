/**
 * Local calls: the page talks to the agent without Twilio. The page plays
 * Twilio's part itself: it opens the room's media stream and speaks the Media
 * Streams protocol over it, its microphone as the caller, so the room, the
 * bridge and the agent socket run exactly as they do for a phone call.
 *
 * - `POST /api/local/conversations` `{ agentId? }` -> 201 `{ conferenceId, streamToken, room,
 *   warnings }`
 * - `GET /api/local/media-stream/:conferenceId`: the page's stream (WebSocket upgrade);
 *   its `start` must carry the one-time `streamToken` as a custom parameter.
 *
 * No Twilio signature can guard this stream, so it is off unless LOCAL_CALLS=true,
 * which `npm run dev` sets when Twilio is not configured. The one-time stream token
 * still ties a stream to its room, and APP_ACCESS_KEY still applies (see index.ts).
 */
import { Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import { ApiError } from '../api-error.ts'
import { newConferenceId, roomFor } from '../conference/conference-id.ts'
import { type Env, localCallsEnabled } from '../config.ts'
import * as z from '../schema.ts'
import { initiationProblems } from '../settings.ts'
import { agentFor, agentIdField, conferenceIdParam, requireUpgrade, roomError } from './rooms.ts'
import { validate } from './validation.ts'

const startBody = z.object({ agentId: agentIdField })

const requireLocalCalls = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  if (!localCallsEnabled(c.env)) {
    throw new ApiError(
      404,
      'not_found',
      'Local calls are off: set LOCAL_CALLS=true in .dev.vars (npm run dev does when Twilio is not configured).',
    )
  }
  await next()
})

export const localCalls = new Hono<{ Bindings: Env }>()
  .use(requireLocalCalls)
  .post('/conversations', validate('json', startBody), async (c) => {
    const agentId = await agentFor(c.env, c.req.valid('json').agentId)
    const conferenceId = newConferenceId()
    const room = roomFor(c.env, conferenceId)
    const created = await room.createLocal({ conferenceId, agentId })
    if (!created.ok) throw roomError(created)
    return c.json(
      {
        conferenceId,
        streamToken: created.streamToken,
        room: await room.view(),
        warnings: initiationProblems(c.env),
      },
      201,
    )
  })
  .get('/media-stream/:conferenceId', (c) => {
    requireUpgrade(c.req.header('Upgrade'))
    return roomFor(c.env, conferenceIdParam(c.req.param('conferenceId'))).fetch(c.req.raw)
  })
