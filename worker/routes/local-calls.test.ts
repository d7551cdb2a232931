import type { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  AGENT_LEG_CHECK_MS,
  AGENT_LEG_LOOKS,
  AGENT_LEG_RECHECK_MS,
} from '../conference/agent-leg-watch.ts'
import { EMPTY_ROOM_MS } from '../conference/alarm-schedule.ts'
import type { RoomView } from '../conference/room-record.ts'
import {
  alarmAfter,
  api,
  apiWith,
  elevenLabs,
  pageUpgrade,
  playTwilio,
  registerAgent,
  STREAM_SID,
  saidGoodbye,
  startConference,
  twilio,
} from '../testing/conference-call.ts'
import { eventually } from '../testing/eventually.ts'
import { twilioPost, twilioUpgrade } from '../testing/twilio-requests.ts'

const LOCAL = { LOCAL_CALLS: 'true' }
/** `npm run dev` on a machine with no Twilio account. */
const NO_TWILIO = {
  ...LOCAL,
  TWILIO_ACCOUNT_SID: undefined,
  TWILIO_AUTH_TOKEN: undefined,
  TWILIO_API_KEY: undefined,
  TWILIO_API_SECRET: undefined,
  TWILIO_TWIML_APP_SID: undefined,
  TWILIO_PHONE_NUMBER: undefined,
  WEBHOOK_BASE_URL: undefined,
}
const CALL_SID = `CA${'7'.repeat(32)}`

interface Started {
  conferenceId: string
  streamToken: string
  room: RoomView
  warnings: string[]
}

async function startLocalCall(agentId: string, overrides: Partial<typeof env> = LOCAL) {
  const res = await apiWith(overrides, '/api/local/conversations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agentId }),
  })
  if (res.status !== 201) throw new Error(`start answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as Started
}

/** The page's side of a local call: its stream opened and started, as the page does it. */
async function pageStream(call: Started, overrides: Partial<typeof env> = LOCAL) {
  const res = await apiWith(overrides, `/api/local/media-stream/${call.conferenceId}`, {
    headers: { Upgrade: 'websocket' },
  })
  return playTwilio(res, { ...call, callSid: CALL_SID })
}

const roomView = async (conferenceId: string) =>
  (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as RoomView

const activeConversation = (agentId: string) =>
  eventually('the agent conversation to start', async () =>
    (await elevenLabs().conversations({ agentId })).find((c) => c.status === 'active'),
  )

describe('local calls', () => {
  it('refuse an agent ElevenLabs does not know, so nobody talks to an empty room', async () => {
    const res = await apiWith(LOCAL, '/api/local/conversations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'agent_not_in_the_standin' }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      error: { code: 'bad_request', message: expect.stringContaining('has no agent') },
    })
  })

  it('are off unless LOCAL_CALLS=true, and say how to turn them on', async () => {
    const res = await api('/api/local/conversations', { json: {} })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({
      error: { code: 'not_found', message: expect.stringMatching(/LOCAL_CALLS=true/) },
    })
    const upgrade = await api('/api/local/media-stream/conf-cccccccccccccccccccc', {
      headers: { Upgrade: 'websocket' },
    })
    expect(upgrade.status).toBe(404)
    expect((await (await api('/api/health')).json()) as object).toMatchObject({
      localCalls: false,
    })
    const on = await apiWith(LOCAL, '/api/health')
    expect((await on.json()) as object).toMatchObject({
      localCalls: true,
      warnings: expect.arrayContaining([expect.stringMatching(/^LOCAL_CALLS is on: .* unsigned/)]),
    })
  })

  it('start with the page in the call and the stream token issued, without Twilio', async () => {
    const agentId = await registerAgent()
    const call = await startLocalCall(agentId, NO_TWILIO)
    expect(call.streamToken).toMatch(/^[\w-]{43}$/)
    expect(call.room).toMatchObject({ local: true, status: 'in-progress' })
    expect(call.room.participants).toEqual([
      expect.objectContaining({ label: 'web-local', kind: 'browser', status: 'joined' }),
    ])
    expect(await twilio().requests({ conference: call.conferenceId })).toEqual([])
    expect(call.warnings).toEqual([])
    // A conversation setting left out is said, as a Twilio call's start says it.
    const unset = await startLocalCall(agentId, {
      ...NO_TWILIO,
      ELEVENLABS_DYNAMIC_VARIABLES: '[1]',
    })
    expect(unset.warnings).toEqual([
      "ELEVENLABS_DYNAMIC_VARIABLES must be a JSON object; the agent's conversation starts without it.",
    ])
  })

  it('need the agent configured', async () => {
    const res = await apiWith(
      { ...LOCAL, ELEVENLABS_API_KEY: undefined },
      '/api/local/conversations',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
    )
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({
      error: { code: 'not_configured', message: expect.stringMatching(/ELEVENLABS_API_KEY/) },
    })
  })

  it('bridge the page stream to the agent as a phone call is bridged', async () => {
    const agentId = await registerAgent({
      userInputAudioFormat: 'pcm_16000',
      agentOutputAudioFormat: 'pcm_16000',
    })
    const call = await startLocalCall(agentId)
    const stream = await pageStream(call)
    const conversation = await activeConversation(agentId)
    stream.sendFrames(10)
    await eventually(
      '200 ms of the page audio at the agent',
      async () =>
        (await elevenLabs().conversations({ agentId }))[0]?.received.audioBytes === 10 * 640,
    )
    await elevenLabs().sendAudio(conversation.conversationId, 'AAAAAA==', 1)
    await eventually('agent audio on the page stream', () => stream.ofEvent('media').length > 0)
    expect(stream.ofEvent('media')[0]).toMatchObject({ streamSid: STREAM_SID })
    const room = await roomView(call.conferenceId)
    expect(room.agent.status).toBe('ready')
    expect(room.participants.find((p) => p.kind === 'agent')).toMatchObject({
      status: 'joined',
      callSid: CALL_SID,
    })
  })

  it('end when the page hangs up, and close the agent conversation', async () => {
    const agentId = await registerAgent()
    const call = await startLocalCall(agentId)
    const stream = await pageStream(call)
    const conversation = await activeConversation(agentId)
    stream.socket.send(JSON.stringify({ event: 'stop', streamSid: STREAM_SID, stop: {} }))
    stream.socket.close(1000, 'hung up')
    const ended = await eventually('the room to end', async () => {
      const room = await roomView(call.conferenceId)
      return room.status === 'ended' && room
    })
    expect(ended.endedReason).toBe('you hung up')
    expect(ended.participants.every((p) => p.status === 'left')).toBe(true)
    const closed = await eventually('the conversation to close', async () => {
      const [c] = await elevenLabs().conversations({ conversationId: conversation.conversationId })
      return c?.status === 'closed' && c
    })
    expect(closed.close).toMatchObject({ code: 1000, by: 'client' })
  })

  it("end, saying the call was cut off, when the page's stream goes without a hang-up", async () => {
    const call = await startLocalCall(await registerAgent())
    const stream = await pageStream(call)
    stream.socket.close(1011, 'tab crashed')
    const ended = await eventually('the room to end', async () => {
      const room = await roomView(call.conferenceId)
      return room.status === 'ended' && room
    })
    expect(ended.endedReason).toBe('the call was cut off')
    // The browser closes a page's sockets with 1001 as the page goes.
    const reloaded = await startLocalCall(await registerAgent())
    ;(await pageStream(reloaded)).socket.close(1001, '')
    const gone = await eventually('the room to end', async () => {
      const room = await roomView(reloaded.conferenceId)
      return room.status === 'ended' && room
    })
    expect(gone.endedReason).toBe('the page was closed or reloaded')
  })

  it('end when the agent ends the conversation', async () => {
    const agentId = await registerAgent()
    const call = await startLocalCall(agentId)
    const stream = await pageStream(call)
    const conversation = await activeConversation(agentId)
    await saidGoodbye(conversation.conversationId)
    await elevenLabs().close(conversation.conversationId, { code: 1000 })
    const [close] = await eventually('the page stream to close', () =>
      stream.closes.length > 0 ? stream.closes : undefined,
    )
    expect(close).toMatchObject({ code: 1000, reason: 'agent ended the call' })
    const room = await roomView(call.conferenceId)
    expect(room).toMatchObject({ status: 'ended', endedReason: 'agent ended the call' })
  })

  it('end when the agent is unavailable for good: the page would stream to nobody', async () => {
    const agentId = await registerAgent()
    const call = await startLocalCall(agentId)
    const stream = await pageStream(call)
    const conversation = await activeConversation(agentId)
    await elevenLabs().close(conversation.conversationId, { code: 1008, reason: 'policy' })
    const [close] = await eventually('the page stream to close', () =>
      stream.closes.length > 0 ? stream.closes : undefined,
    )
    expect(close).toMatchObject({ code: 1000, reason: 'the agent is unavailable' })
    expect(await roomView(call.conferenceId)).toMatchObject({
      status: 'ended',
      endedReason: 'the agent is unavailable',
      agent: { status: 'unavailable', error: expect.stringMatching(/policy/) },
    })
  })

  it('end through DELETE without touching Twilio', async () => {
    const call = await startLocalCall(await registerAgent(), NO_TWILIO)
    const res = await apiWith(NO_TWILIO, `/api/twilio/conferences/${call.conferenceId}`, {
      method: 'DELETE',
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ended', local: true })
    expect(await twilio().requests({ conference: call.conferenceId })).toEqual([])
  })

  it('never swap streams: no page stream into a Twilio call, no Twilio stream into a local one', async () => {
    const agentId = await registerAgent()
    const twilioCall = await startConference(agentId)
    const intoTwilio = await apiWith(LOCAL, `/api/local/media-stream/${twilioCall}`, {
      headers: { Upgrade: 'websocket' },
    })
    expect(intoTwilio.status).toBe(404)
    expect(await intoTwilio.json()).toMatchObject({
      error: { message: 'No local call with this id.' },
    })
    const local = await startLocalCall(agentId)
    const intoLocal = await twilioUpgrade(`/api/twilio/media-stream/${local.conferenceId}`)
    expect(intoLocal.status).toBe(404)
  })

  it('take no Twilio leg: no phone dialled in or controlled, no Voice SDK caller let in', async () => {
    const call = await startLocalCall(await registerAgent())
    const dialled = await apiWith(
      LOCAL,
      `/api/twilio/conferences/${call.conferenceId}/participants`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: '+14155552671' }),
      },
    )
    expect(dialled.status).toBe(409)
    expect(await dialled.json()).toMatchObject({
      error: { code: 'conflict', message: 'A local call cannot add a phone participant.' },
    })
    // Nor muted or removed through Twilio: with Twilio set up or not, the same answer.
    for (const env of [LOCAL, NO_TWILIO]) {
      const path = `/api/twilio/conferences/${call.conferenceId}/participants/${CALL_SID}`
      for (const init of [
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"muted":true}' },
        { method: 'DELETE' },
      ]) {
        const res = await apiWith(env, path, init)
        expect(res.status).toBe(409)
        expect(await res.json()).toMatchObject({
          error: {
            code: 'conflict',
            message: 'A local call has no Twilio participants to control.',
          },
        })
      }
    }
    const joined = await twilioPost('/api/twilio/conference-elevenlabs', {
      CallSid: CALL_SID,
      From: 'client:web_guest',
      conferenceId: call.conferenceId,
    })
    expect(await joined.text()).toContain('<Hangup/>')
    expect(await twilio().requests({ conference: call.conferenceId })).toEqual([])
  })

  it('end when the page never streams, ten minutes on', async () => {
    const waiting = await startLocalCall(await registerAgent())
    expect(await alarmAfter(waiting.conferenceId, EMPTY_ROOM_MS - 60_000)).toMatchObject({
      status: 'in-progress',
    })
    expect(await alarmAfter(waiting.conferenceId, EMPTY_ROOM_MS)).toMatchObject({
      status: 'ended',
      endedReason: 'nobody on the call for 10 minutes',
    })
    const talking = await startLocalCall(await registerAgent())
    await pageStream(talking)
    await activeConversation(talking.room.agent.agentId)
    expect(await alarmAfter(talking.conferenceId, 2 * EMPTY_ROOM_MS)).toMatchObject({
      status: 'in-progress',
    })
  })

  it("keep the agent waiting for the page's stream: no Twilio leg to watch", async () => {
    const call = await startLocalCall(await registerAgent())
    const later = await alarmAfter(
      call.conferenceId,
      AGENT_LEG_CHECK_MS + AGENT_LEG_LOOKS * AGENT_LEG_RECHECK_MS,
    )
    expect(later).toMatchObject({ status: 'in-progress', agent: { status: 'waiting' } })
    expect(later.agent.error).toBeUndefined()
    await pageStream(call)
    await activeConversation(call.room.agent.agentId)
  })

  it('refuse a page stream whose start lacks the one-time token, and still take the right one', async () => {
    const agentId = await registerAgent()
    const call = await startLocalCall(agentId)
    const stream = await pageStream({ ...call, streamToken: 'guessed' })
    const [close] = await eventually('the refused stream to close', () =>
      stream.closes.length > 0 ? stream.closes : undefined,
    )
    expect(close?.code).toBe(1008)
    expect(await elevenLabs().conversations({ agentId })).toEqual([])
    // The refused stream holds no place: the page's own, with the token, still gets in.
    await pageStream(call)
    await activeConversation(agentId)
    expect(await roomView(call.conferenceId)).toMatchObject({ status: 'in-progress' })
  })

  it('sit behind APP_ACCESS_KEY, which the page presents as a subprotocol', async () => {
    const locked = { ...LOCAL, APP_ACCESS_KEY: 'k3y-for-tests-k3y-for-tests-k3y-for-tests' }
    const open = await apiWith(locked, '/api/local/conversations', { method: 'POST' })
    expect(open.status).toBe(401)
    const res = await apiWith(locked, '/api/local/conversations', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        Authorization: 'Bearer k3y-for-tests-k3y-for-tests-k3y-for-tests',
      },
      body: '{}',
    })
    expect(res.status).toBe(201)
    const started = (await res.json()) as Started
    const upgrade = await pageUpgrade(
      locked,
      `/api/local/media-stream/${started.conferenceId}`,
      'k3y-for-tests-k3y-for-tests-k3y-for-tests',
    )
    expect(upgrade.status).toBe(101)
    expect(upgrade.headers.get('Sec-WebSocket-Protocol')).toBe('bridge.v1')
    upgrade.webSocket?.accept()
    upgrade.webSocket?.close()
  })
})
