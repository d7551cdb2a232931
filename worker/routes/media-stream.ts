/**
 * `GET /api/twilio/media-stream/:conferenceId`: the agent leg's Media Stream.
 * Twilio signs the upgrade (checked before anything else); the socket itself
 * is accepted by the conference's room.
 */
import { Hono } from 'hono'
import { roomFor } from '../conference/conference-id.ts'
import { type TwilioWebhookEnv, verifyTwilioSignature } from '../twilio/signature-middleware.ts'
import { conferenceIdParam, requireUpgrade } from './rooms.ts'

export const mediaStream = new Hono<TwilioWebhookEnv>().get(
  '/:conferenceId',
  verifyTwilioSignature,
  (c) => {
    requireUpgrade(c.req.header('Upgrade'))
    return roomFor(c.env, conferenceIdParam(c.req.param('conferenceId'))).fetch(c.req.raw)
  },
)
