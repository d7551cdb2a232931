/**
 * The JSON API for a conference's participants: dial a phone into it, mute or hold
 * someone, and remove someone (or call off a phone still ringing). A dial holds its place
 * in the room before Twilio is asked; a change or a removal is asked of Twilio first.
 * Either way the room records what Twilio did.
 */
import { Hono } from 'hono'
import { ApiError, quoted } from '../api-error.ts'
import { roomFor } from '../conference/conference-id.ts'
import type { RoomView } from '../conference/room-record.ts'
import { isDialPending } from '../conference/roster.ts'
import type { Env } from '../config.ts'
import * as z from '../schema.ts'
import { isTwilioCallOver, isTwilioNotFound } from '../twilio/rest-errors.ts'
import { conferenceIdParam, roomError } from './rooms.ts'
import { fromTwilioError } from './twilio-errors.ts'
import { checkedNumber, dialPhone, outlivingRequest, twilioSettings } from './twilio-legs.ts'
import { validate } from './validation.ts'

const dialBody = z.object({ phoneNumber: z.string().check(z.maxLength(64)) })
const updateBody = z
  .object({ muted: z.optional(z.boolean()), hold: z.optional(z.boolean()) })
  .check(
    z.refine(
      (body) => body.muted !== undefined || body.hold !== undefined,
      'give muted and/or hold',
    ),
  )

/** Mounted at /api/twilio/conferences. */
export const participants = new Hono<{ Bindings: Env }>()
  .post('/:id/participants', validate('json', dialBody), async (c) => {
    const twilio = twilioSettings(c.env)
    const conferenceId = conferenceIdParam(c.req.param('id'))
    const dial = await checkedNumber(c.env, c.req.valid('json').phoneNumber)
    const dialled = await outlivingRequest(c, dialPhone(c.env, twilio, conferenceId, dial))
    if (!dialled.ok) throw dialled.error
    return c.json({ participant: dialled.participant }, 201)
  })
  .post('/:id/participants/:callSid', validate('json', updateBody), async (c) => {
    const flags = c.req.valid('json')
    const { room, participant, conferenceSid, callSid } = await liveParticipant(
      c.env,
      c.req.param('id'),
      c.req.param('callSid'),
    )
    // Twilio plays hold music to a held participant (Participant resource, HoldUrl), and the
    // agent would take it for speech and answer it.
    if (participant.kind === 'agent' && flags.hold) {
      throw new ApiError(
        409,
        'conflict',
        'The agent cannot be put on hold: it would hear the hold music and answer it. Mute it instead.',
      )
    }
    const { rest } = twilioSettings(c.env)
    try {
      await rest.updateParticipant(conferenceSid, callSid, flags)
    } catch (error) {
      if (isTwilioNotFound(error)) {
        throw new ApiError(
          404,
          'not_found',
          'Twilio no longer has this participant in the conference: they have most likely just left.',
        )
      }
      throw fromTwilioError(error, 'Updating the participant failed')
    }
    const updated = await room.participantUpdated(callSid, flags)
    if (!updated.ok) throw roomError(updated)
    return c.json({ participant: await room.participant(callSid) })
  })
  .delete('/:id/participants/:callSid', async (c) => {
    const id = c.req.param('id')
    const callSid = c.req.param('callSid')
    const { room, view, participant } = await knownParticipant(c.env, id, callSid)
    const { rest } = twilioSettings(c.env)
    // Whether this took them out: one who had hung up a moment before was not removed.
    let removed = true
    try {
      // A phone still ringing is not in the conference yet: calling it off is hanging up
      // its call ("completed" ends a call in any state, "canceled" only one not answered,
      // which it may be by now). https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource
      if (isDialPending(participant)) {
        // Gone from Twilio already (it stopped ringing a moment ago): called off all the same.
        await rest.updateCall(callSid, { status: 'completed' }).catch((error: unknown) => {
          if (!isTwilioCallOver(error)) throw error
        })
      } else {
        removed = await rest.removeParticipant(startedConferenceSid(view), callSid)
      }
    } catch (error) {
      if (error instanceof ApiError) throw error
      throw fromTwilioError(error, 'Removing the participant failed')
    }
    await room.participantRemoved(callSid, removed)
    return c.json({ participant: await room.participant(callSid) })
  })

/** A participant the room shows in a Twilio conference that has not ended, by its CallSid. */
async function knownParticipant(env: Env, id: string, callSid: string) {
  const room = roomFor(env, conferenceIdParam(id))
  const view = await room.view()
  if (!view || view.status === 'ended')
    throw new ApiError(404, 'not_found', 'No such conference, or it has ended.')
  // Its page and agent are in no Twilio conference (the page's CallSid is made up).
  if (view.local) {
    throw new ApiError(409, 'conflict', 'A local call has no Twilio participants to control.')
  }
  const participant = view.participants.find((p) => p.callSid === callSid)
  if (!participant)
    throw new ApiError(404, 'not_found', `No participant ${quoted(callSid)} in this conference.`)
  return { room, view, participant }
}

/** The conference's CF sid, which Twilio gives once it has started it. */
function startedConferenceSid(view: RoomView): string {
  if (!view.conferenceSid) {
    throw new ApiError(
      409,
      'conflict',
      'Twilio has not started this conference yet; try again in a moment.',
    )
  }
  return view.conferenceSid
}

/** A participant of a conference Twilio has started, addressed by its CallSid. */
async function liveParticipant(env: Env, id: string, callSid: string) {
  const { room, view, participant } = await knownParticipant(env, id, callSid)
  return { room, participant, conferenceSid: startedConferenceSid(view), callSid }
}
