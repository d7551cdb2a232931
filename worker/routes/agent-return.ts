/**
 * `POST /api/twilio/conferences/:id/agent`: brings the AI agent back into a conference it
 * has left (its conversation ended, it became unavailable, someone removed it), for the
 * people still on the call. The room lets the earlier leg go and issues a new leg token;
 * the new leg is added to the conference as the start adds the first one, and goes
 * through its TwiML, stream and bridge as that one did (conference/agent-return.ts).
 */
import { Hono } from 'hono'
import { callRoom, roomFor } from '../conference/conference-id.ts'
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
  // What Twilio answers is the room's to know (the leg's call, or why there is none): the
  // request's going away must not cut this short.
  await outlivingRequest(c, addAgent(c.env, twilio, conferenceId, back))
  return c.json({ room: await callRoom(c.env, conferenceId, (r) => r.view()) }, 201)
})

async function addAgent(
  env: Env,
  twilio: TwilioSettings,
  conferenceId: string,
  leg: { label: string; agentLegToken: string },
): Promise<void> {
  let created: TwilioParticipant
  try {
    created = await twilio.rest.createParticipant(conferenceId, agentLeg(twilio, conferenceId, leg))
  } catch (error) {
    const apiError = fromTwilioError(error, 'Bringing the agent back failed')
    await callRoom(env, conferenceId, (r) => r.agentReturnFailed(leg.label, apiError.message))
    throw apiError
  }
  // Asked of the room again if a deploy reset it meanwhile: both are safe to repeat.
  await callRoom(env, conferenceId, (r) =>
    r.participantCreated(
      { label: leg.label, kind: 'agent', callSid: created.callSid },
      created.conferenceSid,
    ),
  )
}
