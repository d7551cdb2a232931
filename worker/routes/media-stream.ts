/**
 * `GET /api/twilio/media-stream/:conferenceId`: the agent leg's Media Stream.
 * Twilio signs the upgrade (checked before anything else); the socket itself
 * is accepted by the conference's room.
 */
import { Hono } from 'hono'
import { ApiError } from '../api-error.ts'
import { isConferenceId, roomFor } from '../conference/conference-id.ts'
import { type TwilioWebhookEnv, verifyTwilioSignature } from '../twilio/signature-middleware.ts'

export const mediaStream = new Hono<TwilioWebhookEnv>().get(
  '/:conferenceId',
  verifyTwilioSignature,
  (c) => {
    if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      throw new ApiError(426, 'bad_request', 'This endpoint only accepts a WebSocket upgrade.')
    }
    const conferenceId = c.req.param('conferenceId')
    if (!isConferenceId(conferenceId)) throw new ApiError(404, 'not_found', 'No such conference.')
    return roomFor(c.env, conferenceId).fetch(c.req.raw)
  },
)
