/**
 * The JSON API for conferences: start one (the agent joins through a TwiML App leg, and a
 * phone may be dialled with it), read its state, follow it live over a WebSocket, and end
 * it; its participants' routes are routes/participants.ts. Twilio is asked to make and
 * end calls here; the room keeps the state, and asks Twilio itself only about what it
 * must follow up on its own (lost callbacks, phones still ringing at the end, a rejoining
 * page's earlier leg).
 */
import { Hono } from 'hono'
import type { ApiError } from '../api-error.ts'
import { newConferenceId, roomFor } from '../conference/conference-id.ts'
import type { RoomView } from '../conference/room-record.ts'
import { FIRST_AGENT_LABEL, isActive } from '../conference/roster.ts'
import type { Env } from '../config.ts'
import * as z from '../schema.ts'
import { initiationProblems } from '../settings.ts'
import type { TwilioRestClient } from '../twilio/rest-client.ts'
import { isTwilioCallOver } from '../twilio/rest-errors.ts'
import {
  agentFor,
  agentIdField,
  conferenceGone,
  conferenceIdParam,
  requireUpgrade,
  roomError,
} from './rooms.ts'
import { fromTwilioError } from './twilio-errors.ts'
import {
  agentLeg,
  checkedNumber,
  dialPhone,
  outlivingRequest,
  twilioSettings,
} from './twilio-legs.ts'
import { validate } from './validation.ts'

const startBody = z.object({
  agentId: agentIdField,
  phoneNumber: z.optional(z.string().check(z.maxLength(64))),
})

export const conferences = new Hono<{ Bindings: Env }>()
  .post('/start-conference', validate('json', startBody), async (c) => {
    const twilio = twilioSettings(c.env)
    const body = c.req.valid('json')
    // The number first: its check is local, the agent's a round trip to ElevenLabs.
    const dial =
      body.phoneNumber === undefined ? undefined : await checkedNumber(c.env, body.phoneNumber)
    const agentId = await agentFor(c.env, body.agentId)
    const conferenceId = newConferenceId()
    const room = roomFor(c.env, conferenceId)
    const created = await room.create({ conferenceId, agentId })
    if (!created.ok) throw roomError(created)
    try {
      const label = FIRST_AGENT_LABEL
      const agent = await twilio.rest.createParticipant(
        conferenceId,
        agentLeg(twilio, conferenceId, { label, agentLegToken: created.agentLegToken }),
      )
      await room.participantCreated(
        { label, kind: 'agent', callSid: agent.callSid },
        agent.conferenceSid,
      )
    } catch (error) {
      await room.end('the agent could not be added')
      throw fromTwilioError(error, 'Adding the agent to the conference failed')
    }
    const warnings = initiationProblems(c.env)
    if (dial) {
      const dialled = await outlivingRequest(c, dialPhone(c.env, twilio, conferenceId, dial))
      if (!dialled.ok) warnings.push(dialled.error.message)
    }
    return c.json({ conferenceId, room: await room.view(), warnings }, 201)
  })
  .get('/conferences/:id', async (c) => {
    const view = await roomFor(c.env, conferenceIdParam(c.req.param('id'))).view()
    if (!view) throw conferenceGone()
    return c.json(view)
  })
  .get('/conferences/:id/events', (c) => {
    requireUpgrade(c.req.header('Upgrade'))
    return roomFor(c.env, conferenceIdParam(c.req.param('id'))).fetch(c.req.raw)
  })
  .delete('/conferences/:id', async (c) => {
    const conferenceId = conferenceIdParam(c.req.param('id'))
    const room = roomFor(c.env, conferenceId)
    const view = await room.view()
    if (!view) throw conferenceGone()
    // Ended, unless ending it on Twilio failed and people may still be in it: then try again.
    const stillIn = view.participants.some((p) => p.status === 'joined')
    if (view.status === 'ended' && !stillIn) return c.json(view)
    // A local call has nothing on Twilio to end.
    const twilioError = view.local ? undefined : await endOnTwilio(c.env, view)
    await room.end('it was ended for everyone', { stillOnTwilio: twilioError !== undefined })
    if (twilioError) throw twilioError
    return c.json(await room.view())
  })

/** Completes the conference on Twilio; a failure is returned, for after the room is closed. */
export async function endOnTwilio(env: Env, view: RoomView): Promise<ApiError | undefined> {
  const action =
    'The room is closed and the agent disconnected, but ending the call on Twilio failed (ending it again tries again)'
  let rest: TwilioRestClient
  try {
    rest = twilioSettings(env).rest
  } catch (error) {
    return fromTwilioError(error, action)
  }
  const { conferenceSid } = view
  // Until Twilio has reported the conference, its legs we know are ended one by one.
  const ends = conferenceSid
    ? [() => rest.completeConference(conferenceSid)]
    : view.participants.flatMap(({ callSid, status }) =>
        callSid && isActive({ status })
          ? [() => rest.updateCall(callSid, { status: 'completed' })]
          : [],
      )
  let failure: unknown
  for (const end of ends) {
    try {
      await end()
    } catch (error) {
      // Twilio has it no more: it has ended already, which is what was asked.
      if (!isTwilioCallOver(error)) failure ??= error
    }
  }
  return failure === undefined ? undefined : fromTwilioError(failure, action)
}
