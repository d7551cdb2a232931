/**
 * `POST /api/twilio/conferences/:id/agent`: brings the AI agent back into a conference it
 * has left (its conversation ended, it became unavailable, someone removed it), for the
 * people still on the call. The room lets the earlier leg go and issues a new leg token;
 * the new leg is added to the conference as the start adds the first one, and goes
 * through its TwiML, stream and bridge as that one did (conference/agent-return.ts).
 */
import { Hono } from 'hono'
import { roomFor } from '../conference/conference-id.ts'
import type { Env } from '../config.ts'
import type { Participant as TwilioParticipant } from '../twilio/rest-client.ts'
import { conferenceIdParam, roomError } from './rooms.ts'
import { fromTwilioError } from './twilio-errors.ts'
import { agentLeg, outlivingRequest, type TwilioSettings, twilioSettings } from './twilio-legs.ts'

/** Mounted at /api/twilio/conferences. */
export const agentReturn = new Hono<{ Bindings: Env }>().post('/:id/agent', async (c) => {
  const twilio = twilioSettings(c.env)
  const conferenceId = conferenceIdParam(c.req.param('id'))
  const room = roomFor(c.env, conferenceId)
  const back = await room.bringAgentBack()
  if (!back.ok) throw roomError(back)
  // A leg Twilio placed but the room never heard of would not be watched: the request's
  // going away must not cut this short.
  await outlivingRequest(c, addAgent(twilio, room, conferenceId, back))
  return c.json({ room: await room.view() }, 201)
})

async function addAgent(
  twilio: TwilioSettings,
  room: ReturnType<typeof roomFor>,
  conferenceId: string,
  leg: { label: string; agentLegToken: string },
): Promise<void> {
  let created: TwilioParticipant
  try {
    created = await twilio.rest.createParticipant(conferenceId, agentLeg(twilio, conferenceId, leg))
  } catch (error) {
    const apiError = fromTwilioError(error, 'Bringing the agent back failed')
    await room.agentReturnFailed(leg.label, apiError.message)
    throw apiError
  }
  await room.participantCreated(
    { label: leg.label, kind: 'agent', callSid: created.callSid },
    created.conferenceSid,
  )
}
