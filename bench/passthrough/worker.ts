/**
 * The bridge benchmark's floor: the real worker's media-stream route (a
 * Twilio-signed WebSocket upgrade, checked over the wss:// form of
 * WEBHOOK_BASE_URL, forwarded to one Durable Object per conference) in front
 * of a room that only relays (relay-room.ts). What our bridge costs beyond
 * this is the price of its logic. `GET /bench/logic` runs the logic
 * benchmark's loop (logic.ts) in this isolate.
 */
import { Hono } from 'hono'
import { isValidTwilioSignature } from '../../worker/twilio/signature.ts'
import { LOGIC_CASES, type LogicCase, runLogic } from './logic.ts'
import type { RelayEnv } from './workerd.ts'

export { RelayRoom } from './relay-room.ts'

export default new Hono<{ Bindings: RelayEnv }>()
  .get('/bench/logic', (c) => {
    const which = c.req.query('case') as LogicCase
    const frames = Number(c.req.query('frames'))
    if (!LOGIC_CASES.includes(which) || !(frames > 0)) {
      return c.json({ error: `case must be one of ${LOGIC_CASES.join(', ')}, frames > 0` }, 400)
    }
    return c.json(runLogic(which, frames))
  })
  .get('/api/twilio/media-stream/:conferenceId', async (c) => {
    const url = `${c.env.WEBHOOK_BASE_URL.replace(/^http/, 'ws')}${new URL(c.req.url).pathname}`
    const signature = c.req.header('x-twilio-signature') ?? ''
    if (!(await isValidTwilioSignature(c.env.TWILIO_AUTH_TOKEN, signature, url))) {
      return c.text('The X-Twilio-Signature does not match.', 403)
    }
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return c.text('This endpoint only accepts a WebSocket upgrade.', 426)
    }
    const rooms = c.env.RELAY_ROOM
    return rooms.get(rooms.idFromName(c.req.param('conferenceId'))).fetch(c.req.raw)
  })
