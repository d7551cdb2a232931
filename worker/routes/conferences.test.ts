import {
  abortAllDurableObjects,
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import type { Fault } from '../../devtools/twilio-standin/control.ts'
import {
  AGENT_LEG_CHECK_MS,
  AGENT_LEG_LOOKS,
  AGENT_LEG_RECHECK_MS,
} from '../conference/agent-leg-watch.ts'
import {
  DIAL_CHECK_MS,
  DIAL_GIVE_UP_MS,
  DIAL_RECHECK_MS,
  EMPTY_CONFIRMED_MS,
  EMPTY_ROOM_MS,
  HANG_UP_RETRY_MS,
  PRESENCE_CHECK_MS,
  RETENTION_MS,
} from '../conference/alarm-schedule.ts'
import { roomFor } from '../conference/conference-id.ts'
import type { ParticipantView, RoomRecord, RoomView } from '../conference/room-record.ts'
import { MAX_KEPT } from '../conference/roster.ts'
import { twilioRestClient } from '../config.ts'
import app from '../index.ts'
import {
  alarmAfter,
  answerAgentLeg,
  api,
  apiWith,
  elevenLabs,
  openStream,
  pageUpgrade,
  registerAgent,
  startConference,
  twilio,
} from '../testing/conference-call.ts'
import { eventually } from '../testing/eventually.ts'
import { resettingRooms } from '../testing/resetting-rooms.ts'
import {
  conferenceCallback,
  hostJoins,
  participantJoins,
  twilioPost,
} from '../testing/twilio-requests.ts'
import { endOnTwilio } from './conferences.ts'
import { dialPhone, twilioSettings } from './twilio-legs.ts'

const json = (res: Response) => res.json() as Promise<Record<string, unknown>>

/** Adds a phone participant; with `overrides`, through the worker with those settings. */
const dial = (conferenceId: string, phoneNumber: string, overrides?: Partial<typeof env>) => {
  const path = `/api/twilio/conferences/${conferenceId}/participants`
  return overrides
    ? apiWith(overrides, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber }),
      })
    : api(path, { json: { phoneNumber } })
}

describe('POST /api/twilio/start-conference', () => {
  it('creates the room and adds the agent through the TwiML App, quietly', async () => {
    const agentId = await registerAgent()
    const res = await api('/api/twilio/start-conference', { json: { agentId } })
    expect(res.status).toBe(201)
    const body = await json(res)
    expect(body.conferenceId).toMatch(/^conf-[a-z2-7]{20}$/)
    const [create] = await twilio().requests({
      conference: String(body.conferenceId),
      method: 'POST',
    })
    expect(create?.principal).toBe(env.TWILIO_API_KEY)
    expect(create?.form).toMatchObject({
      From: [env.TWILIO_PHONE_NUMBER],
      Label: ['agent'],
      Beep: ['false'],
      WaitUrl: [''],
      StartConferenceOnEnter: ['true'],
      EndConferenceOnExit: ['false'],
      ConferenceStatusCallbackEvent: ['start', 'end', 'join', 'leave', 'mute', 'hold', 'speaker'],
    })
    const to = new URL(create?.form.To?.[0]?.replace('app:', 'app://') ?? '')
    expect(to.host.toUpperCase()).toBe(env.TWILIO_TWIML_APP_SID?.toUpperCase())
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      conferenceId: body.conferenceId,
      role: 'agent',
    })
    expect(to.searchParams.get('legToken')).toMatch(/^[\w-]{43}$/)
    expect(body.room).toMatchObject({
      status: 'created',
      participants: [{ label: 'agent', kind: 'agent' }],
    })
  })

  it('refuses to start with an agent ElevenLabs does not know, before any call is made', async () => {
    const start = (overrides: Partial<typeof env>, body: object) =>
      apiWith(overrides, '/api/twilio/start-conference', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    // No Twilio to reach: a call attempted would answer 502, not the refusal.
    const noTwilio = { TWILIO_API_BASE: 'http://127.0.0.1:9' }
    const named = await start(noTwilio, { agentId: 'agent_nobody_has_this_one' })
    expect(named.status).toBe(400)
    expect(await json(named)).toEqual({
      error: {
        code: 'bad_request',
        message: 'ElevenLabs has no agent "agent_nobody_has_this_one": check the agent id.',
      },
    })
    // The server's own default unknown: its operator has something to fix.
    const byDefault = await start({ ...noTwilio, ELEVENLABS_AGENT_ID: 'agent_gone_too' }, {})
    expect(byDefault.status).toBe(503)
    expect(await json(byDefault)).toMatchObject({
      error: { code: 'not_configured', message: expect.stringContaining('"agent_gone_too"') },
    })
    // ElevenLabs out of reach: the start goes on, and the bridge tries again later.
    const unreachable = await start(
      { ELEVENLABS_API_BASE: 'http://127.0.0.1:9' },
      {
        agentId: await registerAgent(),
      },
    )
    expect(unreachable.status).toBe(201)
    // At the plan's limit of conversations at once: no call placed for an agent that
    // cannot come.
    const full = await registerAgent({
      signedUrlResponse: {
        status: 429,
        body: '{"detail":{"status":"too_many_concurrent_requests","message":"Too many concurrent requests"}}',
      },
    })
    const atLimit = await start(noTwilio, { agentId: full })
    expect(atLimit.status).toBe(503)
    expect(await json(atLimit)).toMatchObject({
      error: {
        code: 'upstream_busy',
        message: expect.stringContaining("plan's concurrency limit"),
      },
    })
  })

  it("warns that an invalid conversation setting is left out of the agent's conversation", async () => {
    const agentId = await registerAgent()
    const res = await apiWith(
      { ELEVENLABS_CONVERSATION_OVERRIDE: '{"agent": ' },
      '/api/twilio/start-conference',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agentId }),
      },
    )
    expect(res.status).toBe(201)
    expect((await json(res)).warnings).toEqual([
      "ELEVENLABS_CONVERSATION_OVERRIDE must be valid JSON; the agent's conversation starts without it.",
    ])
  })

  it('dials a phone number given with it', async () => {
    const agentId = await registerAgent()
    const res = await api('/api/twilio/start-conference', {
      json: { agentId, phoneNumber: '+1 (415) 555-2671' },
    })
    const { conferenceId } = await json(res)
    const creates = await twilio().requests({ conference: String(conferenceId), method: 'POST' })
    expect(creates.map((r) => r.form.To?.[0])).toContain('+14155552671')
    // Nothing is recorded (the README says so): no leg asks Twilio to, and by default it
    // records neither a participant nor the conference (`Record`, `ConferenceRecord`).
    const recording = creates.flatMap((r) => Object.keys(r.form).filter((k) => /record/i.test(k)))
    expect(recording).toEqual([])
  })

  it('refuses a bad phone number before calling Twilio at all', async () => {
    // With no Twilio to reach, any call to it would fail the start (502), not refuse it.
    const res = await apiWith(
      { TWILIO_API_BASE: 'http://127.0.0.1:1' },
      '/api/twilio/start-conference',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: 'call mom' }),
      },
    )
    expect(res.status).toBe(400)
    expect(await json(res)).toEqual({
      error: { code: 'invalid_phone_number', message: expect.stringMatching(/phone number/) },
    })
  })

  it('names the missing setting when Twilio is not configured', async () => {
    const res = await apiWith({ TWILIO_API_SECRET: undefined }, '/api/twilio/start-conference', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(503)
    expect(await json(res)).toMatchObject({
      error: {
        code: 'not_configured',
        message: expect.stringContaining('TWILIO_API_SECRET is not set'),
      },
    })
  })

  it('reports a Twilio refusal and closes the room it had opened', async () => {
    await twilio().injectFault({ pathContains: '/Participants.json', method: 'POST', status: 400 })
    const res = await api('/api/twilio/start-conference', {
      json: { agentId: await registerAgent() },
    })
    expect(res.status).toBe(502)
    expect(await json(res)).toMatchObject({ error: { code: 'upstream_error' } })
  })

  it('rejects a body that is not what it expects', async () => {
    const res = await api('/api/twilio/start-conference', { json: { agentId: 42 } })
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({
      error: { code: 'bad_request', message: expect.stringMatching(/^agentId/) },
    })
  })

  it('takes JSON only: a form or text body, which any site can make a browser send, is refused', async () => {
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', 'phoneNumber=%2B14155550100'],
      ['text/plain', '{"phoneNumber":"+14155550100"}'],
    ]) {
      const res = await api('/api/twilio/start-conference', {
        method: 'POST',
        headers: { 'content-type': type as string },
        body,
      })
      expect(res.status).toBe(415)
      expect(await json(res)).toMatchObject({ error: { code: 'unsupported_media_type' } })
    }
    const bare = await api('/api/local/conversations', { method: 'POST' })
    expect(bare.status).toBe(415)
  })

  it('refuses a body over 64 KiB, by its length or as it streams in', async () => {
    const big = JSON.stringify({ agentId: 'a'.repeat(70 * 1024) })
    const declared = await api('/api/twilio/start-conference', { json: JSON.parse(big) })
    expect(declared.status).toBe(413)
    expect(await json(declared)).toMatchObject({ error: { code: 'payload_too_large' } })
    const chunk = new TextEncoder().encode('a'.repeat(16 * 1024))
    let sent = 0
    const streamed = await api('/api/twilio/status/call', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
      body: new ReadableStream({
        pull(controller) {
          if (sent++ < 8) controller.enqueue(chunk)
          else controller.close()
        },
      }),
    })
    expect(streamed.status).toBe(413)
  })

  it('says in English what is wrong with a field', async () => {
    const res = await api('/api/twilio/start-conference', {
      json: { agentId: 'a'.repeat(201) },
    })
    expect(res.status).toBe(400)
    expect(await json(res)).toEqual({
      error: {
        code: 'bad_request',
        message: 'agentId: Too big: expected string to have <=200 characters',
      },
    })
    const rtl = await api('/api/twilio/start-conference', { json: { agentId: 'agent_\u202eab' } })
    expect(await json(rtl)).toEqual({
      error: {
        code: 'bad_request',
        message: 'agentId: an agent id has only letters, digits, _ and -',
      },
    })
  })
})

describe('adding and managing participants', () => {
  it('normalises the number, dials it with the conference callbacks and records the participant', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await dial(conferenceId, '+972-52-6722216')
    expect(res.status).toBe(201)
    expect(await json(res)).toMatchObject({
      participant: {
        kind: 'phone',
        phoneNumber: '+972526722216',
        // As people read it: a screen reader reads +972526722216 as one large number.
        displayNumber: '+972 52 672 2216',
        status: 'dialing',
        label: 'phone-1',
      },
    })
    const created = (await twilio().requests({ conference: conferenceId, method: 'POST' })).at(-1)
    expect(created?.form).toMatchObject({
      To: ['+972526722216'],
      From: [env.TWILIO_PHONE_NUMBER],
      // The label too: a call's first callbacks may beat the REST answer with its CallSid.
      StatusCallback: [
        `${env.WEBHOOK_BASE_URL}/api/twilio/status/call?conferenceId=${conferenceId}&label=phone-1`,
      ],
      // The conference, the agent among it, must not hear the ringing or a carrier's message.
      EarlyMedia: ['false'],
    })
  })

  it('refuses numbers outside DIAL_ALLOWLIST without calling Twilio', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await dial(conferenceId, '+44 20 7946 0958', { DIAL_ALLOWLIST: '+1' })
    expect(res.status).toBe(403)
    expect(await json(res)).toMatchObject({ error: { code: 'dial_not_allowed' } })
    expect((await twilio().requests({ conference: conferenceId })).length).toBe(1)
  })

  it('refuses to dial at all when DIAL_ALLOWLIST is set but invalid', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await dial(conferenceId, '+1 415 555 2671', { DIAL_ALLOWLIST: '1,44' })
    expect(res.status).toBe(503)
    const body = await json(res)
    expect(body).toMatchObject({ error: { code: 'not_configured' } })
    expect(JSON.stringify(body)).toMatch(/DIAL_ALLOWLIST/)
    expect((await twilio().requests({ conference: conferenceId })).length).toBe(1)
  })

  it('answers a malformed JSON body with 400, not 500', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await api(`/api/twilio/conferences/${conferenceId}/participants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"phoneNumber":',
    })
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({ error: { code: 'bad_request' } })
  })

  it('stops at the participant cap', async () => {
    const conferenceId = await startConference(await registerAgent())
    const add = (n: string) => dial(conferenceId, n, { MAX_PARTICIPANTS: '2' })
    expect((await add('+14155552671')).status).toBe(201)
    const over = await add('+14155552672')
    expect(over.status).toBe(409)
    expect(await json(over)).toMatchObject({ error: { code: 'participant_limit' } })
  })

  it('refuses to dial the same number twice into one call', async () => {
    const conferenceId = await startConference(await registerAgent())
    await dial(conferenceId, '+14155552671')
    const again = await dial(conferenceId, '+1 415 555 2671')
    expect(again.status).toBe(409)
    expect(await json(again)).toMatchObject({
      error: { message: '+1 415 555 2671 is already on this call.' },
    })
  })

  it("names a number Twilio would not call as people read it, in the error and the participant's row", async () => {
    const conferenceId = await startConference(await registerAgent())
    await twilio().injectFault({
      pathContains: `/Conferences/${conferenceId}/Participants.json`,
      method: 'POST',
      status: 400,
      body: { code: 21217, message: 'Phone number is not a valid phone number', status: 400 },
    })
    const res = await dial(conferenceId, '+14155552684')
    expect(await json(res)).toMatchObject({
      error: { message: expect.stringMatching(/^Calling \+1 415 555 2684 failed/) },
    })
    const view = (await roomFor(env, conferenceId).view()) as RoomView
    expect(phone(view, '+14155552684')?.error).toMatch(/^Calling \+1 415 555 2684 failed/)
  })

  it('refuses an invalid number on the participants route without calling Twilio', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await dial(conferenceId, '+1 555')
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({ error: { code: 'invalid_phone_number' } })
    expect((await twilio().requests({ conference: conferenceId })).length).toBe(1)
  })

  it('answers 404 for a participant the conference does not have', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await api(`/api/twilio/conferences/${conferenceId}/participants/CA404`, {
      method: 'DELETE',
    })
    expect(res.status).toBe(404)
  })

  it('answers 404 for an unknown conference', async () => {
    expect((await dial('conf-aaaaaaaaaaaaaaaaaaaa', '+14155552671')).status).toBe(404)
    expect((await api('/api/twilio/conferences/not-a-conference')).status).toBe(404)
    // What the request named is quoted, escaped and cut short: the message is not its to shape.
    const odd = await api(`/api/twilio/conferences/${encodeURIComponent(`x\n${'y'.repeat(500)}`)}`)
    expect(await json(odd)).toEqual({
      error: { code: 'not_found', message: `No conference "x\\n${'y'.repeat(62)}…".` },
    })
  })

  it("mutes, holds and removes a participant through Twilio, by the conference SID of Twilio's answer to the dial", async () => {
    const conferenceId = await startConference(await registerAgent())
    const { participant } = (await json(await dial(conferenceId, '+14155552671'))) as {
      participant: { callSid: string; label: string }
    }
    const path = `/api/twilio/conferences/${conferenceId}/participants/${participant.callSid}`
    // No callback has come yet: the SID is the one Twilio gave with the participant.
    const muted = await api(path, { json: { muted: true, hold: true } })
    expect(muted.status).toBe(200)
    expect(await json(muted)).toMatchObject({ participant: { muted: true, hold: true } })
    const update = (
      await twilio().requests({ pathContains: `Participants/${participant.callSid}` })
    ).at(-1)
    expect(update?.form).toMatchObject({ Muted: ['true'], Hold: ['true'] })
    expect(update?.path).toMatch(/\/Conferences\/CF[0-9a-f]{32}\/Participants\//)
    await participantJoins(conferenceId, 1, participant.label, participant.callSid)
    const removed = await api(path, { method: 'DELETE' })
    expect(removed.status).toBe(200)
    expect(await json(removed)).toMatchObject({ participant: { status: 'left', removed: true } })
  })

  it('mutes the agent but will not put it on hold, where it would answer the hold music', async () => {
    const conferenceId = await startConference(await registerAgent())
    const view = await roomFor(env, conferenceId).view()
    const agentSid = String(view?.participants.find((p) => p.kind === 'agent')?.callSid)
    await participantJoins(conferenceId, 1, 'agent', agentSid)
    const path = `/api/twilio/conferences/${conferenceId}/participants/${agentSid}`
    const held = await api(path, { json: { hold: true } })
    expect(held.status).toBe(409)
    expect(await json(held)).toMatchObject({
      error: { code: 'conflict', message: expect.stringContaining('Mute it instead') },
    })
    expect(await twilio().requests({ pathContains: `Participants/${agentSid}` })).toEqual([])
    const muted = await api(path, { json: { muted: true } })
    expect(muted.status).toBe(200)
    expect(await json(muted)).toMatchObject({ participant: { kind: 'agent', muted: true } })
  })

  it('does not call someone removed who had hung up just before: Twilio no longer had them', async () => {
    const conferenceId = await startConference(await registerAgent())
    const { callSid, label } = await dialQuietly(conferenceId, '+14155552673')
    await participantJoins(conferenceId, 1, label, callSid)
    await twilio().injectFault({
      pathContains: `Participants/${callSid}`,
      method: 'DELETE',
      status: 404,
    })
    const res = await api(`/api/twilio/conferences/${conferenceId}/participants/${callSid}`, {
      method: 'DELETE',
    })
    expect(res.status).toBe(200)
    const { participant } = (await json(res)) as { participant: Record<string, unknown> }
    expect(participant).toMatchObject({ status: 'left' })
    expect(participant.removed).toBeUndefined()
  })

  it("says someone was removed when Twilio's leave callback overtakes its answer to the removal", async () => {
    const conferenceId = await startConference(await registerAgent())
    const { callSid, label } = await dialQuietly(conferenceId, '+14155552675')
    await participantJoins(conferenceId, 1, label, callSid)
    await twilio().injectFault({
      pathContains: `Participants/${callSid}`,
      method: 'DELETE',
      delayMs: 1500,
    })
    const removing = api(`/api/twilio/conferences/${conferenceId}/participants/${callSid}`, {
      method: 'DELETE',
    })
    await eventually(
      'the removal to reach Twilio',
      async () =>
        (await twilio().requests({ pathContains: `Participants/${callSid}`, method: 'DELETE' }))
          .length > 0,
    )
    await conferenceCallback(conferenceId, 2, {
      StatusCallbackEvent: 'participant-leave',
      CallSid: callSid,
      ParticipantLabel: label,
    })
    expect(
      phone((await roomFor(env, conferenceId).view()) as RoomView, '+14155552675'),
    ).toMatchObject({ status: 'left' })
    const removed = await removing
    expect(removed.status).toBe(200)
    expect(await json(removed)).toMatchObject({ participant: { status: 'left', removed: true } })
  })

  it('says the agent was removed, not that the setup is wrong, when someone removes it before its stream', async () => {
    const conferenceId = await startConference(await registerAgent())
    const view = async () => (await roomFor(env, conferenceId).view()) as RoomView
    const agentSid = (await view()).participants.find((p) => p.kind === 'agent')?.callSid ?? ''
    await conferenceCallback(conferenceId, 1, {
      StatusCallbackEvent: 'participant-join',
      CallSid: agentSid,
      ParticipantLabel: 'agent',
    })
    await hostJoins(conferenceId, 2)
    const res = await api(`/api/twilio/conferences/${conferenceId}/participants/${agentSid}`, {
      method: 'DELETE',
    })
    expect(res.status).toBe(200)
    expect((await view()).agent).toMatchObject({
      status: 'unavailable',
      error: 'Someone removed the AI agent from the call.',
    })
  })

  it("says removed, or called off, when Twilio's own report of it came before its answer to the removal", async () => {
    const conferenceId = await startConference(await registerAgent())
    const room = roomFor(env, conferenceId)
    const view = async () => (await room.view()) as RoomView
    const agentSid = (await view()).participants.find((p) => p.kind === 'agent')?.callSid ?? ''
    const agentLeg = (sequence: number, event: string) =>
      conferenceCallback(conferenceId, sequence, {
        StatusCallbackEvent: event,
        CallSid: agentSid,
        ParticipantLabel: 'agent',
      })
    await agentLeg(1, 'participant-join')
    await hostJoins(conferenceId, 2)
    await agentLeg(3, 'participant-leave')
    await room.participantRemoved(agentSid, true)
    expect((await view()).agent.error).toBe('Someone removed the AI agent from the call.')
    // A ringing phone whose cancelled call reported before Twilio answered the hang-up.
    const { callSid, label } = await dialQuietly(conferenceId, '+14155552681')
    await twilioPost(`/api/twilio/status/call?conferenceId=${conferenceId}&label=${label}`, {
      CallSid: callSid,
      CallStatus: 'canceled',
      SequenceNumber: '1',
    })
    await room.participantRemoved(callSid, true)
    expect((await view()).participants.find((p) => p.callSid === callSid)).toMatchObject({
      status: 'failed',
      removed: true,
    })
  })

  it('shows a phone removed while it still rang as called off, not as having left', async () => {
    const conferenceId = await startConference(await registerAgent())
    const { callSid } = await dialQuietly(conferenceId, '+14155552679')
    const path = `/api/twilio/conferences/${conferenceId}/participants/${callSid}`
    const removed = await api(path, { method: 'DELETE' })
    expect(await json(removed)).toMatchObject({
      // Someone's doing, which the page shows as such rather than as a failure.
      participant: { status: 'failed', error: 'called off before they answered', removed: true },
    })
    const room = (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as RoomView
    expect(room.participants.find((p) => p.callSid === callSid)?.leftAt).toBeUndefined()
    // Not in the conference yet: its call is hung up, not a participant removed.
    expect(await callUpdates(callSid)).toEqual([expect.objectContaining({ Status: ['completed'] })])
    expect(
      await twilio().requests({ pathContains: `Participants/${callSid}`, method: 'DELETE' }),
    ).toEqual([])
  })

  it('calls off a ringing phone whose call Twilio no longer has', async () => {
    const conferenceId = await startConference(await registerAgent())
    const { callSid } = await dialQuietly(conferenceId, '+14155552681')
    await twilio().injectFault({ pathContains: callPath(callSid), method: 'POST', status: 404 })
    const path = `/api/twilio/conferences/${conferenceId}/participants/${callSid}`
    const removed = await api(path, { method: 'DELETE' })
    expect(removed.status).toBe(200)
    expect(await json(removed)).toMatchObject({ participant: { status: 'failed' } })
  })

  it('calls off a ringing phone whose call Twilio says has just ended (21220)', async () => {
    const conferenceId = await startConference(await registerAgent())
    const { callSid } = await dialQuietly(conferenceId, '+14155552682')
    await twilio().injectFault({
      pathContains: callPath(callSid),
      method: 'POST',
      status: 400,
      body: {
        code: 21220,
        message: 'Call is not in-progress. Cannot redirect.',
        more_info: 'https://www.twilio.com/docs/errors/21220',
        status: 400,
      },
    })
    const path = `/api/twilio/conferences/${conferenceId}/participants/${callSid}`
    const removed = await api(path, { method: 'DELETE' })
    expect(removed.status).toBe(200)
    expect(await json(removed)).toMatchObject({ participant: { status: 'failed' } })
  })

  it('answers 404 for a participant Twilio no longer has (they hung up a moment ago)', async () => {
    const conferenceId = await startConference(await registerAgent())
    const { callSid } = await dialQuietly(conferenceId, '+14155552678')
    await twilio().injectFault({ pathContains: `Participants/${callSid}`, status: 404 })
    const res = await api(`/api/twilio/conferences/${conferenceId}/participants/${callSid}`, {
      json: { muted: true },
    })
    expect(res.status).toBe(404)
    expect(await json(res)).toMatchObject({ error: { code: 'not_found' } })
  })

  it('rejects an update that changes nothing', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await api(`/api/twilio/conferences/${conferenceId}/participants/CA1`, { json: {} })
    expect(res.status).toBe(400)
  })

  it("sees a dial through after the page's request went away, Twilio's refusal shown", async () => {
    const conferenceId = await startConference(await registerAgent())
    const number = '+14155552676'
    // Twilio takes its time over the create, then refuses it. A refusal makes no call and so
    // no callbacks: only the worker's own request can tell the room.
    const message = "The 'To' number is not a valid phone number."
    await twilio().injectFault({
      pathContains: `/Conferences/${conferenceId}/Participants.json`,
      method: 'POST',
      status: 400,
      body: {
        code: 21211,
        message,
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      },
      delayMs: 1500,
    })
    // The runtime cancels what a request still has under way once its client is gone,
    // except what it was handed to finish (waitUntil): the answer is never awaited here,
    // only what the request left to its execution context.
    const ctx = createExecutionContext()
    void app.fetch(
      new Request(`http://localhost/api/twilio/conferences/${conferenceId}/participants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: number }),
      }),
      env,
      ctx,
    )
    await eventually('the dial to reach Twilio', async () =>
      (
        await twilio().requests({
          pathContains: `/Conferences/${conferenceId}/Participants.json`,
          method: 'POST',
        })
      ).some((create) => create.form.To?.[0] === number),
    )
    await waitOnExecutionContext(ctx)
    const shown = phone((await roomFor(env, conferenceId).view()) as RoomView, number)
    expect(shown).toMatchObject({ status: 'failed', error: expect.stringContaining(message) })
  })

  it("names the setting Twilio's refusal points at, and logs it for the operator", async () => {
    const conferenceId = await startConference(await registerAgent())
    const refusedBy = (code: number, message: string) =>
      twilio().injectFault({
        pathContains: `/Conferences/${conferenceId}/Participants.json`,
        method: 'POST',
        status: 400,
        body: {
          code,
          message,
          more_info: `https://www.twilio.com/docs/errors/${code}`,
          status: 400,
        },
      })
    const logged = vi.spyOn(console, 'error')
    const warned = vi.spyOn(console, 'warn')
    try {
      const callerId = 'The source phone number provided, +15005550006, is not yet verified.'
      await refusedBy(21210, callerId)
      const res = await dial(conferenceId, '+14155552678')
      expect(res.status).toBe(502)
      const { error } = (await json(res)) as { error: { message: string } }
      expect(error.message).toContain('TWILIO_PHONE_NUMBER')
      expect(error.message).toContain(callerId)
      // Twilio's words for the person, not the request they answer: that is the log's.
      expect(error.message).not.toContain('Participants.json')
      const path = `/api/twilio/conferences/${conferenceId}/participants`
      // The numbers it names (ours, the one dialled) are left out of the log.
      expect(logged).toHaveBeenCalledWith(
        `[api] POST "${path}" 502 upstream_error (Twilio 21210): Calling +… failed: Twilio refused the caller ID (The source phone number provided, +…, is not yet verified.); set TWILIO_PHONE_NUMBER to a number of this Twilio account or one verified in it.`,
      )
      // Twilio refusing a number as invalid is the requester's mistake: not logged.
      await refusedBy(21211, "The 'To' number +14155552699 is not a valid phone number.")
      logged.mockClear()
      expect((await dial(conferenceId, '+14155552699')).status).toBe(400)
      expect(logged).not.toHaveBeenCalled()
      expect(warned).not.toHaveBeenCalled()
      await refusedBy(21218, 'Invalid ApplicationSid')
      const app = await dial(conferenceId, '+14155552679')
      expect(await json(app)).toMatchObject({
        error: { message: expect.stringContaining('TWILIO_TWIML_APP_SID') },
      })
      // A suspended account may be answered 401: not a wrong key.
      await twilio().injectFault({
        pathContains: `/Conferences/${conferenceId}/Participants.json`,
        method: 'POST',
        status: 401,
        body: { code: 20005, message: 'Account not active', status: 401 },
      })
      const suspended = await dial(conferenceId, '+14155552680')
      const { error: inactive } = (await json(suspended)) as { error: { message: string } }
      expect(inactive.message).toContain('not active')
      expect(inactive.message).not.toContain('TWILIO_API_KEY')
      // A requester's own mistake is not the operator's to read about.
      logged.mockClear()
      expect((await dial(conferenceId, 'not a number')).status).toBe(400)
      expect(logged).not.toHaveBeenCalled()
      expect(warned).not.toHaveBeenCalled()
    } finally {
      logged.mockRestore()
      warned.mockRestore()
    }
  })

  it('keeps a dial Twilio did not confirm on its way, not failed, until the dial check settles it', async () => {
    const conferenceId = await startConference(await registerAgent())
    const number = '+14155552677'
    // A 5xx says nothing of whether Twilio placed the call: the phone may be ringing.
    await twilio().injectFault({
      pathContains: `/Conferences/${conferenceId}/Participants.json`,
      method: 'POST',
      status: 503,
    })
    const res = await dial(conferenceId, number)
    expect(res.status).toBe(502)
    expect(await json(res)).toMatchObject({
      error: { code: 'upstream_error', message: expect.stringContaining('did not confirm') },
    })
    const shown = phone((await roomFor(env, conferenceId).view()) as RoomView, number)
    expect(shown).toMatchObject({ status: 'dialing' })
    // Not dialled a second time while it may ring.
    expect((await dial(conferenceId, number)).status).toBe(409)
    const givenUp = await alarmAfter(conferenceId, DIAL_GIVE_UP_MS)
    expect(phone(givenUp, number)).toMatchObject({
      status: 'failed',
      error: 'Twilio never said how the call went',
    })
  })

  it('never shows a dial Twilio placed as failed when the room cannot be told at once', async () => {
    const conferenceId = await startConference(await registerAgent())
    // Reset once: told again, it shows the call ringing on its way.
    const once = resettingRooms('participantCreated', 1)
    const told = await dialPhone(once, twilioSettings(once), conferenceId, '+14155552678')
    expect(told).toMatchObject({
      ok: true,
      participant: { status: 'dialing', callSid: expect.stringMatching(/^CA/) },
    })
    // Not to be told: the API says so, and the call stays on its way for its callbacks.
    const never = resettingRooms('participantCreated', Number.POSITIVE_INFINITY, false)
    const untold = await dialPhone(never, twilioSettings(never), conferenceId, '+14155552679')
    expect(untold).toMatchObject({
      ok: false,
      error: { status: 500, message: expect.stringContaining('Twilio is placing the call') },
    })
    const view = (await roomFor(env, conferenceId).view()) as RoomView
    expect(phone(view, '+14155552679')).toMatchObject({ status: 'dialing' })
  })

  it('never gives a phone label twice, though the roster forgets the oldest calls', async () => {
    const conferenceId = await startConference(await registerAgent())
    const room = roomFor(env, conferenceId)
    // More failed dials than the roster keeps (MAX_KEPT): a late callback of an old call,
    // found by its label, must not land on a new one.
    const labels: string[] = []
    for (let i = 0; i < MAX_KEPT + 5; i++) {
      const reserved = await room.reserveDial(`+1415555${String(i).padStart(4, '0')}`, 6)
      if (!reserved.ok) throw new Error(reserved.message)
      labels.push(reserved.label)
      await room.participantFailed(reserved.label, 'busy')
    }
    const view = (await room.view()) as RoomView
    expect(view.participants.length).toBeLessThanOrEqual(MAX_KEPT)
    expect(new Set(labels).size).toBe(labels.length)
    expect(labels.at(-1)).toBe(`phone-${MAX_KEPT + 5}`)
  })
})

/** Dials a phone and sends none of its callbacks, as if Twilio's never arrived. */
async function dialQuietly(conferenceId: string, phoneNumber: string) {
  const res = await dial(conferenceId, phoneNumber)
  expect(res.status).toBe(201)
  return (
    (await json(res)) as { participant: { callSid: string; label: string; dialedAt: string } }
  ).participant
}
const phone = (view: RoomView, phoneNumber: string) =>
  view.participants.find((p) => p.phoneNumber === phoneNumber)
const callPath = (callSid: string) => `/Calls/${callSid}.json`
/** The forms of the room's updates of a call on Twilio (a hang-up: `Status=completed`). */
const callUpdates = async (callSid: string) =>
  (await twilio().requests({ pathContains: callPath(callSid), method: 'POST' })).map((r) => r.form)
/** How often the room has asked Twilio about a call. */
const callLookups = async (callSid: string) =>
  (await twilio().requests({ pathContains: callPath(callSid), method: 'GET' })).length
/** How often the room has asked Twilio who is in the conference. */
const participantLists = async (conferenceId: string) =>
  (await twilio().requests({ conference: conferenceId, method: 'GET' })).filter((r) =>
    r.path.endsWith('/Participants.json'),
  ).length
/** Scripts how Twilio answers the room's questions of who is in the conference. */
async function participantListsAnswer(
  conferenceId: string,
  answer: Omit<Fault, 'pathContains' | 'method'>,
) {
  const conferenceSid = (await twilio().conference(conferenceId))?.sid ?? ''
  const pathContains = `/Conferences/${conferenceSid}/Participants.json`
  await twilio().injectFault({ pathContains, method: 'GET', ...answer })
}
/** Scripts how Twilio answers the room's lookups of a call (the next `times`, 1 unless given). */
const lookupsAnswer = (callSid: string, answer: Omit<Fault, 'pathContains' | 'method'>) =>
  twilio().injectFault({ pathContains: callPath(callSid), method: 'GET', ...answer })

describe('a dialled phone whose callbacks never come', () => {
  it('is looked up on Twilio a minute after the dial, and shown joined when Twilio says it answered', async () => {
    const conferenceId = await startConference(await registerAgent())
    const dialled = await dialQuietly(conferenceId, '+14155552671')
    expect(Date.parse(dialled.dialedAt)).toBeGreaterThan(Date.now() - 60_000)
    const alarm = await runInDurableObject(roomFor(env, conferenceId), (_room, state) =>
      state.storage.getAlarm(),
    )
    expect(alarm).toBeLessThanOrEqual(Date.parse(dialled.dialedAt) + DIAL_CHECK_MS)
    const early = await alarmAfter(conferenceId, DIAL_CHECK_MS - 5_000)
    expect(phone(early, '+14155552671')).toMatchObject({ status: 'dialing' })
    expect(await callLookups(dialled.callSid)).toBe(0)
    // The stand-in answers every dialled phone at once: Twilio says the call is in progress.
    const due = await alarmAfter(conferenceId, DIAL_CHECK_MS)
    expect(phone(due, '+14155552671')).toMatchObject({ status: 'joined' })
    expect(await callLookups(dialled.callSid)).toBe(1)
  })

  it('is shown left when Twilio says the call was answered and ended, so the room can empty and the number be dialled again', async () => {
    const conferenceId = await startConference(await registerAgent())
    const dialled = await dialQuietly(conferenceId, '+14155552672')
    await twilioRestClient(env).updateCall(dialled.callSid, { status: 'completed' })
    const due = await alarmAfter(conferenceId, DIAL_CHECK_MS)
    expect(phone(due, '+14155552672')).toMatchObject({ status: 'left', leftAt: expect.any(String) })
    expect(phone(due, '+14155552672')?.error).toBeUndefined()
    expect((await dial(conferenceId, '+14155552672')).status).toBe(201)
  })

  it('counts as failed after five minutes when Twilio cannot say, and the room is not kept for it', async () => {
    const conferenceId = await startConference(await registerAgent())
    // The agent's leg asks for its TwiML, as it does when set up right: only the phone sets
    // the alarm.
    await answerAgentLeg(conferenceId)
    const dialled = await dialQuietly(conferenceId, '+14155552673')
    await lookupsAnswer(dialled.callSid, { status: 503, times: 100 })
    const unanswered = await alarmAfter(conferenceId, DIAL_CHECK_MS)
    expect(phone(unanswered, '+14155552673')).toMatchObject({ status: 'dialing' })
    expect(await callLookups(dialled.callSid)).toBeGreaterThan(0)
    const next = await runInDurableObject(roomFor(env, conferenceId), (_room, state) =>
      state.storage.getAlarm(),
    )
    // Asked again half a minute after that alarm (which ran a minute ahead), not in ten.
    expect(next).toBeLessThanOrEqual(Date.now() + DIAL_CHECK_MS + DIAL_RECHECK_MS)
    expect(next).toBeGreaterThanOrEqual(Date.now() + DIAL_CHECK_MS + DIAL_RECHECK_MS - 5_000)
    const givenUp = await alarmAfter(conferenceId, DIAL_GIVE_UP_MS)
    expect(phone(givenUp, '+14155552673')).toMatchObject({
      status: 'failed',
      error: 'Twilio never said how the call went',
    })
    // Shown failed, it may be dialled again, so the call, if it rings on somewhere, is ended.
    expect((await callUpdates(dialled.callSid)).at(-1)).toMatchObject({ Status: ['completed'] })
    // Nobody else ever came: the room ends with it, Twilio having nobody but the agent.
    expect(givenUp).toMatchObject({
      status: 'ended',
      endedReason: expect.stringMatching(/^nobody on the call for \d+ minutes$/),
    })
  })

  it('is waited for while Twilio says the call is still queued', async () => {
    const conferenceId = await startConference(await registerAgent())
    const dialled = await dialQuietly(conferenceId, '+14155552674')
    // Twilio queues calls beyond the account's calls-per-second rate.
    await lookupsAnswer(dialled.callSid, {
      status: 200,
      body: { sid: dialled.callSid, status: 'queued' },
      times: 100,
    })
    const queued = await alarmAfter(conferenceId, DIAL_GIVE_UP_MS + DIAL_CHECK_MS)
    expect(phone(queued, '+14155552674')).toMatchObject({ status: 'dialing' })
    expect(await callLookups(dialled.callSid)).toBe(1)
  })

  it('takes a callback that comes while Twilio is being asked over the older answer', async () => {
    const conferenceId = await startConference(await registerAgent())
    const dialled = await dialQuietly(conferenceId, '+14155552675')
    // The lookup answers late (the stand-in answered the call: "in-progress")...
    await lookupsAnswer(dialled.callSid, { delayMs: 500 })
    const lookup = alarmAfter(conferenceId, DIAL_CHECK_MS)
    await eventually('the lookup', async () => (await callLookups(dialled.callSid)) === 1)
    // ...after the call's last callback: the person did not pick up.
    await twilioPost(`/api/twilio/status/call?conferenceId=${conferenceId}&label=phone-1`, {
      CallSid: dialled.callSid,
      CallStatus: 'no-answer',
      SequenceNumber: '2',
    })
    expect(phone(await lookup, '+14155552675')).toMatchObject({
      status: 'failed',
      error: 'no answer',
    })
  })
})

describe('an agent leg whose TwiML is never asked for', () => {
  // As with a wrong TWILIO_AUTH_TOKEN, or a WEBHOOK_BASE_URL that is an old tunnel's: the
  // Voice URL request and every callback are refused, and only Twilio's REST API can say
  // what became of the agent's call. Here nobody plays the Voice URL request.
  const view = async (conferenceId: string) =>
    (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as RoomView
  const agentCallSid = async (conferenceId: string) =>
    (await view(conferenceId)).participants.find((p) => p.label === 'agent')?.callSid ?? ''
  /** Twilio says the agent's call is still ringing, at every look. */
  const stillRinging = (callSid: string) =>
    lookupsAnswer(callSid, { status: 200, body: { sid: callSid, status: 'ringing' }, times: 100 })
  /** Runs the alarm as often as the watchdog looks before it gives up. */
  async function everyLook(conferenceId: string): Promise<RoomView> {
    let latest: RoomView | undefined
    for (let look = 0; look < AGENT_LEG_LOOKS; look++) {
      latest = await alarmAfter(conferenceId, AGENT_LEG_CHECK_MS + look * AGENT_LEG_RECHECK_MS)
    }
    return latest as RoomView
  }
  const base = env.WEBHOOK_BASE_URL ?? ''

  it('shows the agent unavailable, with what to check, once Twilio says its call is over', async () => {
    const conferenceId = await startConference(await registerAgent())
    const callSid = await agentCallSid(conferenceId)
    const alarm = await runInDurableObject(roomFor(env, conferenceId), (_room, state) =>
      state.storage.getAlarm(),
    )
    expect(alarm).toBeLessThanOrEqual(Date.now() + AGENT_LEG_CHECK_MS)
    const early = await alarmAfter(conferenceId, AGENT_LEG_CHECK_MS - 5_000)
    expect(early.agent).toMatchObject({ status: 'waiting' })
    expect(await callLookups(callSid)).toBe(0)
    // Twilio failed the call when its Voice URL request was refused.
    await lookupsAnswer(callSid, { status: 200, body: { sid: callSid, status: 'failed' } })
    const logged = vi.spyOn(console, 'error')
    try {
      const due = await alarmAfter(conferenceId, AGENT_LEG_CHECK_MS)
      expect(due.agent.status).toBe('unavailable')
      for (const words of [
        'Twilio says its call failed',
        "Twilio's requests to this worker were refused or did not arrive",
        `WEBHOOK_BASE_URL (now ${base})`,
        'TWILIO_AUTH_TOKEN',
        `the TwiML App's Voice URL is ${base}/api/twilio/conference-elevenlabs (POST)`,
      ]) {
        expect(due.agent.error).toContain(words)
      }
      expect(due.participants.find((p) => p.label === 'agent')).toMatchObject({ status: 'failed' })
      expect(due.status).not.toBe('ended')
      // Said once: the alarm after it asks Twilio no more.
      await alarmAfter(conferenceId, AGENT_LEG_CHECK_MS + AGENT_LEG_RECHECK_MS)
      expect(await callLookups(callSid)).toBe(1)
      const lines = logged.mock.calls.filter(([line]) =>
        String(line).includes(`[ConferenceRoom ${conferenceId}] The agent's call never asked`),
      )
      expect(lines).toHaveLength(1)
    } finally {
      logged.mockRestore()
    }
  })

  it('keeps a reason given before it: someone removed the agent before its TwiML came', async () => {
    const conferenceId = await startConference(await registerAgent())
    const callSid = await agentCallSid(conferenceId)
    const res = await api(`/api/twilio/conferences/${conferenceId}/participants/${callSid}`, {
      method: 'DELETE',
    })
    expect(res.status).toBe(200)
    const due = await alarmAfter(conferenceId, AGENT_LEG_CHECK_MS)
    expect(due.agent).toMatchObject({
      status: 'unavailable',
      error: 'Someone removed the AI agent from the call.',
    })
    expect(await callLookups(callSid)).toBe(0)
  })

  it('shows the agent unavailable when Twilio has no such call', async () => {
    const conferenceId = await startConference(await registerAgent())
    await lookupsAnswer(await agentCallSid(conferenceId), { status: 404 })
    const due = await alarmAfter(conferenceId, AGENT_LEG_CHECK_MS)
    expect(due.agent).toMatchObject({
      status: 'unavailable',
      error: expect.stringContaining('(Twilio has no such call)'),
    })
  })

  it('looks again while Twilio says the call is still ringing, then gives up', async () => {
    const conferenceId = await startConference(await registerAgent())
    const callSid = await agentCallSid(conferenceId)
    await stillRinging(callSid)
    const first = await alarmAfter(conferenceId, AGENT_LEG_CHECK_MS)
    expect(first.agent.status).toBe('waiting')
    expect(await callLookups(callSid)).toBe(1)
    const next = await runInDurableObject(roomFor(env, conferenceId), (_room, state) =>
      state.storage.getAlarm(),
    )
    expect(next).toBeLessThanOrEqual(Date.now() + AGENT_LEG_CHECK_MS + AGENT_LEG_RECHECK_MS)
    let latest = first
    for (let look = 2; look <= AGENT_LEG_LOOKS; look++) {
      expect(latest.agent.status).toBe('waiting')
      latest = await alarmAfter(
        conferenceId,
        AGENT_LEG_CHECK_MS + (look - 1) * AGENT_LEG_RECHECK_MS,
      )
      expect(await callLookups(callSid)).toBe(look)
    }
    expect(latest.agent).toMatchObject({
      status: 'unavailable',
      error: expect.stringContaining('(Twilio says its call is still ringing)'),
    })
  })

  it('goes on watching where it was after the room is reset', async () => {
    const conferenceId = await startConference(await registerAgent())
    const callSid = await agentCallSid(conferenceId)
    await stillRinging(callSid)
    await alarmAfter(conferenceId, AGENT_LEG_CHECK_MS)
    await abortAllDurableObjects()
    let view: RoomView | undefined
    for (let look = 1; look < AGENT_LEG_LOOKS; look++) {
      view = await alarmAfter(conferenceId, AGENT_LEG_CHECK_MS + look * AGENT_LEG_RECHECK_MS)
    }
    expect(view?.agent.status).toBe('unavailable')
    expect(await callLookups(callSid)).toBe(AGENT_LEG_LOOKS)
  })

  it('ends the watch when the TwiML is asked for while Twilio is being asked', async () => {
    const conferenceId = await startConference(await registerAgent())
    const callSid = await agentCallSid(conferenceId)
    // Twilio's answer, late, says the call failed; the Voice URL request overtakes it.
    await lookupsAnswer(callSid, {
      status: 200,
      body: { sid: callSid, status: 'failed' },
      delayMs: 500,
    })
    const lookup = alarmAfter(conferenceId, AGENT_LEG_CHECK_MS)
    await eventually('the lookup', async () => (await callLookups(callSid)) === 1)
    expect((await answerAgentLeg(conferenceId)).streamToken).toBeDefined()
    expect((await lookup).agent).toMatchObject({ status: 'waiting' })
    expect((await lookup).agent.error).toBeUndefined()
    await everyLook(conferenceId)
    expect(await callLookups(callSid)).toBe(1)
  })

  it('lets a Voice URL request that comes after the verdict go on as usual', async () => {
    const agentId = await registerAgent()
    const conferenceId = await startConference(agentId)
    await stillRinging(await agentCallSid(conferenceId))
    expect((await everyLook(conferenceId)).agent.status).toBe('unavailable')
    const leg = await answerAgentLeg(conferenceId)
    if (!leg.streamToken) throw new Error(`no stream token in ${leg.twiml}`)
    expect((await view(conferenceId)).agent).toEqual({
      status: 'waiting',
      speaking: false,
      reconnects: 0,
      agentId,
    })
    await hostJoins(conferenceId)
    const stream = await openStream(conferenceId, leg.streamToken, leg.callSid)
    await eventually('the agent conversation to start', async () =>
      (await elevenLabs().conversations({ agentId })).find((c) => c.status === 'active'),
    )
    await eventually('the agent to be ready', async () =>
      (await view(conferenceId)).agent.status === 'ready' ? true : undefined,
    )
    stream.socket.close(1000, 'done')
  })
})

describe('the end of a conference', () => {
  it('keeps the record readable after the end, until the retention alarm frees it', async () => {
    const conferenceId = await startConference(await registerAgent())
    await hostJoins(conferenceId, 1)
    expect(
      (await api(`/api/twilio/conferences/${conferenceId}`, { method: 'DELETE' })).status,
    ).toBe(200)
    const ended = (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as RoomView
    expect(ended).toMatchObject({ status: 'ended' })
    // Nobody is left in it, whatever callbacks Twilio still has to send.
    expect(ended.participants.find((p) => p.kind === 'browser')).toMatchObject({
      status: 'left',
      leftAt: ended.endedAt,
    })
    // An alarm set before the end (a presence check), run after it, frees nothing yet.
    await runInDurableObject(roomFor(env, conferenceId), (_, state) =>
      state.storage.setAlarm(Date.now()),
    )
    expect(await runDurableObjectAlarm(roomFor(env, conferenceId))).toBe(true)
    expect((await api(`/api/twilio/conferences/${conferenceId}`)).status).toBe(200)
    const alarm = await runInDurableObject(roomFor(env, conferenceId), (_, state) =>
      state.storage.getAlarm(),
    )
    expect(alarm).toBe(Date.parse(ended.endedAt ?? '') + RETENTION_MS)
    expect((await alarmAfter(conferenceId, RETENTION_MS)) as unknown).toMatchObject({
      error: { code: 'not_found' },
    })
  })

  describe('a conference with nobody in it', () => {
    const agentJoins = (conferenceId: string) =>
      participantJoins(conferenceId, 1, 'agent', `CA${'a'.repeat(32)}`)

    it('is ended when nobody joined in time, though the agent is in it, once Twilio agrees', async () => {
      const conferenceId = await startConference(await registerAgent())
      await agentJoins(conferenceId)
      expect(await alarmAfter(conferenceId, EMPTY_CONFIRMED_MS - 30_000)).toMatchObject({
        status: 'in-progress',
      })
      expect(await participantLists(conferenceId)).toBe(0)
      expect(await alarmAfter(conferenceId, EMPTY_CONFIRMED_MS)).toMatchObject({
        status: 'ended',
        endedReason: 'nobody on the call for 2 minutes',
      })
      expect(await participantLists(conferenceId)).toBe(1)
    })

    it('is kept while Twilio has a person on it whose join callback was lost', async () => {
      const conferenceId = await startConference(await registerAgent())
      await agentJoins(conferenceId)
      // The host's leg is in Twilio's conference; its participant-join never reached the room.
      await twilioRestClient(env).createParticipant(conferenceId, {
        from: 'client:web_host',
        to: 'client:web_host',
        label: 'web-web_host',
      })
      const warned = vi.spyOn(console, 'warn').mockImplementation(() => {})
      try {
        expect(await alarmAfter(conferenceId, EMPTY_CONFIRMED_MS)).toMatchObject({
          status: 'in-progress',
        })
        // Not ended without Twilio's word either: it has given it.
        expect(await alarmAfter(conferenceId, 2 * EMPTY_ROOM_MS)).toMatchObject({
          status: 'in-progress',
        })
        const told = warned.mock.calls.filter(([line]) => String(line).includes('web-web_host'))
        expect(told).toEqual([[expect.stringContaining('no callback said they joined')]])
      } finally {
        warned.mockRestore()
      }
      expect(await participantLists(conferenceId)).toBe(2)
    })

    it('is kept for someone whose join comes while Twilio is asked who is on it', async () => {
      const conferenceId = await startConference(await registerAgent())
      await agentJoins(conferenceId)
      // Twilio's list, taken as nobody but the agent was in, answers late...
      await participantListsAnswer(conferenceId, { delayMs: 500 })
      const check = alarmAfter(conferenceId, EMPTY_CONFIRMED_MS)
      await eventually('the list asked for', async () => (await participantLists(conferenceId)) > 0)
      // ...after the host's join.
      await hostJoins(conferenceId, 2)
      expect(await check).toMatchObject({ status: 'in-progress' })
    })

    it('is kept for a page let in by TwiML whose join Twilio has not reported yet', async () => {
      const conferenceId = await startConference(await registerAgent())
      await agentJoins(conferenceId)
      vi.useFakeTimers({ toFake: ['Date'] })
      try {
        vi.setSystemTime(Date.now() + EMPTY_CONFIRMED_MS)
        // The host's page asks for its TwiML (Twilio's list has it only once it is dialled in).
        const twiml = await twilioPost('/api/twilio/conference-elevenlabs', {
          CallSid: `CA${'1'.repeat(32)}`,
          From: 'client:web_host',
          To: '',
          conferenceId,
        })
        expect(await twiml.text()).toContain('<Conference')
        await runDurableObjectAlarm(roomFor(env, conferenceId))
      } finally {
        vi.useRealTimers()
      }
      expect(await (await api(`/api/twilio/conferences/${conferenceId}`)).json()).toMatchObject({
        status: 'in-progress',
      })
    })

    it('is ended after ten minutes when Twilio cannot say who is on it', async () => {
      const conferenceId = await startConference(await registerAgent())
      await agentJoins(conferenceId)
      await participantListsAnswer(conferenceId, { status: 503, times: 100 })
      const warned = vi.spyOn(console, 'warn').mockImplementation(() => {})
      try {
        expect(await alarmAfter(conferenceId, EMPTY_CONFIRMED_MS)).toMatchObject({
          status: 'in-progress',
        })
        // Asked again in a while, and ended at the latest ten minutes in.
        const next = await runInDurableObject(roomFor(env, conferenceId), (_room, state) =>
          state.storage.getAlarm(),
        )
        expect(next).toBeLessThanOrEqual(Date.now() + 2 * EMPTY_CONFIRMED_MS)
        expect(await alarmAfter(conferenceId, EMPTY_ROOM_MS)).toMatchObject({
          status: 'ended',
          endedReason: 'nobody on the call for 10 minutes',
        })
        expect(warned).toHaveBeenCalledWith(
          expect.stringContaining('asking Twilio who is on the call'),
        )
      } finally {
        warned.mockRestore()
      }
    })

    /** A conference with the agent and one phone in it, as the callbacks said. */
    async function phoneOnCall(phoneNumber: string) {
      const conferenceId = await startConference(await registerAgent())
      await agentJoins(conferenceId)
      const { callSid } = await dialQuietly(conferenceId, phoneNumber)
      await participantJoins(conferenceId, 2, 'phone-1', callSid)
      return { conferenceId, callSid }
    }

    it('takes a person Twilio says hung up for gone, when the leave callback was lost', async () => {
      const { conferenceId, callSid } = await phoneOnCall('+14155552676')
      // The phone hangs up; Twilio's participant-leave and completed callbacks never come.
      await twilioRestClient(env).updateCall(callSid, { status: 'completed' })
      const hungUp = Date.now()
      const checked = await alarmAfter(conferenceId, DIAL_CHECK_MS)
      const gone = phone(checked, '+14155552676')
      expect(gone).toMatchObject({ status: 'left' })
      // Gone since the call ended (Twilio's end_time, to the second), not since the check.
      expect(Date.parse(gone?.leftAt ?? '')).toBeLessThanOrEqual(hungUp)
      expect(checked.status).not.toBe('ended')
      expect(await alarmAfter(conferenceId, EMPTY_ROOM_MS + 1_000)).toMatchObject({
        status: 'ended',
        endedReason: 'nobody on the call for 10 minutes',
      })
    })

    it('checks the people on the call every ten minutes, however often the alarm runs', async () => {
      const { conferenceId, callSid } = await phoneOnCall('+14155552677')
      // A second phone Twilio keeps queued has the alarm come every half minute.
      const other = await dialQuietly(conferenceId, '+14155552678')
      await lookupsAnswer(other.callSid, {
        status: 200,
        body: { sid: other.callSid, status: 'queued' },
        times: 100,
      })
      await alarmAfter(conferenceId, DIAL_CHECK_MS)
      expect([await callLookups(callSid), await callLookups(other.callSid)]).toEqual([1, 1])
      await alarmAfter(conferenceId, DIAL_CHECK_MS + DIAL_RECHECK_MS)
      expect([await callLookups(callSid), await callLookups(other.callSid)]).toEqual([1, 2])
      // The queued call ends busy; the alarm after that is set for the next check of the
      // people on the call, ten minutes after the last one, not ten after itself.
      await twilioPost(`/api/twilio/status/call?conferenceId=${conferenceId}`, {
        CallSid: other.callSid,
        CallStatus: 'busy',
        SequenceNumber: '3',
      })
      await alarmAfter(conferenceId, DIAL_CHECK_MS + 2 * DIAL_RECHECK_MS)
      const next = await runInDurableObject(roomFor(env, conferenceId), (_room, state) =>
        state.storage.getAlarm(),
      )
      expect(next).toBeLessThanOrEqual(Date.now() + DIAL_CHECK_MS + PRESENCE_CHECK_MS)
      const view = await alarmAfter(conferenceId, DIAL_CHECK_MS + PRESENCE_CHECK_MS)
      expect([await callLookups(callSid), await callLookups(other.callSid)]).toEqual([2, 2])
      expect(view.participants.find((p) => p.label === 'phone-1')).toMatchObject({
        status: 'joined',
      })
    })

    it('does not take a rejoin for gone when the old call is found ended', async () => {
      const { conferenceId, callSid } = await phoneOnCall('+14155552679')
      await twilioRestClient(env).updateCall(callSid, { status: 'completed' })
      await lookupsAnswer(callSid, { delayMs: 500 })
      const checked = alarmAfter(conferenceId, DIAL_CHECK_MS)
      await eventually('the lookup', async () => (await callLookups(callSid)) === 1)
      // While Twilio is asked, the old call leaves and a new one joins under the same label.
      await conferenceCallback(conferenceId, 3, {
        StatusCallbackEvent: 'participant-leave',
        CallSid: callSid,
        ParticipantLabel: 'phone-1',
      })
      const rejoined = `CA${'b'.repeat(32)}`
      await participantJoins(conferenceId, 4, 'phone-1', rejoined)
      expect((await checked).participants.find((p) => p.label === 'phone-1')).toMatchObject({
        status: 'joined',
        callSid: rejoined,
      })
    })

    it('is ended that long after the last person left, and kept while someone is there', async () => {
      const conferenceId = await startConference(await registerAgent())
      await agentJoins(conferenceId)
      await hostJoins(conferenceId, 2)
      expect(await alarmAfter(conferenceId, 2 * EMPTY_ROOM_MS)).toMatchObject({
        status: 'in-progress',
      })
      await conferenceCallback(conferenceId, 3, {
        StatusCallbackEvent: 'participant-leave',
        CallSid: `CA${'1'.repeat(32)}`,
        ParticipantLabel: 'web-web_host',
      })
      const left = Date.now()
      // The leave brings the alarm forward (it was set for the next presence check).
      const next = await runInDurableObject(roomFor(env, conferenceId), (_room, state) =>
        state.storage.getAlarm(),
      )
      expect(next).toBeGreaterThanOrEqual(left + EMPTY_CONFIRMED_MS - 1000)
      expect(next).toBeLessThanOrEqual(Date.now() + EMPTY_CONFIRMED_MS)
      expect(await alarmAfter(conferenceId, EMPTY_CONFIRMED_MS - 30_000)).toMatchObject({
        status: 'in-progress',
      })
      expect(await alarmAfter(conferenceId, EMPTY_CONFIRMED_MS)).toMatchObject({
        status: 'ended',
        endedReason: 'nobody on the call for 2 minutes',
      })
    })
  })

  it('hangs up a phone still ringing when the conference ends, which would otherwise join an empty one', async () => {
    const conferenceId = await startConference(await registerAgent())
    const ringing = await dialQuietly(conferenceId, '+14155552676')
    // The host left (END_CONFERENCE_ON_HOST_EXIT): Twilio ends the conference, not the ringing call.
    await conferenceCallback(conferenceId, 9, {
      StatusCallbackEvent: 'conference-end',
      ReasonConferenceEnded: 'participant-with-end-conference-on-exit-left',
    })
    const ended = (await json(
      await api(`/api/twilio/conferences/${conferenceId}`),
    )) as unknown as RoomView
    expect(ended.status).toBe('ended')
    expect(phone(ended, '+14155552676')).toMatchObject({
      status: 'failed',
      error: 'the conference ended before they answered',
    })
    expect(await callUpdates(ringing.callSid)).toEqual([
      expect.objectContaining({ Status: ['completed'] }),
    ])
  })

  /**
   * A conference ended with a phone still ringing whose hang-up Twilio refuses `refusals`
   * times (each round of the REST client's tries two).
   */
  async function endedWithRefusedHangUp(phoneNumber: string, refusals: number) {
    const conferenceId = await startConference(await registerAgent())
    const ringing = await dialQuietly(conferenceId, phoneNumber)
    const call = callPath(ringing.callSid)
    await twilio().injectFault({ pathContains: call, method: 'POST', status: 500, times: refusals })
    const room = roomFor(env, conferenceId)
    // Answers once its hang-ups have been tried.
    await room.end('the host left')
    const statuses = async () =>
      (await twilio().requests({ pathContains: call, method: 'POST' })).map((r) => r.status)
    return { conferenceId, room, ringing, statuses }
  }

  /** The hang-ups the room keeps for its alarm to try again. */
  const keptHangUps = (room: ReturnType<typeof roomFor>) =>
    runInDurableObject(
      room,
      async (_, state) => (await state.storage.get<RoomRecord>('room'))?.hangUps,
    )

  it('tries again to hang up a ringing phone when Twilio refused, while it could still ring', async () => {
    const { conferenceId, room, ringing, statuses } = await endedWithRefusedHangUp(
      '+14155552675',
      2,
    )
    expect(await statuses()).toEqual([500, 500])
    expect(await keptHangUps(room)).toEqual([{ label: 'phone-1', callSid: ringing.callSid }])
    expect(await runDurableObjectAlarm(room)).toBe(true)
    expect(await statuses()).toEqual([500, 500, 200])
    // The record is kept for its hour: the alarm was the retry's, not the end of it.
    expect((await api(`/api/twilio/conferences/${conferenceId}`)).status).toBe(200)
  })

  it('keeps trying past the ring timeout, for the 5 s Twilio adds to it and its queue', async () => {
    // Refused at the end, and again 25 s later, when the next try (at 35 s) would come past
    // the 30 s Timeout, but not past what Twilio lets it ring.
    const { conferenceId, room, ringing, statuses } = await endedWithRefusedHangUp(
      '+14155552683',
      4,
    )
    await alarmAfter(conferenceId, 25_000)
    expect(await keptHangUps(room)).toEqual([{ label: 'phone-1', callSid: ringing.callSid }])
    // Long past it: one last try, then the record is left to its retention.
    await alarmAfter(conferenceId, 120_000)
    expect(await statuses()).toEqual([500, 500, 500, 500, 200])
  })

  it('writes the phones it calls off with the end itself, for the alarm should the room restart', async () => {
    const conferenceId = await startConference(await registerAgent())
    const ringing = await dialQuietly(conferenceId, '+14155552681')
    const written = await runInDurableObject(roomFor(env, conferenceId), async (room, state) => {
      const puts: RoomRecord[] = []
      const put = state.storage.put.bind(state.storage)
      state.storage.put = ((key: string, value: unknown, options?: DurableObjectPutOptions) => {
        if (key === 'room') puts.push(structuredClone(value as RoomRecord))
        return put(key, value, options)
      }) as typeof state.storage.put
      try {
        await room.end('the host left')
      } finally {
        state.storage.put = put
      }
      return puts
    })
    const first = written.find((record) => record.endedAt)
    expect(first?.hangUps).toEqual([{ label: 'phone-1', callSid: ringing.callSid }])
  })

  it('sets the alarm again when it comes while the hang-up it would retry is under way', async () => {
    const conferenceId = await startConference(await registerAgent())
    const ringing = await dialQuietly(conferenceId, '+14155552682')
    const call = callPath(ringing.callSid)
    await twilio().injectFault({ pathContains: call, method: 'POST', delayMs: 1500 })
    const room = roomFor(env, conferenceId)
    const ending = room.end('the host left')
    await eventually(
      'the hang-up to reach Twilio',
      async () => (await callUpdates(ringing.callSid)).length > 0,
    )
    // The alarm finds the leg in the first round's hands: it must not be the last alarm.
    expect(await runDurableObjectAlarm(room)).toBe(true)
    const alarm = await runInDurableObject(room, (_, state) => state.storage.getAlarm())
    expect(alarm).toBeGreaterThan(Date.now())
    expect(alarm).toBeLessThanOrEqual(Date.now() + HANG_UP_RETRY_MS)
    await ending
  })

  it("ends with the host's leave that says it ended the conference, its conference-end never heard", async () => {
    const conferenceId = await startConference(await registerAgent())
    const host = `CA${'5'.repeat(32)}`
    await hostJoins(conferenceId, 1, host)
    const ringing = await dialQuietly(conferenceId, '+14155552684')
    const left = await conferenceCallback(conferenceId, 2, {
      StatusCallbackEvent: 'participant-leave',
      CallSid: host,
      ParticipantLabel: 'web-web_host',
      EndConferenceOnExit: 'true',
      ReasonParticipantLeft: 'participant_hung_up',
      ParticipantCallStatus: 'completed',
    })
    expect(left.status).toBe(204)
    await eventually('the ringing phone called off', async () =>
      (await callUpdates(ringing.callSid)).some((form) => form.Status?.[0] === 'completed'),
    )
    const view = (await roomFor(env, conferenceId).view()) as RoomView
    expect(view.status).toBe('ended')
    // A leave that does not end it (a guest's, or a leg told not to) ends nothing.
    const other = await startConference(await registerAgent())
    await hostJoins(other, 1, host)
    await participantJoins(other, 2, 'web-web_guest', `CA${'6'.repeat(32)}`)
    await conferenceCallback(other, 3, {
      StatusCallbackEvent: 'participant-leave',
      CallSid: `CA${'6'.repeat(32)}`,
      ParticipantLabel: 'web-web_guest',
      EndConferenceOnExit: 'false',
    })
    expect(((await roomFor(env, other).view()) as RoomView).status).toBe('in-progress')
  })

  it('hangs up a call Twilio made for a dial while the conference was ending', async () => {
    const conferenceId = await startConference(await registerAgent())
    const room = roomFor(env, conferenceId)
    const reserved = await room.reserveDial('+14155552677', 6)
    if (!reserved.ok) throw new Error(reserved.message)
    await room.end('hung up')
    const callSid = `CA${'7'.repeat(32)}`
    await room.participantCreated(
      { label: reserved.label, kind: 'phone', callSid, phoneNumber: '+14155552677' },
      `CF${'7'.repeat(32)}`,
    )
    expect(await callUpdates(callSid)).toEqual([expect.objectContaining({ Status: ['completed'] })])
    expect(phone((await room.view()) as RoomView, '+14155552677')).toMatchObject({
      status: 'failed',
    })
  })

  it("keeps a refused hang-up for the alarm when a later one succeeds, not only the last round's", async () => {
    const conferenceId = await startConference(await registerAgent())
    const room = roomFor(env, conferenceId)
    const ringing = await dialQuietly(conferenceId, '+14155552678')
    const reserved = await room.reserveDial('+14155552679', 6)
    if (!reserved.ok) throw new Error(reserved.message)
    // More failures than the REST client retries: the ringing phone's hang-up is refused.
    const call = callPath(ringing.callSid)
    await twilio().injectFault({ pathContains: call, method: 'POST', status: 500, times: 2 })
    await room.end('hung up')
    // The other dial's call is made after the end, and its hang-up goes through.
    const late = `CA${crypto.randomUUID().replaceAll('-', '')}`
    await room.participantCreated(
      { label: reserved.label, kind: 'phone', callSid: late, phoneNumber: '+14155552679' },
      `CF${'9'.repeat(32)}`,
    )
    expect(await callUpdates(late)).toHaveLength(1)
    const { hangUps, alarm } = await runInDurableObject(room, async (_, state) => ({
      hangUps: (await state.storage.get<RoomRecord>('room'))?.hangUps,
      alarm: await state.storage.getAlarm(),
    }))
    expect(hangUps).toEqual([{ label: 'phone-1', callSid: ringing.callSid }])
    expect(alarm).toBeLessThanOrEqual(Date.now() + HANG_UP_RETRY_MS)
    expect(await runDurableObjectAlarm(room)).toBe(true)
    const statuses = (await twilio().requests({ pathContains: call, method: 'POST' })).map(
      (r) => r.status,
    )
    expect(statuses).toEqual([500, 500, 200])
  })

  it('hangs up a dialled call first heard of, by its label, after the conference ended', async () => {
    const conferenceId = await startConference(await registerAgent())
    const room = roomFor(env, conferenceId)
    // Its create's answer never reached the room (it timed out, or the page went away).
    const reserved = await room.reserveDial('+14155552680', 6)
    if (!reserved.ok) throw new Error(reserved.message)
    await room.end('hung up')
    // Not shown on its way in a conference that is over, though its call is not known.
    expect(phone((await room.view()) as RoomView, '+14155552680')).toMatchObject({
      status: 'failed',
      error: 'the conference ended before they answered',
    })
    const callSid = `CA${crypto.randomUUID().replaceAll('-', '')}`
    const callback = await twilioPost(
      `/api/twilio/status/call?conferenceId=${conferenceId}&label=${reserved.label}`,
      { CallSid: callSid, CallStatus: 'ringing', SequenceNumber: '1' },
    )
    expect(callback.status).toBe(204)
    await eventually('the late call hung up', async () => (await callUpdates(callSid)).length > 0)
    expect(await callUpdates(callSid)).toEqual([expect.objectContaining({ Status: ['completed'] })])
    expect(phone((await room.view()) as RoomView, '+14155552680')).toMatchObject({
      status: 'failed',
      callSid,
      error: 'the conference ended before they answered',
    })
    // Its later callbacks, still of a call on its way, ask for no second hang-up.
    await twilioPost(
      `/api/twilio/status/call?conferenceId=${conferenceId}&label=${reserved.label}`,
      { CallSid: callSid, CallStatus: 'in-progress', SequenceNumber: '2' },
    )
    expect(await callUpdates(callSid)).toHaveLength(1)
  })

  it('keeps people shown in a conference Twilio would not end, and ends it on Twilio when asked again', async () => {
    const conferenceId = await startConference(await registerAgent())
    await hostJoins(conferenceId, 1)
    const { conferenceSid } = await json(await api(`/api/twilio/conferences/${conferenceId}`))
    const completion = `/Conferences/${conferenceSid}.json`
    // More failures than the client retries: the end fails.
    await twilio().injectFault({ pathContains: completion, method: 'POST', status: 500, times: 2 })
    const path = `/api/twilio/conferences/${conferenceId}`
    const failed = await api(path, { method: 'DELETE' })
    expect(failed.status).toBe(502)
    const host = async () =>
      ((await (await api(path)).json()) as RoomView).participants.find((p) => p.kind === 'browser')
    expect(await host()).toMatchObject({ status: 'joined' })
    const again = await api(path, { method: 'DELETE' })
    expect(again.status).toBe(200)
    expect(await host()).toMatchObject({ status: 'left' })
    expect(
      (await twilio().requests({ pathContains: completion, method: 'POST' })).map((r) => r.status),
    ).toEqual([500, 500, 200])
  })

  it('ends a conference that Twilio has already ended without an error', async () => {
    const conferenceId = await startConference(await registerAgent())
    const { conferenceSid } = await json(await api(`/api/twilio/conferences/${conferenceId}`))
    const completion = `/Conferences/${conferenceSid}.json`
    await twilio().injectFault({ pathContains: completion, method: 'POST', status: 404 })
    const res = await api(`/api/twilio/conferences/${conferenceId}`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({ status: 'ended' })
    expect(await twilio().requests({ pathContains: completion, method: 'POST' })).toHaveLength(1)
  })

  it("takes a leg Twilio calls no longer in progress (21220) for ended, before the conference's sid is known", async () => {
    const conferenceId = await startConference(await registerAgent())
    const { callSid } = await dialQuietly(conferenceId, '+14155552683')
    await twilioRestClient(env).updateCall(callSid, { status: 'completed' })
    // Until Twilio reports the conference, its legs are ended one by one; this one is over,
    // and the stand-in answers its hang-up as Twilio answers a call no longer in progress.
    const view = { ...((await roomFor(env, conferenceId).view()) as RoomView) }
    delete view.conferenceSid
    view.participants = [{ ...(phone(view, '+14155552683') as ParticipantView), status: 'joined' }]
    expect(await endOnTwilio(env, view)).toBeUndefined()
    const updates = await twilio().requests({ pathContains: callPath(callSid), method: 'POST' })
    expect(updates.map((r) => r.status)).toEqual([200, 400])
  })

  it('answers 404 when ending a conference that does not exist', async () => {
    expect(
      (await api('/api/twilio/conferences/conf-cccccccccccccccccccc', { method: 'DELETE' })).status,
    ).toBe(404)
  })
})

describe('the JSON API behind APP_ACCESS_KEY', () => {
  const locked = { APP_ACCESS_KEY: 'k3y-for-tests-k3y-for-tests-k3y-for-tests' }

  it('requires the bearer key when it is set', async () => {
    const res = await apiWith(locked, '/api/twilio/token')
    expect(res.status).toBe(401)
    expect(await json(res)).toMatchObject({ error: { code: 'unauthorized' } })
    const wrong = await apiWith(locked, '/api/twilio/token', {
      headers: { Authorization: 'Bearer nope' },
    })
    expect(wrong.status).toBe(401)
    const right = await apiWith(locked, '/api/twilio/token', {
      headers: { Authorization: 'Bearer k3y-for-tests-k3y-for-tests-k3y-for-tests' },
    })
    expect(right.status).toBe(200)
  })

  it('refuses every request while the key is set but invalid, rather than leaving the API open', async () => {
    const res = await apiWith({ APP_ACCESS_KEY: 'a key with spaces' }, '/api/twilio/token', {
      headers: { Authorization: 'Bearer a' },
    })
    expect(res.status).toBe(503)
    const body = await json(res)
    expect(body).toMatchObject({ error: { code: 'not_configured' } })
    expect(JSON.stringify(body)).toContain('APP_ACCESS_KEY must be printable ASCII')
    expect(JSON.stringify(body)).not.toContain('with spaces')
  })

  it('without a key, answers only on this machine, so a deployed worker is not open to all', async () => {
    const from = (origin: string) => exports.default.fetch(`${origin}/api/twilio/token`)
    for (const origin of ['http://localhost:8787', 'http://127.0.0.1:8787']) {
      expect((await from(origin)).status).toBe(200)
    }
    const remote = await from('https://bridge.example.workers.dev')
    expect(remote.status).toBe(403)
    // Through a tunnel to `npm run dev`, even one that rewrites the Host to localhost.
    for (const header of ['X-Forwarded-For', 'Forwarded']) {
      const tunnelled = await exports.default.fetch('http://localhost:8787/api/twilio/token', {
        headers: { [header]: header === 'Forwarded' ? 'for=203.0.113.7' : '203.0.113.7' },
      })
      expect(tunnelled.status).toBe(403)
    }
    expect(await json(remote)).toMatchObject({
      error: { code: 'forbidden', message: expect.stringContaining('Set APP_ACCESS_KEY') },
    })
    const withKey = await apiWith(locked, 'https://bridge.example.workers.dev/api/twilio/token', {
      headers: { Authorization: 'Bearer k3y-for-tests-k3y-for-tests-k3y-for-tests' },
    })
    expect(withKey.status).toBe(200)
  })

  it('leaves the health check and the Twilio-signed routes to their own checks', async () => {
    expect((await apiWith(locked, '/api/health')).status).toBe(200)
    const unsigned = await apiWith(locked, '/api/twilio/status/conference', { method: 'POST' })
    expect(unsigned.status).toBe(403)
  })

  it('accepts the key as a WebSocket subprotocol for the events socket, whatever its characters', async () => {
    // What `openssl rand -base64` makes: `/`, `+` and `=` may not appear in a subprotocol.
    const key = 'q1/Zr+8wQ5Lk2mVb7Xn0Tc4Hs9Pd6Yf3Rj8e1GuA=='
    const conferenceId = await startConference(await registerAgent())
    const path = `/api/twilio/conferences/${conferenceId}/events`
    const res = await pageUpgrade({ APP_ACCESS_KEY: key }, path, key)
    expect(res.status).toBe(101)
    expect(res.headers.get('Sec-WebSocket-Protocol')).toBe('bridge.v1')
    res.webSocket?.accept()
    res.webSocket?.close()
    const wrong = await pageUpgrade({ APP_ACCESS_KEY: key }, path, key.slice(0, -1))
    expect(wrong.status).toBe(401)
  })
})
