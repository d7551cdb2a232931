import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { decodeBase64, encodeBase64 } from '../audio/base64.ts'
import {
  answerAgentLeg,
  api,
  elevenLabs,
  liveCall,
  openStream,
  registerAgent,
  STREAM_SID,
  saidGoodbye,
  startConference,
  streamTokenIn,
  twilio,
} from '../testing/conference-call.ts'
import { collect, eventually } from '../testing/eventually.ts'
import { resettingRooms } from '../testing/resetting-rooms.ts'
import {
  conferenceCallback,
  hostJoins,
  participantJoins,
  twilioPost,
} from '../testing/twilio-requests.ts'
import { MAX_STREAM_RESUMES } from './agent-leg.ts'
import { roomFor } from './conference-id.ts'
import { LIVENESS_PING } from './event-liveness.ts'
import { ConferenceRoom } from './room.ts'
import type { RoomRecord, RoomView } from './room-record.ts'

const AT = '2026-01-01T10:00:00.000Z'

const conversationOf = async (conversationId: string) =>
  (await elevenLabs().conversations({ conversationId }))[0]

const view = async ({ conferenceId }: { conferenceId: string }) =>
  (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as RoomView | undefined

const streamEndedPath = (conferenceId: string) =>
  `/api/twilio/conference-elevenlabs/stream-ended?conferenceId=${conferenceId}`

/** Twilio asking the agent stream's `<Connect action>` what next, once the stream ended. */
const streamEnded = async (
  conferenceId: string,
  callSid: string,
  more: Record<string, string> = {},
  settings?: typeof env,
) =>
  (
    await twilioPost(
      streamEndedPath(conferenceId),
      {
        AccountSid: env.TWILIO_ACCOUNT_SID ?? '',
        CallSid: callSid,
        CallStatus: 'in-progress',
        ...more,
      },
      true,
      settings,
    )
  ).text()

/** The one-time token of the new stream a TwiML answer names; it must name one. */
function newStreamToken(twiml: string): string {
  const token = streamTokenIn(twiml)
  if (!token) throw new Error(`no new stream in ${twiml}`)
  return token
}

/** The call's stream breaks (Twilio's end of it, without a stop); its conversation closes. */
async function breakStream(call: Awaited<ReturnType<typeof liveCall>>, what = 'the conversation') {
  call.stream.socket.close(1011, 'connection reset')
  await eventually(
    `${what} to close`,
    async () => (await conversationOf(call.conversation.conversationId))?.status === 'closed',
  )
}

/** A page's events socket on a conference, accepted, and what comes on it. */
async function pageEvents(conferenceId: string) {
  const res = await api(`/api/twilio/conferences/${conferenceId}/events`, {
    headers: { Upgrade: 'websocket' },
  })
  const socket = res.webSocket
  if (!socket) throw new Error(`events socket refused: ${res.status}`)
  socket.accept()
  return { socket, events: collect(socket) }
}

describe('the media bridge in a conference room', () => {
  it('carries caller audio to the agent in its format and the agent audio back as media and marks', async () => {
    const call = await liveCall({
      userInputAudioFormat: 'pcm_16000',
      agentOutputAudioFormat: 'pcm_16000',
    })
    call.stream.sendFrames(25)
    const heard = await eventually('500 ms of caller audio at the agent', async () => {
      const c = await conversationOf(call.conversation.conversationId)
      return c && c.received.audioMs >= 500 && c
    })
    expect(heard.received.audioBytes).toBe(25 * 640)

    await elevenLabs().sendAudio(
      call.conversation.conversationId,
      encodeBase64(new Uint8Array(3200)),
      1,
    )
    const [media] = await eventually('agent audio at Twilio', () => {
      const found = call.stream.ofEvent('media')
      return found.length > 0 && found
    })
    expect(media).toMatchObject({ event: 'media', streamSid: STREAM_SID })
    const payload = (media?.media as { payload: string } | undefined)?.payload ?? ''
    expect(decodeBase64(payload)?.length).toBe(800)
    await eventually('a mark after the media', () => call.stream.ofEvent('mark').length === 1)
  })

  it('clears Twilio on an interruption and drops the stale audio that follows', async () => {
    const call = await liveCall({
      userInputAudioFormat: 'ulaw_8000',
      agentOutputAudioFormat: 'ulaw_8000',
    })
    const id = call.conversation.conversationId
    await elevenLabs().sendAudio(id, encodeBase64(new Uint8Array(800)), 4)
    await eventually('first audio', () => call.stream.ofEvent('media').length === 1)
    await elevenLabs().sendInterruption(id, 4)
    await eventually('clear', () => call.stream.ofEvent('clear').length === 1)
    await elevenLabs().sendAudio(id, encodeBase64(new Uint8Array(800)), 4)
    await elevenLabs().sendAudio(id, encodeBase64(new Uint8Array(800).fill(7)), 5)
    await eventually('fresh audio', () => call.stream.ofEvent('media').length === 2)
    const fresh = call.stream.ofEvent('media')[1]?.media as { payload: string }
    expect(decodeBase64(fresh.payload)?.[0]).toBe(7)
  })

  it("carries a barge-in through: clear, the cut-off reply's late audio dropped, the answer played", async () => {
    const call = await liveCall({
      userInputAudioFormat: 'ulaw_8000',
      agentOutputAudioFormat: 'ulaw_8000',
      firstMessage: 'a greeting long enough to still be playing when the caller talks over it',
      reply: 'tones',
      generationSpeed: 1,
      interruptionEventId: 'next_reply',
      lateAudioAfterInterruption: true,
    })
    await eventually('the greeting at Twilio', () => call.stream.ofEvent('media').length > 0)
    // 300 ms of speech, then the silence that ends the caller's turn.
    call.stream.sendFrames(15, 0x10)
    call.stream.sendFrames(40, 0xff)
    await eventually('clear', () => call.stream.ofEvent('clear').length === 1)
    const cleared = call.stream.messages.findIndex((m) => m.event === 'clear')
    await eventually('the answer at Twilio, after the clear', () =>
      call.stream.messages.slice(cleared).some((m) => m.event === 'media'),
    )
    const room = await eventually('the late audio counted as dropped', async () => {
      const now = await view(call)
      return (now?.stats?.staleAudioDropped ?? 0) > 0 && now
    })
    expect(room.stats?.staleAudioDropped).toBe(1)
  })

  it('answers pings, tells the agent who joined and which key was pressed, and records the transcript', async () => {
    const call = await liveCall()
    const id = call.conversation.conversationId
    const host = await eventually('who was there before the stream, at the agent', async () =>
      (await conversationOf(id))?.contextualUpdates.find((u) => u.text.startsWith('On the call')),
    )
    expect(host.contextId).toBe('roster')
    expect(host.text).toContain('the host (from the web page)')
    await elevenLabs().sendPing(id)
    await eventually('a pong', async () => (await conversationOf(id))?.pongs.count === 1)
    await participantJoins(call.conferenceId, 2, 'phone-1', `CA${'2'.repeat(32)}`)
    const roster = await eventually('a roster update at the agent', async () =>
      (await conversationOf(id))?.contextualUpdates.find(
        (u) => u.text.includes('phone-1') || u.text.includes('by phone'),
      ),
    )
    expect(roster.contextId).toBe('roster')
    // A key pressed on a phone, as Twilio's stream reports it.
    call.stream.socket.send(
      JSON.stringify({
        event: 'dtmf',
        streamSid: STREAM_SID,
        sequenceNumber: '99',
        dtmf: { track: 'inbound_track', digit: '#' },
      }),
    )
    await eventually('the key at the agent', async () =>
      (await conversationOf(id))?.contextualUpdates.find(
        (u) => u.text === 'A caller pressed # on their keypad.',
      ),
    )
    await elevenLabs().speak(id, 'Hello everyone')
    const view = await eventually('the agent line in the transcript', async () => {
      const room = (await (await api(`/api/twilio/conferences/${call.conferenceId}`)).json()) as {
        transcript: { role: string; text: string }[]
      }
      return room.transcript.some((e) => e.role === 'agent' && e.text === 'Hello everyone') && room
    })
    expect(view).toMatchObject({
      status: 'in-progress',
      agent: { status: 'ready', inputFormat: 'pcm_16000' },
    })
  })

  it("saves the live transcript without holding the call's audio behind the write", async () => {
    const call = await liveCall()
    // Every write the room makes from now on (its keys), with the options it makes it with.
    const writes: { key: string | string[]; options: DurableObjectPutOptions | undefined }[] = []
    await runInDurableObject(roomFor(env, call.conferenceId), (_room, state) => {
      const put = state.storage.put.bind(state.storage) as (...args: unknown[]) => Promise<void>
      state.storage.put = ((key: string | object, ...rest: unknown[]) => {
        // Several entries at once: put(entries, options).
        const options = (typeof key === 'string' ? rest[1] : rest[0]) as
          | DurableObjectPutOptions
          | undefined
        writes.push({ key: typeof key === 'string' ? key : Object.keys(key), options })
        return put(key, ...rest)
      }) as typeof state.storage.put
    })
    const id = call.conversation.conversationId
    await elevenLabs().push(id, {
      message: { type: 'user_transcript', user_transcription_event: { user_transcript: 'Hi' } },
    })
    await elevenLabs().speak(id, 'Hello everyone')
    await eventually('the transcript lines to be saved', () =>
      writes.some((write) => write.key === 'room'),
    )
    // The turn's lines on their own a moment after they came (past the reply's first audio),
    // then one write of the record for the turn; gated, either would hold every frame to
    // Twilio and the agent until confirmed.
    const unconfirmed = { allowUnconfirmed: true }
    const lines = writes.filter((write) => write.key !== 'room')
    expect(lines.flatMap((write) => write.key)).toEqual([
      'transcript:0000000000',
      'transcript:0000000001',
    ])
    for (const write of lines) expect(write.options).toEqual(unconfirmed)
    expect(writes.filter((write) => write.key === 'room')).toEqual([
      { key: 'room', options: unconfirmed },
    ])
    expect(writes.at(-1)?.key).toBe('room')
    const [saved, kept] = await runInDurableObject(
      roomFor(env, call.conferenceId),
      async (_room, state) =>
        await Promise.all([
          state.storage.get<{ transcript: { role: string; text: string }[] }>('room'),
          state.storage.list<{ role: string; text: string }>({ prefix: 'transcript:' }),
        ]),
    )
    expect(saved?.transcript.map(({ role, text }) => [role, text])).toEqual([
      ['user', 'Hi'],
      ['agent', 'Hello everyone'],
    ])
    // The record holds them now, and the lines written ahead of it are kept all the same:
    // the record holds only the newest.
    expect([...kept.values()].map(({ role, text }) => [role, text])).toEqual([
      ['user', 'Hi'],
      ['agent', 'Hello everyone'],
    ])

    // What the API tells a caller is still written before it is answered.
    await participantJoins(call.conferenceId, 3, 'phone-1', `CA${'3'.repeat(32)}`)
    expect(writes.at(-1)).toEqual({ key: 'room', options: undefined })
    // A mute is not worth holding the audio for; who is speaking, not worth writing at all.
    const written = writes.length
    await conferenceCallback(call.conferenceId, 4, {
      StatusCallbackEvent: 'participant-speech-start',
      CallSid: `CA${'3'.repeat(32)}`,
      ParticipantLabel: 'phone-1',
    })
    expect(writes).toHaveLength(written)
    await conferenceCallback(call.conferenceId, 5, {
      StatusCallbackEvent: 'participant-mute',
      CallSid: `CA${'3'.repeat(32)}`,
      ParticipantLabel: 'phone-1',
      Muted: 'true',
    })
    expect(writes.slice(written)).toEqual([{ key: 'room', options: { allowUnconfirmed: true } }])
  })

  it('ends the agent leg when the agent ends the conversation', async () => {
    const call = await liveCall()
    await saidGoodbye(call.conversation.conversationId)
    await elevenLabs().close(call.conversation.conversationId, {
      code: 1000,
      reason: 'end_call tool',
    })
    const [close] = await eventually(
      'the Twilio stream to close',
      () => call.stream.closes.length > 0 && call.stream.closes,
    )
    expect(close?.code).toBe(1000)
  })

  it("plays the agent's last words out before its leg leaves: the close waits for the mark", async () => {
    const call = await liveCall({
      userInputAudioFormat: 'ulaw_8000',
      agentOutputAudioFormat: 'ulaw_8000',
    })
    const id = call.conversation.conversationId
    await elevenLabs().sendAudio(id, encodeBase64(new Uint8Array(8000).fill(0x55)), 1)
    await eventually('the goodbye at Twilio', () => call.stream.ofEvent('media').length === 1)
    await elevenLabs().close(id, { code: 1000, reason: 'end_call tool' })
    const [mark] = await eventually('the mark after the goodbye', () => {
      const marks = call.stream.ofEvent('mark')
      return marks.length > 0 && marks
    })
    expect(call.stream.closes).toEqual([])
    // Twilio echoes the mark once it has played everything before it.
    call.stream.socket.send(
      JSON.stringify({ event: 'mark', streamSid: STREAM_SID, mark: mark?.mark as object }),
    )
    const [close] = await eventually(
      'the Twilio stream to close',
      () => call.stream.closes.length > 0 && call.stream.closes,
    )
    expect(close).toMatchObject({ code: 1000, reason: 'agent ended the call' })
  })

  it('reconnects after the agent socket fails, without dropping the Twilio stream', async () => {
    const call = await liveCall()
    await elevenLabs().close(call.conversation.conversationId, {
      code: 1011,
      reason: 'internal error',
    })
    const second = await eventually('a second conversation', async () =>
      (await elevenLabs().conversations({ agentId: call.agentId })).find(
        (c) => c.conversationId !== call.conversation.conversationId && c.status === 'active',
      ),
    )
    expect(second).toBeDefined()
    expect(call.stream.closes).toEqual([])
    // The stand-in calls it active as it sends the metadata, which the room reads after.
    await eventually(
      'the agent ready again',
      async () => (await view(call))?.agent.status === 'ready' && true,
    )
    expect((await view(call))?.agent).toMatchObject({
      reconnects: 1,
      conversationId: second?.conversationId,
    })
  })

  it('ends the agent leg once the agent is unavailable for good, saying why', async () => {
    const call = await liveCall()
    // A refusal no attempt would get past: nobody will hear this leg again.
    await elevenLabs().close(call.conversation.conversationId, {
      code: 1008,
      reason: 'override not allowed',
    })
    const [close] = await eventually(
      'the Twilio stream to close',
      () => call.stream.closes.length > 0 && call.stream.closes,
    )
    expect(close).toMatchObject({ code: 1000, reason: 'the agent is unavailable' })
    // Twilio asks the stream's <Connect action> what next: the leg ends.
    expect(await streamEnded(call.conferenceId, call.agentCallSid)).toMatch(/<Hangup\/>/)
    expect((await view(call))?.agent).toMatchObject({
      status: 'unavailable',
      error: expect.stringMatching(/ELEVENLABS_CONVERSATION_OVERRIDE/),
    })
  })

  it("counts a bridge's own reconnections and a resume's together, the conversation shown until the next", async () => {
    const call = await liveCall()
    await elevenLabs().close(call.conversation.conversationId, { code: 1011, reason: 'internal' })
    const second = await eventually('a second conversation', async () =>
      (await elevenLabs().conversations({ agentId: call.agentId })).find(
        (c) => c.conversationId !== call.conversation.conversationId && c.status === 'active',
      ),
    )
    await eventually(
      'the agent ready again',
      async () => (await view(call))?.agent.status === 'ready' && true,
    )
    call.stream.socket.close(1011, 'connection reset')
    const token = newStreamToken(await streamEnded(call.conferenceId, call.agentCallSid))
    expect((await view(call))?.agent).toMatchObject({
      status: 'reconnecting',
      reconnects: 2,
      conversationId: second.conversationId,
    })
    await openStream(call.conferenceId, token, call.agentCallSid)
    await eventually(
      'the new stream live',
      async () => (await view(call))?.stream.status === 'live',
    )
    expect((await view(call))?.agent).toMatchObject({
      status: 'reconnecting',
      reconnects: 2,
      conversationId: second.conversationId,
    })
    const third = await eventually('a third conversation', async () =>
      (await elevenLabs().conversations({ agentId: call.agentId })).find(
        (c) => c.status === 'active' && c.conversationId !== second.conversationId,
      ),
    )
    await eventually(
      'the agent ready on the new stream',
      async () => (await view(call))?.agent.status === 'ready' && true,
    )
    expect((await view(call))?.agent).toMatchObject({
      reconnects: 2,
      conversationId: third.conversationId,
    })
  })

  it('closes the agent conversation normally when Twilio stops the stream', async () => {
    const call = await liveCall()
    call.stream.socket.send(JSON.stringify({ event: 'stop', streamSid: STREAM_SID, stop: {} }))
    const closed = await eventually('the conversation to close', async () => {
      const c = await conversationOf(call.conversation.conversationId)
      return c?.status === 'closed' && c
    })
    expect(closed.close).toMatchObject({ code: 1000, by: 'client' })
  })

  it('takes a failed stream socket for the end of the stream, and closes the agent conversation', async () => {
    const call = await liveCall()
    // workerd drops a socket that fails with webSocketError alone, no webSocketClose after it.
    await runInDurableObject(roomFor(env, call.conferenceId), (room, state) => {
      const [stream] = state.getWebSockets('twilio')
      if (stream) room.webSocketError(stream, new Error('connection reset'))
    })
    const closed = await eventually('the conversation to close', async () => {
      const c = await conversationOf(call.conversation.conversationId)
      return c?.status === 'closed' && c
    })
    expect(closed.close).toMatchObject({ code: 1000, by: 'client' })
    const room = (await (await api(`/api/twilio/conferences/${call.conferenceId}`)).json()) as {
      stream: { status: string }
    }
    expect(room.stream.status).toBe('stopped')
  })

  it('says the agent left when the room restarts mid-call, its stream gone with it', async () => {
    const call = await liveCall()
    // As after a deploy: no stream socket survives.
    const view = await runInDurableObject(roomFor(env, call.conferenceId), async (_room, state) =>
      (await roomOverLiveCall(state, { socketsKept: false })).view(),
    )
    expect(view).toMatchObject({
      status: 'in-progress',
      stream: { status: 'stopped' },
      agent: { status: 'ended', speaking: false, error: expect.stringMatching(/restarted/) },
    })
  })

  it('keeps why the agent was unavailable when the room restarts after it', async () => {
    const call = await liveCall()
    const view = await runInDurableObject(roomFor(env, call.conferenceId), async (_room, state) => {
      const room = await roomOverLiveCall(state, { socketsKept: false }, (record) => {
        record.agent = { ...record.agent, status: 'unavailable', error: 'The agent refused.' }
      })
      return room.view()
    })
    expect(view).toMatchObject({
      stream: { status: 'stopped' },
      agent: { status: 'unavailable', error: 'The agent refused.' },
    })
  })

  it('closes a stream that outlived its bridge when the conference ends before its next frame', async () => {
    const call = await liveCall()
    const view = await runInDurableObject(roomFor(env, call.conferenceId), async (_room, state) => {
      // Woken from hibernation by the empty room's alarm, not by a frame: Twilio went quiet.
      const room = await roomOverLiveCall(state, { socketsKept: true })
      await room.end('nobody on the call for 10 minutes')
      return room.view()
    })
    expect(view).toMatchObject({ status: 'ended', stream: { status: 'stopped' } })
    const [close] = await eventually(
      'the Twilio stream to close',
      () => call.stream.closes.length > 0 && call.stream.closes,
    )
    expect(close).toMatchObject({ code: 1000, reason: 'conference ended' })
  })

  it('closes a stream that outlived its bridge, as after hibernation, and says the agent left', async () => {
    const call = await liveCall()
    const view = await runInDurableObject(roomFor(env, call.conferenceId), async (_room, state) => {
      // Hibernation keeps the socket but not the instance: the new one gets the stream's
      // next frame without the bridge or the agent socket it belonged to.
      const room = await roomOverLiveCall(state, { socketsKept: true })
      const [stream] = state.getWebSockets('twilio')
      if (!stream) throw new Error('the stream socket is gone')
      room.webSocketMessage(stream, JSON.stringify({ event: 'media', streamSid: STREAM_SID }))
      return room.view()
    })
    expect(view).toMatchObject({
      stream: { status: 'stopped' },
      agent: { status: 'ended', error: expect.stringMatching(/restarted/) },
    })
    const [close] = await eventually(
      'the Twilio stream to close',
      () => call.stream.closes.length > 0 && call.stream.closes,
    )
    expect(close).toMatchObject({ code: 1011, reason: 'bridge state lost' })
  })

  it('keeps the last turn through a reset before the record is written, and tells the resumed agent', async () => {
    const call = await liveCall()
    const room = roomFor(env, call.conferenceId)
    // The record's write for the turn never lands: the reset comes first.
    await runInDurableObject(room, (_room, state) => {
      const put = state.storage.put.bind(state.storage) as (...args: unknown[]) => Promise<void>
      state.storage.put = ((key: unknown, ...rest: unknown[]) =>
        key === 'room' ? Promise.resolve() : put(key, ...rest)) as typeof state.storage.put
    })
    const id = call.conversation.conversationId
    await elevenLabs().push(id, {
      message: {
        type: 'user_transcript',
        user_transcription_event: { user_transcript: 'A table for two' },
      },
    })
    await elevenLabs().speak(id, 'At what time?')
    await eventually('both lines written', async () =>
      runInDurableObject(
        room,
        async (_room, state) => (await state.storage.list({ prefix: 'transcript:' })).size === 2,
      ),
    )
    await abortAllDurableObjects()

    const twiml = await streamEnded(call.conferenceId, call.agentCallSid)
    await openStream(call.conferenceId, newStreamToken(twiml), call.agentCallSid)
    const next = await eventually('a second agent conversation', async () =>
      (await elevenLabs().conversations({ agentId: call.agentId })).find(
        (c) => c.status === 'active' && c.conversationId !== id,
      ),
    )
    const told = await eventually('the last turn, told', async () =>
      (await conversationOf(next.conversationId))?.contextualUpdates.find((u) =>
        u.text.includes('At what time?'),
      ),
    )
    expect(told.text).toContain('A table for two')
    expect((await view(call))?.transcript.map(({ role, text }) => [role, text])).toEqual([
      ['user', 'A table for two'],
      ['agent', 'At what time?'],
    ])
  })

  it('takes up a transcript written before every line was kept, as after a deploy mid-call', async () => {
    const call = await liveCall()
    const [view, page, kept, journal] = await runInDurableObject(
      roomFor(env, call.conferenceId),
      async (_room, state) => {
        // What the previous code left: a record whose lines (its oldest not yet numbered)
        // are the newest of the call, and a line written since under `line:<seq>`.
        await state.storage.put('line:2', { seq: 2, role: 'agent', text: 'Ready.', at: AT })
        const room = await roomOverLiveCall(state, { socketsKept: false }, (record) => {
          record.transcript = [
            { role: 'agent', text: 'Hello', at: AT },
            { role: 'user', text: 'Hi', at: AT },
          ] as RoomRecord['transcript']
        })
        const kept = await eventually('the lines kept', async () => {
          const kept = await state.storage.list<{ text: string }>({ prefix: 'transcript:' })
          return kept.size === 3 && kept
        })
        return [
          room.view(),
          await room.transcript(0, 100),
          [...kept.values()].map(({ text }) => text),
          await state.storage.list({ prefix: 'line:' }),
        ] as const
      },
    )
    const said = [
      [0, 'Hello'],
      [1, 'Hi'],
      [2, 'Ready.'],
    ]
    expect(view?.transcript.map(({ seq, text }) => [seq, text])).toEqual(said)
    expect(page?.lines.map(({ seq, text }) => [seq, text])).toEqual(said)
    // Kept now for the rest of the call, however long: the old journal has nothing more to give.
    expect(kept).toEqual(['Hello', 'Hi', 'Ready.'])
    expect(journal.size).toBe(0)
  })

  it("goes on with a new stream when Twilio's end of it breaks, the agent told what was said", async () => {
    const call = await liveCall({ firstMessage: 'Hello, how can I help?' })
    await eventually(
      'the greeting in the transcript',
      async () => (await view(call))?.transcript[0],
    )
    call.stream.sendFrames(10)
    await eventually(
      'the frames counted',
      async () => (await view(call))?.stats?.twilioFrames === 10,
    )
    await breakStream(call, 'the first conversation')
    // Twilio asks what next (the TwiML's <Connect action>): a new stream, a new token.
    const twiml = await streamEnded(call.conferenceId, call.agentCallSid)
    expect(twiml).toContain(
      `<Connect action="https://bridge.example.test/api/twilio/conference-elevenlabs/stream-ended?conferenceId=${call.conferenceId}" method="POST">`,
    )
    const token = newStreamToken(twiml)
    await openStream(call.conferenceId, token, call.agentCallSid)
    const next = await eventually('a second agent conversation', async () =>
      (await elevenLabs().conversations({ agentId: call.agentId })).find(
        (c) => c.status === 'active' && c.conversationId !== call.conversation.conversationId,
      ),
    )
    const told = await eventually('the conversation so far, told', async () =>
      (await conversationOf(next.conversationId))?.contextualUpdates.find((u) =>
        u.text.includes('Hello, how can I help?'),
      ),
    )
    expect(told.text).toMatch(/dropped and was restored/)
    // The call heard the greeting: the new conversation's is not played again.
    await eventually(
      'the repeated greeting dropped',
      async () => ((await view(call))?.stats?.repeatedGreetingDropped ?? 0) > 0,
    )
    expect(await view(call)).toMatchObject({
      stream: { status: 'live' },
      // The page says the agent reconnected once.
      agent: { status: 'ready', reconnects: 1 },
      // The call's counts go on from the lost stream's.
      stats: { twilioFrames: 10 },
    })
  })

  it("goes on when the agent's stream comes on a second leg of Twilio's, the participant's CallSid kept", async () => {
    // Twilio may bridge an app: participant to its TwiML App through a second call leg:
    // the stream and its <Connect action> then carry that leg's CallSid, the conference's
    // callbacks and REST calls the participant's.
    const bridged = `CA${'b'.repeat(32)}`
    const call = await liveCall({}, { streamCallSid: bridged })
    await participantJoins(call.conferenceId, 2, 'agent', call.agentCallSid)
    await eventually('the stream live', async () => (await view(call))?.stream.status === 'live')
    // Mute, hold and removal go to the participant, not to the leg the stream came with.
    expect((await view(call))?.participants.find((p) => p.label === 'agent')).toMatchObject({
      status: 'joined',
      callSid: call.agentCallSid,
    })
    await breakStream(call)
    // Asked on the bridged leg: it is the agent's, so the leg goes on with a new stream.
    const twiml = await streamEnded(call.conferenceId, bridged)
    const next = await openStream(call.conferenceId, newStreamToken(twiml), bridged)
    await eventually(
      'the new stream live',
      async () => (await view(call))?.stream.status === 'live',
    )
    next.socket.close(1011, 'connection reset')
    await eventually(
      'the second stream lost',
      async () => (await view(call))?.stream.status !== 'live',
    )
    // A call the room has not seen is not let in on it, unless its parent is the agent's
    // participant.
    expect(
      streamTokenIn(await streamEnded(call.conferenceId, `CA${'e'.repeat(32)}`)),
    ).toBeUndefined()
    const child = `CA${'d'.repeat(32)}`
    const again = await streamEnded(call.conferenceId, child, { ParentCallSid: call.agentCallSid })
    expect(streamTokenIn(again)).toBeDefined()
  })

  it('lets the new stream in while the lost one, half open, is still closing', async () => {
    const call = await liveCall()
    // Twilio's end of the old connection is gone: the room's close of it is never
    // answered, and the runtime keeps listing it while it closes.
    const keepListing = await runInDurableObject(roomFor(env, call.conferenceId), (_, state) => {
      const closing = state.getWebSockets('twilio')
      const listed = state.getWebSockets.bind(state)
      state.getWebSockets = (tag?: string) => [...new Set([...closing, ...listed(tag)])]
      return () => {
        state.getWebSockets = listed
      }
    })
    try {
      const twiml = await streamEnded(call.conferenceId, call.agentCallSid)
      await openStream(call.conferenceId, newStreamToken(twiml), call.agentCallSid)
      await eventually(
        'the new stream live',
        async () => (await view(call))?.stream.status === 'live',
      )
    } finally {
      await runInDurableObject(roomFor(env, call.conferenceId), () => keepListing())
    }
  })

  it("goes on when Twilio's question overtakes the broken socket's close, the old conversation left behind", async () => {
    const call = await liveCall()
    // Twilio asks before the room has heard the socket close: its stream is still live.
    const twiml = await streamEnded(call.conferenceId, call.agentCallSid)
    const token = newStreamToken(twiml)
    await eventually('the old socket closed', () => call.stream.closes.length > 0)
    // The lost stream's error, reported late, is not news of the stream to come.
    await twilioPost(`/api/twilio/status/stream?conferenceId=${call.conferenceId}`, {
      StreamSid: STREAM_SID,
      StreamEvent: 'stream-error',
      StreamError: 'Stream - WebSocket - Connection Broken Pipe',
    })
    expect(await view(call)).toMatchObject({ agent: { status: 'reconnecting' } })
    await openStream(call.conferenceId, token, call.agentCallSid)
    await eventually('a second agent conversation', async () =>
      (await elevenLabs().conversations({ agentId: call.agentId })).find(
        (c) => c.status === 'active' && c.conversationId !== call.conversation.conversationId,
      ),
    )
    expect((await conversationOf(call.conversation.conversationId))?.status).toBe('closed')
    // The old conversation's close, arriving late, is not the new bridge's failure.
    await new Promise((resolve) => setTimeout(resolve, 200))
    // One reconnection, the resume: none for the old connection's close.
    expect(await view(call)).toMatchObject({ agent: { status: 'ready', reconnects: 1 } })
  })

  it("plays the agent's greeting after a resume when the call never heard it", async () => {
    const agentId = await registerAgent({ firstMessage: 'Welcome!' })
    const conferenceId = await startConference(agentId)
    const leg = await answerAgentLeg(conferenceId)
    // Nobody has joined: the bridge holds the agent back, and the stream breaks meanwhile.
    const first = await openStream(conferenceId, leg.streamToken ?? '', leg.callSid)
    await eventually(
      'the stream live',
      async () => (await view({ conferenceId }))?.stream.status === 'live',
    )
    first.socket.close(1011, 'connection reset')
    const twiml = await streamEnded(conferenceId, leg.callSid)
    const token = newStreamToken(twiml)
    const second = await openStream(conferenceId, token, leg.callSid)
    // Its stream back, the agent still waits for a person: it is reconnecting, not new.
    await eventually(
      'the new stream live',
      async () => (await view({ conferenceId }))?.stream.status === 'live',
    )
    expect(await view({ conferenceId })).toMatchObject({ agent: { status: 'reconnecting' } })
    await hostJoins(conferenceId)
    await eventually('the greeting played', () => second.ofEvent('media').length > 0)
    expect((await view({ conferenceId }))?.stats?.repeatedGreetingDropped).toBe(0)
  })

  it('ends the leg for a call already over, or an unsigned ask; an end meanwhile leaves no stream awaited', async () => {
    const call = await liveCall()
    await breakStream(call)
    const path = streamEndedPath(call.conferenceId)
    const completed = { CallSid: call.agentCallSid, CallStatus: 'completed' }
    expect(await (await twilioPost(path, completed)).text()).toMatch(/<Hangup\/>/)
    const unsigned = await twilioPost(path, { ...completed, CallStatus: 'in-progress' }, false)
    expect(unsigned.status).toBe(403)
    expect(await view(call)).toMatchObject({
      agent: { status: 'ended' },
      stream: { status: 'stopped' },
    })
    // Lost and resumed, then ended before the new stream came.
    expect(await streamEnded(call.conferenceId, call.agentCallSid)).toContain('<Connect')
    await api(`/api/twilio/conferences/${call.conferenceId}`, { method: 'DELETE' })
    expect(await view(call)).toMatchObject({
      status: 'ended',
      stream: { status: 'stopped' },
      agent: { status: 'ended' },
    })
  })

  it('ends the agent leg with its stream when the agent hung up, or for a call that is not the agent', async () => {
    const call = await liveCall()
    await breakStream(call)
    expect(await streamEnded(call.conferenceId, `CA${'9'.repeat(32)}`)).toMatch(/<Hangup\/>/)
    expect(await streamEnded('conf-zzzzzzzzzzzzzzzzzzzz', call.agentCallSid)).toMatch(/<Hangup\/>/)

    const hungUp = await liveCall()
    await saidGoodbye(hungUp.conversation.conversationId)
    await elevenLabs().close(hungUp.conversation.conversationId, { code: 1000, reason: 'end_call' })
    await eventually('the Twilio stream to close', () => hungUp.stream.closes.length > 0)
    expect(await streamEnded(hungUp.conferenceId, hungUp.agentCallSid)).toMatch(/<Hangup\/>/)
  })

  it("asks the room again when Twilio's question finds it being reset", async () => {
    const call = await liveCall()
    await breakStream(call)
    // The deploy that broke the stream is still replacing the room as Twilio asks.
    const twiml = await streamEnded(
      call.conferenceId,
      call.agentCallSid,
      {},
      resettingRooms('resumeAgentLeg', 1),
    )
    expect(streamTokenIn(twiml)).toMatch(/^[\w-]{43}$/)
  })

  it('lets the agent leg go on after a restart took its stream, a few times at most', async () => {
    const restartOf = async (edit?: (record: RoomRecord) => void) => {
      const call = await liveCall()
      return runInDurableObject(roomFor(env, call.conferenceId), async (_room, state) => {
        const restarted = await roomOverLiveCall(state, { socketsKept: false }, edit)
        return [
          restarted.resumeAgentLeg({ callSid: call.agentCallSid }),
          restarted.resumeAgentLeg({ callSid: call.agentCallSid }),
        ]
      })
    }
    const [resumed, again] = await restartOf()
    expect(resumed).toMatchObject({ ok: true, streamToken: expect.stringMatching(/^[\w-]{43}$/) })
    // Asked again before the new stream started (a retry, or that stream gone before its
    // start): a new token, which the answer Twilio acts on carries; the first is spent.
    expect(again).toMatchObject({ ok: true, streamToken: expect.stringMatching(/^[\w-]{43}$/) })
    const tokenOf = (result: typeof resumed) => (result?.ok ? result.streamToken : undefined)
    expect(tokenOf(again)).not.toBe(tokenOf(resumed))
    const [worn] = await restartOf((record) => {
      record.streamResumes = MAX_STREAM_RESUMES
    })
    expect(worn).toMatchObject({
      ok: false,
      message: expect.stringMatching(/lost its stream 4 times/),
    })
  })

  it('keeps the call up through bad input and closes cleanly on framing violations', async () => {
    const call = await liveCall()
    call.stream.socket.send(JSON.stringify({ event: 'surprise' }))
    // A second start (its token long spent) is counted and ignored, not taken for an intruder.
    call.stream.socket.send(
      JSON.stringify({
        event: 'start',
        streamSid: STREAM_SID,
        start: {
          streamSid: STREAM_SID,
          callSid: call.agentCallSid,
          customParameters: { conferenceId: call.conferenceId, streamToken: 'spent' },
        },
      }),
    )
    call.stream.socket.send(
      JSON.stringify({ event: 'media', streamSid: STREAM_SID, media: { payload: '%%%' } }),
    )
    call.stream.sendFrames(1)
    await eventually(
      'the frame after the bad ones',
      async () => (await conversationOf(call.conversation.conversationId))?.received.audioMs === 20,
    )
    call.stream.socket.send('not json')
    const [close] = await eventually(
      'a 1007 close',
      () => call.stream.closes.length > 0 && call.stream.closes,
    )
    expect(close?.code).toBe(1007)
    const room = (await (await api(`/api/twilio/conferences/${call.conferenceId}`)).json()) as {
      stats: { invalid: Record<string, number> }
    }
    expect(room.stats.invalid).toMatchObject({
      'twilio:second_start': 1,
      'twilio:unknown_event': 1,
      'twilio:invalid_base64': 1,
      'twilio:not_json': 1,
    })
  })

  it('keeps other conferences streaming while one is closed for bad input', async () => {
    const [broken, healthy] = await Promise.all([liveCall(), liveCall()])
    broken.stream.socket.send(new Uint8Array([1, 2, 3]))
    await eventually(
      'the broken stream to close with 1003',
      () => broken.stream.closes[0]?.code === 1003,
    )
    healthy.stream.sendFrames(5)
    await eventually(
      'audio in the healthy conference',
      async () =>
        (await conversationOf(healthy.conversation.conversationId))?.received.audioMs === 100,
    )
  })

  it('streams room changes to the page over the events socket', async () => {
    const call = await liveCall()
    const { socket, events } = await pageEvents(call.conferenceId)
    const snapshot = await eventually('a snapshot', () =>
      events.messages.find((m) => m.type === 'snapshot'),
    )
    expect(snapshot).toMatchObject({ room: { conferenceId: call.conferenceId } })
    await conferenceCallback(call.conferenceId, 5, {
      StatusCallbackEvent: 'participant-mute',
      CallSid: `CA${'1'.repeat(32)}`,
      Muted: 'true',
      Hold: 'false',
    })
    await eventually('an update with the host muted', () =>
      events.messages.some(
        (m) =>
          m.type === 'update' &&
          (m.room as { participants: { label: string; muted: boolean }[] }).participants.some(
            (p) => p.label === 'web-web_host' && p.muted,
          ),
      ),
    )
    // A page only listens: something sending on its socket is closed, the call untouched.
    socket.send('{"type":"hello"}')
    await eventually('the sending socket closed', () => events.closes.length > 0)
    expect(events.closes[0]).toMatchObject({ code: 1003 })
    expect(call.stream.closes).toEqual([])
    expect((await view(call))?.agent.status).toBe('ready')
  })

  it("answers a page's liveness ping on its events socket through the runtime, the room's handler not run", async () => {
    const call = await liveCall()
    const { socket, events } = await pageEvents(call.conferenceId)
    await eventually('a snapshot', () => events.messages.find((m) => m.type === 'snapshot'))
    socket.send(LIVENESS_PING)
    socket.send(LIVENESS_PING)
    await eventually(
      'two pongs',
      () => events.messages.filter((m) => m.type === 'pong').length === 2,
    )
    // The room's handler closes a page's socket for anything it sends: it never saw these.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(events.closes).toEqual([])
  })

  it('ends the conference on Twilio and closes the agent socket on DELETE', async () => {
    const call = await liveCall()
    await conferenceCallback(call.conferenceId, 2, { StatusCallbackEvent: 'conference-start' })
    const res = await api(`/api/twilio/conferences/${call.conferenceId}`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ended' })
    const conference = await twilio().conference(call.conferenceId)
    expect(conference?.status).toBe('completed')
    await eventually(
      'the agent conversation to close',
      async () => (await conversationOf(call.conversation.conversationId))?.status === 'closed',
    )
    await eventually('the Twilio stream to close', () => call.stream.closes.length > 0)
  })
})

/**
 * A new room instance over a live call's storage, once the call is saved as live: what the
 * runtime makes after a deploy (the sockets gone) or after hibernation (the sockets kept).
 */
async function roomOverLiveCall(
  state: DurableObjectState,
  { socketsKept }: { socketsKept: boolean },
  /** Changes the saved record before the new instance reads it. */
  edit?: (record: RoomRecord) => void,
): Promise<ConferenceRoom> {
  await eventually('the live stream to be saved', async () => {
    const saved = await state.storage.get<RoomRecord>('room')
    return saved?.stream.status === 'live'
  })
  if (edit) {
    const saved = await state.storage.get<RoomRecord>('room')
    if (!saved) throw new Error('no saved record')
    edit(saved)
    await state.storage.put('room', saved)
  }
  const sockets = state.getWebSockets
  if (!socketsKept) state.getWebSockets = () => []
  try {
    const room = new ConferenceRoom(state, env)
    await state.blockConcurrencyWhile(async () => {})
    return room
  } finally {
    state.getWebSockets = sockets
  }
}
