/**
 * Twilio's status callbacks, signature-checked: conference events (joins,
 * leaves, mute, hold, speech), call progress of the legs we dial, and the
 * agent stream's events. Each goes to its conference's room, which applies it
 * in sequence order. Always 204 for a signed request, so Twilio's debugger
 * stays quiet about conferences that have already been freed. Twilio does not send a
 * callback again, so a call the room's reset failed is made again (callRoom).
 */
import { Hono } from 'hono'
import { callRoom, isConferenceId } from '../conference/conference-id.ts'
import { type TwilioWebhookEnv, verifyTwilioSignature } from '../twilio/signature-middleware.ts'

/**
 * The callback's parameters, the first of any given twice (Twilio gives none twice): as
 * `URLSearchParams.get` reads them for the TwiML routes, so no two routes read one
 * request differently.
 */
const firstValues = (params: URLSearchParams): Record<string, string> =>
  Object.fromEntries([...new Set(params.keys())].map((key) => [key, params.get(key) ?? '']))

export const status = new Hono<TwilioWebhookEnv>()
  .use(verifyTwilioSignature)
  .post('/conference', async (c) => {
    const params = firstValues(c.get('twilioParams'))
    // The conference's friendly name is our conference id.
    if (isConferenceId(params.FriendlyName)) {
      await callRoom(c.env, params.FriendlyName, (room) => room.conferenceEvent(params))
    }
    return c.body(null, 204)
  })
  .post('/call', async (c) => {
    const conferenceId = c.req.query('conferenceId')
    if (isConferenceId(conferenceId)) {
      const params = firstValues(c.get('twilioParams'))
      const label = c.req.query('label')
      await callRoom(c.env, conferenceId, (room) => room.callEvent(params, label))
    }
    return c.body(null, 204)
  })
  .post('/stream', async (c) => {
    const conferenceId = c.req.query('conferenceId')
    if (isConferenceId(conferenceId)) {
      const params = firstValues(c.get('twilioParams'))
      await callRoom(c.env, conferenceId, (room) => room.streamEvent(params))
    }
    return c.body(null, 204)
  })
