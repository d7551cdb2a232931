import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { encodeBase64 } from '../audio/base64.ts'
import { AGENT_LEG_CHECK_MS, AGENT_LEG_RECHECK_MS } from '../conference/agent-leg-watch.ts'
import { roomFor } from '../conference/conference-id.ts'
import type { RoomView } from '../conference/room-record.ts'
import {
  alarmAfter,
  answerAgentLeg,
  api,
  apiWith,
  elevenLabs,
  liveCall,
  openStream,
  registerAgent,
  STREAM_SID,
  saidGoodbye,
  twilio,
} from '../testing/conference-call.ts'
import { eventually } from '../testing/eventually.ts'
import { resettingRooms } from '../testing/resetting-rooms.ts'
import { conferenceCallback, participantJoins, twilioPost } from '../testing/twilio-requests.ts'

/** The new leg's stream, which Twilio gives a StreamSid of its own. */
const NEW_STREAM_SID = `MZ${'7'.repeat(32)}`
const ULAW = { userInputAudioFormat: 'ulaw_8000', agentOutputAudioFormat: 'ulaw_8000' } as const

const bringBack = (conferenceId: string) =>
  api(`/api/twilio/conferences/${conferenceId}/agent`, { json: {} })

const view = async (conferenceId: string) =>
  (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as RoomView

const conversationOf = async (conversationId: string) =>
  (await elevenLabs().conversations({ conversationId }))[0]

/** Twilio asking a leg's `<Connect action>` what next, once its stream ended. */
const streamEnded = async (conferenceId: string, callSid: string) =>
  (
    await twilioPost(
      `/api/twilio/conference-elevenlabs/stream-ended?conferenceId=${conferenceId}`,
      { AccountSid: env.TWILIO_ACCOUNT_SID ?? '', CallSid: callSid, CallStatus: 'in-progress' },
    )
  ).text()

/** A live call whose agent said goodbye, then reached its max_duration_seconds. */
async function agentTimedOut(config: Parameters<typeof liveCall>[0] = {}) {
  const call = await liveCall(config)
  await participantJoins(call.conferenceId, 2, 'agent', call.agentCallSid)
  const id = call.conversation.conversationId
  await saidGoodbye(id)
  await eventually(
    'the goodbye in the transcript',
    async () => (await view(call.conferenceId)).transcript.length > 0,
  )
  await elevenLabs().push(id, {
    message: {
      type: 'error',
      error_event: { code: 1000, error_type: 'max_duration_exceeded', message: 'Max duration' },
    },
  })
  await elevenLabs().close(id, { code: 1000, reason: 'max duration exceeded' })
  await eventually('the agent leg to end', () => call.stream.closes.length > 0)
  return call
}

/**
 * The agent's new leg as Twilio runs it: its TwiML, its stream and its join. Its join is
 * reported from the conference the room knows: the Twilio stand-in, which has none of the
 * people in it, made a new one for the new leg once the earlier one was hung up.
 */
async function answerNewLeg(conferenceId: string, label = 'agent-2') {
  const leg = await answerAgentLeg(conferenceId, label)
  if (!leg.streamToken) throw new Error(`no stream in ${leg.twiml}`)
  const stream = await openStream(conferenceId, leg.streamToken, leg.callSid, NEW_STREAM_SID)
  await conferenceCallback(conferenceId, 20, {
    StatusCallbackEvent: 'participant-join',
    ConferenceSid: (await view(conferenceId)).conferenceSid ?? '',
    CallSid: leg.callSid,
    ParticipantLabel: label,
  })
  return { ...leg, stream }
}

async function nextConversation(agentId: string, before: string) {
  return eventually('a new agent conversation', async () =>
    (await elevenLabs().conversations({ agentId })).find(
      (c) => c.status === 'active' && c.conversationId !== before,
    ),
  )
}

describe('POST /api/twilio/conferences/:id/agent', () => {
  it('brings the agent back after its maximum duration: a new leg, stream and conversation told what was said', async () => {
    const call = await agentTimedOut({ ...ULAW, keepUserAudioMs: 10_000 })
    expect((await view(call.conferenceId)).agent).toMatchObject({
      status: 'ended',
      error: expect.stringContaining('max_duration_seconds'),
    })
    const firstLeg = (await twilio().conference(call.conferenceId))?.participants[0]
    const res = await bringBack(call.conferenceId)
    expect(res.status).toBe(201)
    const { room } = (await res.json()) as { room: RoomView }
    // The page follows it as at the start: waiting for its leg, the earlier reason gone.
    expect(room.agent).toMatchObject({ status: 'waiting' })
    expect(room.agent.error).toBeUndefined()

    // The earlier leg, never heard leaving, was hung up first.
    const conference = await twilio().conference(call.conferenceId)
    expect(conference?.participants).toHaveLength(1)
    const [second] = conference?.participants ?? []
    expect(second).toMatchObject({
      label: 'agent-2',
      to: expect.stringContaining(`app:${env.TWILIO_TWIML_APP_SID}?`),
      customParameters: { conferenceId: call.conferenceId, role: 'agent' },
    })
    expect(second?.customParameters.legToken).toMatch(/\S{20,}/)
    expect(second?.customParameters.legToken).not.toBe(firstLeg?.customParameters.legToken)

    const leg = await answerNewLeg(call.conferenceId)
    expect(leg.twiml).toContain('<Connect')
    const next = await nextConversation(call.agentId, call.conversation.conversationId)
    const told = await eventually('the conversation so far, told', async () =>
      (await conversationOf(next.conversationId))?.contextualUpdates.find((u) =>
        u.text.includes('Goodbye.'),
      ),
    )
    expect(told.text).toMatch(
      /^You had left the call, and someone on it has brought you back\. The conversation so far:/,
    )
    await eventually(
      'the agent ready',
      async () => (await view(call.conferenceId)).agent.status === 'ready',
    )

    // Audio flows both ways on the new stream: the caller's to the agent, the agent's reply
    // (an answer, once someone spoke: not a repeated greeting) to Twilio.
    leg.stream.sendFrames(10)
    await eventually(
      "the caller's audio at the agent",
      async () => (await elevenLabs().userAudio(next.conversationId)).bytes.length >= 1600,
    )
    await elevenLabs().push(next.conversationId, {
      message: { type: 'user_transcript', user_transcription_event: { user_transcript: 'Back?' } },
    })
    await elevenLabs().sendAudio(next.conversationId, encodeBase64(new Uint8Array(800)), 2)
    const [media] = await eventually('the reply at Twilio', () => {
      const sent = leg.stream.ofEvent('media')
      return sent.length > 0 && sent
    })
    expect(media).toMatchObject({ streamSid: NEW_STREAM_SID })

    const after = await view(call.conferenceId)
    expect(after.participants.map((p) => [p.label, p.status])).toEqual([
      ['agent', 'left'],
      ['web-web_host', 'joined'],
      ['agent-2', 'joined'],
    ])
    expect(after).toMatchObject({
      stream: { status: 'live', streamSid: NEW_STREAM_SID },
      agent: { status: 'ready', conversationId: next.conversationId },
    })
  })

  it('lets no late word of the earlier leg end or confuse the new one', async () => {
    const call = await agentTimedOut()
    expect((await bringBack(call.conferenceId)).status).toBe(201)
    const leg = await answerNewLeg(call.conferenceId)
    const next = await nextConversation(call.agentId, call.conversation.conversationId)
    await eventually(
      'the agent ready',
      async () => (await view(call.conferenceId)).agent.status === 'ready',
    )

    // The earlier leg's <Connect action>, its leave and its call's end, and its stream's
    // error, all late.
    const before = await view(call.conferenceId)
    expect(await streamEnded(call.conferenceId, call.agentCallSid)).toContain('<Hangup')
    await conferenceCallback(call.conferenceId, 21, {
      StatusCallbackEvent: 'participant-leave',
      ConferenceSid: before.conferenceSid ?? '',
      CallSid: call.agentCallSid,
      ParticipantLabel: 'agent',
    })
    await twilioPost(`/api/twilio/status/call?conferenceId=${call.conferenceId}&label=agent`, {
      AccountSid: env.TWILIO_ACCOUNT_SID ?? '',
      CallSid: call.agentCallSid,
      CallStatus: 'completed',
      SequenceNumber: '9',
    })
    await twilioPost(`/api/twilio/status/stream?conferenceId=${call.conferenceId}`, {
      AccountSid: env.TWILIO_ACCOUNT_SID ?? '',
      CallSid: call.agentCallSid,
      StreamSid: STREAM_SID,
      StreamEvent: 'stream-error',
      StreamError: 'late',
    })

    const after = await view(call.conferenceId)
    expect(after).toMatchObject({
      stream: { status: 'live', streamSid: NEW_STREAM_SID },
      agent: { status: 'ready', conversationId: next.conversationId },
    })
    expect(after.participants.find((p) => p.label === 'agent-2')).toMatchObject({
      status: 'joined',
      callSid: leg.callSid,
    })
    expect((await conversationOf(next.conversationId))?.status).toBe('active')
    expect(leg.stream.closes).toEqual([])
  })

  it('keeps the new leg awaited when the earlier one, never heard joining, is heard leaving', async () => {
    // Its join lost: shown on its way when the agent was brought back, then failed.
    const call = await liveCall()
    await saidGoodbye(call.conversation.conversationId)
    await elevenLabs().close(call.conversation.conversationId, { code: 1000, reason: 'end_call' })
    await eventually('the agent leg to end', () => call.stream.closes.length > 0)
    expect((await bringBack(call.conferenceId)).status).toBe(201)
    await conferenceCallback(call.conferenceId, 5, {
      StatusCallbackEvent: 'participant-leave',
      ConferenceSid: (await view(call.conferenceId)).conferenceSid ?? '',
      CallSid: call.agentCallSid,
      ParticipantLabel: 'agent',
    })
    expect((await view(call.conferenceId)).agent).toMatchObject({ status: 'waiting' })
    await answerNewLeg(call.conferenceId)
    await nextConversation(call.agentId, call.conversation.conversationId)
  })

  it('hangs up the earlier leg Twilio may still have: an agent that gave up', async () => {
    // ElevenLabs refuses the conversation: the agent is unavailable and its stream closed,
    // its leg's leaving not yet heard of.
    const call = await liveCall()
    await elevenLabs().close(call.conversation.conversationId, { code: 1008, reason: 'policy' })
    await eventually(
      'the agent unavailable',
      async () => (await view(call.conferenceId)).agent.status === 'unavailable',
    )
    await participantJoins(call.conferenceId, 10, 'agent', call.agentCallSid)
    await eventually('the stream closed', () => call.stream.closes.length > 0)

    expect((await bringBack(call.conferenceId)).status).toBe(201)
    const hangUps = await twilio().requests({
      pathContains: `/Calls/${call.agentCallSid}.json`,
      method: 'POST',
    })
    expect(hangUps.map((r) => r.form.Status)).toEqual([['completed']])
    expect(
      (await view(call.conferenceId)).participants.find((p) => p.label === 'agent'),
    ).toMatchObject({ status: 'left' })
    await answerNewLeg(call.conferenceId)
    await nextConversation(call.agentId, call.conversation.conversationId)
  })

  it('refuses while the agent is on the call, on its way back, or once the conference ended', async () => {
    const call = await liveCall()
    const present = await bringBack(call.conferenceId)
    expect(present.status).toBe(409)
    expect(await present.json()).toMatchObject({
      error: { code: 'conflict', message: 'The agent is on the call already.' },
    })

    await saidGoodbye(call.conversation.conversationId)
    await elevenLabs().close(call.conversation.conversationId, { code: 1000, reason: 'end_call' })
    await eventually(
      'the agent gone',
      async () => (await view(call.conferenceId)).agent.status === 'ended',
    )
    expect((await bringBack(call.conferenceId)).status).toBe(201)
    const coming = await bringBack(call.conferenceId)
    expect(coming.status).toBe(409)
    expect(await coming.json()).toMatchObject({
      error: { message: 'The agent is on its way into the call already.' },
    })
    expect(
      (await twilio().conference(call.conferenceId))?.participants.map((p) => p.label),
    ).toEqual(['agent-2'])

    await api(`/api/twilio/conferences/${call.conferenceId}`, { method: 'DELETE' })
    const ended = await bringBack(call.conferenceId)
    expect(ended.status).toBe(409)
    expect(await ended.json()).toMatchObject({
      error: { code: 'conflict', message: 'This conference has ended.' },
    })
  })

  it('shows the agent unavailable, with why, when Twilio refuses the new leg; a second try works', async () => {
    const call = await agentTimedOut()
    await twilio().injectFault({ pathContains: '/Participants.json', method: 'POST', status: 400 })
    const refused = await bringBack(call.conferenceId)
    expect(refused.status).toBe(502)
    const { error } = (await refused.json()) as { error: { message: string } }
    expect(error.message).toContain('Bringing the agent back failed')
    expect((await view(call.conferenceId)).agent).toMatchObject({
      status: 'unavailable',
      error: error.message,
    })
    expect((await bringBack(call.conferenceId)).status).toBe(201)
    const leg = await answerAgentLeg(call.conferenceId, 'agent-3')
    expect(leg.streamToken).toBeDefined()
  })

  it("asks the room again when a reset meets Twilio's answer or refusal", async () => {
    const bringBackThrough = (overrides: Partial<typeof env>, conferenceId: string) =>
      apiWith(overrides, `/api/twilio/conferences/${conferenceId}/agent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    const call = await agentTimedOut()
    const answered = await bringBackThrough(
      resettingRooms('participantCreated', 1),
      call.conferenceId,
    )
    expect(answered.status).toBe(201)
    expect(
      (await view(call.conferenceId)).participants.find((p) => p.label === 'agent-2')?.callSid,
    ).toMatch(/^CA/)

    const refusedCall = await agentTimedOut()
    await twilio().injectFault({ pathContains: '/Participants.json', method: 'POST', status: 400 })
    const refused = await bringBackThrough(
      resettingRooms('agentReturnFailed', 1),
      refusedCall.conferenceId,
    )
    expect(refused.status).toBe(502)
    expect((await view(refusedCall.conferenceId)).agent.status).toBe('unavailable')
    expect((await bringBack(refusedCall.conferenceId)).status).toBe(201)
  })

  it("ends in a verdict, and a new return, when Twilio's answer never reached the room", async () => {
    const call = await agentTimedOut()
    // The room let the earlier leg go and issued a token; what Twilio then did, it never
    // heard (a reset it could not be told through, say).
    const back = await roomFor(env, call.conferenceId).bringAgentBack()
    expect(back.ok).toBe(true)
    await alarmAfter(call.conferenceId, AGENT_LEG_CHECK_MS + 1000)
    await alarmAfter(call.conferenceId, AGENT_LEG_CHECK_MS + AGENT_LEG_RECHECK_MS + 1000)
    const later = await alarmAfter(
      call.conferenceId,
      AGENT_LEG_CHECK_MS + 2 * AGENT_LEG_RECHECK_MS + 1000,
    )
    expect(later.agent.status).toBe('unavailable')
    expect((await bringBack(call.conferenceId)).status).toBe(201)
  })

  it("takes no stream error of the earlier leg's call for the new leg's, whatever its stream", async () => {
    const call = await agentTimedOut()
    expect((await bringBack(call.conferenceId)).status).toBe(201)
    // A stream of the earlier call the room never saw start (a resume's that failed).
    await twilioPost(`/api/twilio/status/stream?conferenceId=${call.conferenceId}`, {
      AccountSid: env.TWILIO_ACCOUNT_SID ?? '',
      CallSid: call.agentCallSid,
      StreamSid: `MZ${'9'.repeat(32)}`,
      StreamEvent: 'stream-error',
      StreamError: 'late, of the earlier leg',
    })
    expect((await view(call.conferenceId)).agent.status).toBe('waiting')
  })

  it('answers 404 for an unknown conference, and 409 for a local call', async () => {
    const unknown = await bringBack(`conf-${'0'.repeat(32)}`)
    expect(unknown.status).toBe(404)
    const agentId = await registerAgent()
    const local = await apiWith({ LOCAL_CALLS: 'true' }, '/api/local/conversations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agentId }),
    })
    const { conferenceId } = (await local.json()) as { conferenceId: string }
    const res = await bringBack(conferenceId)
    expect(res.status).toBe(409)
  })

  it('is behind APP_ACCESS_KEY, as the other conference routes are', async () => {
    const locked = { APP_ACCESS_KEY: 'k3y-for-tests-k3y-for-tests-k3y-for-tests' }
    const call = await agentTimedOut()
    const path = `/api/twilio/conferences/${call.conferenceId}/agent`
    const post = (headers: Record<string, string>) =>
      apiWith(locked, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      })
    expect((await post({})).status).toBe(401)
    expect((await post({ Authorization: 'Bearer nope' })).status).toBe(401)
    expect((await post({ Authorization: `Bearer ${locked.APP_ACCESS_KEY}` })).status).toBe(201)
  })
})
