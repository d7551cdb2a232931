/**
 * The JSON API for conferences: start one (the agent joins through a TwiML
 * App leg), add and manage participants, read its state, follow it live over
 * a WebSocket, and end it. Twilio is asked to make and change calls here; the room
 * keeps the state, and asks Twilio itself only about what it must follow up on its own
 * (lost callbacks, phones still ringing at the end, a rejoining page's earlier leg).
 */
import { Hono } from 'hono'
import { ApiError } from '../api-error.ts'
import { RING_TIMEOUT_S } from '../conference/alarm-schedule.ts'
import { newConferenceId, roomFor } from '../conference/conference-id.ts'
import type { RoomView } from '../conference/room-record.ts'
import { isActive, isDialPending } from '../conference/roster.ts'
import {
  dialAllowlist,
  type Env,
  maxParticipants,
  requireSettings,
  twilioRestClient,
  webhookBaseUrl,
} from '../config.ts'
import * as z from '../schema.ts'
import { initiationProblems } from '../settings.ts'
import {
  type CreateParticipantParams,
  isTwilioNotFound,
  type TwilioRestClient,
} from '../twilio/rest-client.ts'
import { CONFERENCE_STATUS_EVENTS } from '../twilio/twiml.ts'
import { agentFor, agentIdField, conferenceIdParam, requireUpgrade, roomError } from './rooms.ts'
import { fromTwilioError } from './twilio-errors.ts'
import { validate } from './validation.ts'

const startBody = z.object({
  agentId: agentIdField,
  phoneNumber: z.optional(z.string().check(z.maxLength(64))),
})
const dialBody = z.object({ phoneNumber: z.string().check(z.maxLength(64)) })
const updateBody = z
  .object({ muted: z.optional(z.boolean()), hold: z.optional(z.boolean()) })
  .check(
    z.refine(
      (body) => body.muted !== undefined || body.hold !== undefined,
      'give muted and/or hold',
    ),
  )

export const conferences = new Hono<{ Bindings: Env }>()
  .post('/start-conference', validate('json', startBody), async (c) => {
    const twilio = twilioSettings(c.env)
    const body = c.req.valid('json')
    const agentId = agentFor(c.env, body.agentId)
    const dial =
      body.phoneNumber === undefined ? undefined : await checkedNumber(c.env, body.phoneNumber)
    const conferenceId = newConferenceId()
    const room = roomFor(c.env, conferenceId)
    const created = await room.create({ conferenceId, agentId })
    if (!created.ok) throw roomError(created)
    try {
      const agent = await twilio.rest.createParticipant(conferenceId, {
        ...legDefaults(twilio, conferenceId, 'agent'),
        to: `app:${twilio.appSid}`,
        customParameters: { conferenceId, role: 'agent', legToken: created.agentLegToken },
        label: 'agent',
      })
      await room.participantCreated(
        { label: 'agent', kind: 'agent', callSid: agent.callSid },
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
    if (!view)
      throw new ApiError(404, 'not_found', 'No such conference, or its record has been freed.')
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
    if (!view)
      throw new ApiError(404, 'not_found', 'No such conference, or its record has been freed.')
    // Ended, unless ending it on Twilio failed and people may still be in it: then try again.
    const stillIn = view.participants.some((p) => p.status === 'joined')
    if (view.status === 'ended' && !stillIn) return c.json(view)
    // A local call has nothing on Twilio to end.
    const twilioError = view.local ? undefined : await endOnTwilio(c.env, view)
    await room.end('ended through the API', { stillOnTwilio: twilioError !== undefined })
    if (twilioError) throw twilioError
    return c.json(await room.view())
  })
  .post('/conferences/:id/participants', validate('json', dialBody), async (c) => {
    const twilio = twilioSettings(c.env)
    const conferenceId = conferenceIdParam(c.req.param('id'))
    const dial = await checkedNumber(c.env, c.req.valid('json').phoneNumber)
    const dialled = await outlivingRequest(c, dialPhone(c.env, twilio, conferenceId, dial))
    if (!dialled.ok) throw dialled.error
    return c.json({ participant: dialled.participant }, 201)
  })
  .post('/conferences/:id/participants/:callSid', validate('json', updateBody), async (c) => {
    const { rest } = twilioSettings(c.env)
    const { room, conferenceSid, callSid } = await liveParticipant(
      c.env,
      c.req.param('id'),
      c.req.param('callSid'),
    )
    const flags = c.req.valid('json')
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
  .delete('/conferences/:id/participants/:callSid', async (c) => {
    const { rest } = twilioSettings(c.env)
    const id = c.req.param('id')
    const callSid = c.req.param('callSid')
    const { room, view, participant } = await knownParticipant(c.env, id, callSid)
    // Whether this took them out: one who had hung up a moment before was not removed.
    let removed = true
    try {
      // A phone still ringing is not in the conference yet: calling it off is hanging up
      // its call ("completed" ends a call in any state, "canceled" only one not answered,
      // which it may be by now). https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource
      if (isDialPending(participant)) {
        // Gone from Twilio already (it stopped ringing a moment ago): called off all the same.
        await rest.updateCall(callSid, { status: 'completed' }).catch((error: unknown) => {
          if (!isTwilioNotFound(error)) throw error
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

/** Completes the conference on Twilio; a failure is returned, for after the room is closed. */
async function endOnTwilio(env: Env, view: RoomView): Promise<ApiError | undefined> {
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
      if (!isTwilioNotFound(error)) failure ??= error
    }
  }
  return failure === undefined ? undefined : fromTwilioError(failure, action)
}

interface TwilioSettings {
  rest: TwilioRestClient
  appSid: string
  phoneNumber: string
  webhookBase: string
}

function twilioSettings(env: Env): TwilioSettings {
  const s = requireSettings(env, [
    'TWILIO_ACCOUNT_SID',
    'TWILIO_API_KEY',
    'TWILIO_API_SECRET',
    'TWILIO_TWIML_APP_SID',
    'TWILIO_PHONE_NUMBER',
    'WEBHOOK_BASE_URL',
  ])
  return {
    rest: twilioRestClient(env),
    appSid: s.TWILIO_TWIML_APP_SID,
    phoneNumber: s.TWILIO_PHONE_NUMBER,
    webhookBase: webhookBaseUrl(env),
  }
}

/** What every leg we dial shares: caller id, callbacks, and a quiet, already-started conference. */
function legDefaults(
  twilio: TwilioSettings,
  conferenceId: string,
  label: string,
): Omit<CreateParticipantParams, 'to'> {
  // The label rides on the call's callbacks: the first may come before the REST answer
  // that tells the room the leg's CallSid.
  const callStatus = new URLSearchParams({ conferenceId, label })
  return {
    from: twilio.phoneNumber,
    beep: false,
    waitUrl: '',
    startConferenceOnEnter: true,
    endConferenceOnExit: false,
    statusCallback: `${twilio.webhookBase}/api/twilio/status/call?${callStatus}`,
    statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    conferenceStatusCallback: `${twilio.webhookBase}/api/twilio/status/conference`,
    conferenceStatusCallbackEvent: CONFERENCE_STATUS_EVENTS,
  }
}

async function checkedNumber(env: Env, phoneNumber: string): Promise<string> {
  // Loaded on the first dial, not with the worker. libphonenumber-js's metadata holds
  // 0.46 MB of heap in every isolate that evaluates it, and an isolate that only carries
  // rooms never dials. What an isolate keeps raises the size V8 lets its heap reach before
  // the next full collection, which stops every call in it (docs/bridge-bench.md, "The tail").
  // The bundle stays one file: esbuild evaluates the module lazily, in place.
  const { checkDialTarget } = await import('../conference/dialing.ts')
  const check = checkDialTarget(phoneNumber, dialAllowlist(env))
  if (!check.ok)
    throw new ApiError(check.code === 'dial_not_allowed' ? 403 : 400, check.code, check.message)
  return check.e164
}

/**
 * Lets `work` finish when the request that started it goes away (the page closed, or lost
 * its connection): the runtime cancels a request's work when its client disconnects,
 * and a dial Twilio made but the room never heard of would ring on unknown to it.
 * https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil
 */
function outlivingRequest<T>(
  c: { executionCtx: Pick<ExecutionContext, 'waitUntil'> },
  work: Promise<T>,
): Promise<T> {
  c.executionCtx.waitUntil(work.then(noop, noop))
  return work
}

const noop = () => undefined

/** Reserves a place in the room, then dials; a failed dial leaves a failed participant behind. */
async function dialPhone(env: Env, twilio: TwilioSettings, conferenceId: string, e164: string) {
  const room = roomFor(env, conferenceId)
  const reserved = await room.reserveDial(e164, maxParticipants(env))
  if (!reserved.ok) return { ok: false as const, error: roomError(reserved) }
  try {
    const created = await twilio.rest.createParticipant(conferenceId, {
      ...legDefaults(twilio, conferenceId, reserved.label),
      to: e164,
      label: reserved.label,
      timeout: RING_TIMEOUT_S,
      // Twilio's default (true) plays the callee's ringing and any carrier message ("the
      // number you have dialled...") into the conference, where the agent takes it for
      // speech: it can cut the agent off or get an answer. The page shows the ringing.
      earlyMedia: false,
    })
    await room.participantCreated(
      { label: reserved.label, kind: 'phone', callSid: created.callSid, phoneNumber: e164 },
      created.conferenceSid,
    )
    return { ok: true as const, participant: await room.participant(reserved.label) }
  } catch (error) {
    const apiError = fromTwilioError(error, `Calling ${e164} failed`)
    await room.participantFailed(reserved.label, apiError.message)
    return { ok: false as const, error: apiError }
  }
}

/** A participant the room shows in a conference that has not ended, by its CallSid. */
async function knownParticipant(env: Env, id: string, callSid: string) {
  const room = roomFor(env, conferenceIdParam(id))
  const view = await room.view()
  if (!view || view.status === 'ended')
    throw new ApiError(404, 'not_found', 'No such conference, or it has ended.')
  const participant = view.participants.find((p) => p.callSid === callSid)
  if (!participant)
    throw new ApiError(404, 'not_found', `No participant ${callSid} in this conference.`)
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
  const { room, view } = await knownParticipant(env, id, callSid)
  return { room, conferenceSid: startedConferenceSid(view), callSid }
}
