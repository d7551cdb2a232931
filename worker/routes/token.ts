/**
 * `GET /api/twilio/token`: a Twilio Voice access token for the page's Device,
 * allowed to call the TwiML App (which puts the caller into a conference) and
 * nothing more: no incoming grant, since the page never receives calls.
 */
import { Hono } from 'hono'
import { accessTokenTtlSeconds, type Env, requireSettings } from '../config.ts'
import * as z from '../schema.ts'
import { createAccessToken, isValidIdentity, newIdentity } from '../twilio/access-token.ts'
import { validate } from './validation.ts'

const query = z.object({
  identity: z.optional(
    z.string().check(z.refine(isValidIdentity, 'must be 1 to 121 letters, digits or underscores')),
  ),
})

export const token = new Hono<{ Bindings: Env }>().get('/', validate('query', query), async (c) => {
  const settings = requireSettings(c.env, [
    'TWILIO_ACCOUNT_SID',
    'TWILIO_API_KEY',
    'TWILIO_API_SECRET',
    'TWILIO_TWIML_APP_SID',
  ])
  const identity = c.req.valid('query').identity ?? newIdentity()
  const { token, expiresAt } = await createAccessToken({
    accountSid: settings.TWILIO_ACCOUNT_SID,
    apiKey: settings.TWILIO_API_KEY,
    apiSecret: settings.TWILIO_API_SECRET,
    identity,
    ttlSeconds: accessTokenTtlSeconds(c.env),
    outgoingApplicationSid: settings.TWILIO_TWIML_APP_SID,
    // The page only places calls (Device.connect) and never registers to receive one.
    incomingAllow: false,
  })
  return c.json({ token, identity, expiresAt })
})
