import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { heldIdleFor } from '../../test/idle-connection.ts'
import { type RunningElevenLabsStandin, startElevenLabsStandin } from './server.ts'
import { openConversation, uniqueAgentId, userAudio } from './test-client.ts'

let standin: RunningElevenLabsStandin
beforeAll(async () => {
  standin = await startElevenLabsStandin()
})
afterAll(() => standin.close())

/** A registered agent that never speaks on its own, and one live conversation with it. */
async function liveConversation(name: string) {
  const agentId = uniqueAgentId(name)
  await standin.control.registerAgent({
    agentId,
    firstMessage: '',
    reply: 'none',
    pingIntervalMs: 0,
  })
  const conversation = await openConversation(standin.url, agentId, { user_id: 'u1' })
  await conversation.next('conversation_initiation_metadata')
  const [record] = await standin.control.conversations({ agentId })
  if (!record) throw new Error('conversation not listed')
  return { agentId, conversation, conversationId: record.conversationId }
}

describe('control API', () => {
  it('lists conversations by agent and by conversation id, with the initiation payload', async () => {
    const a = await liveConversation('list-a')
    const b = await liveConversation('list-b')
    const byAgent = await standin.control.conversations({ agentId: a.agentId })
    expect(byAgent.map((r) => r.conversationId)).toEqual([a.conversationId])
    expect(byAgent[0]?.initiation).toEqual({
      type: 'conversation_initiation_client_data',
      user_id: 'u1',
    })
    const byId = await standin.control.conversations({ conversationId: b.conversationId })
    expect(byId.map((r) => r.agentId)).toEqual([b.agentId])
    a.conversation.socket.close()
    b.conversation.socket.close()
  })

  it('keeps a closed conversation’s record, with who closed it and how', async () => {
    const { agentId, conversation } = await liveConversation('closed')
    conversation.socket.close(1000, 'bye')
    const record = await standin.control.waitForConversation(
      { agentId },
      (r) => r.status === 'closed',
    )
    expect(record.close).toEqual({ code: 1000, reason: 'bye', by: 'client' })
  })

  it('pushes any server message, and raw text, into a live conversation', async () => {
    const { conversation, conversationId } = await liveConversation('push')
    await standin.control.sendAudio(conversationId, 'AAAA', 41)
    await standin.control.sendInterruption(conversationId, 41)
    expect(await conversation.next('audio')).toEqual({
      type: 'audio',
      audio_event: { audio_base_64: 'AAAA', event_id: 41 },
    })
    expect(await conversation.next('interruption')).toEqual({
      type: 'interruption',
      interruption_event: { event_id: 41 },
    })
    const rawReceived = new Promise((resolve) =>
      conversation.socket.once('message', (data) => resolve(data.toString())),
    )
    await standin.control.sendRaw(conversationId, '{"type":"mystery"}')
    expect(await rawReceived).toBe('{"type":"mystery"}')
    conversation.socket.close()
  })

  it('pushes a ping whose pong the conversation then accepts and times', async () => {
    const { agentId, conversation, conversationId } = await liveConversation('ping')
    await standin.control.sendPing(conversationId)
    const ping = await conversation.next('ping')
    conversation.send({
      type: 'pong',
      event_id: (ping.ping_event as { event_id: number }).event_id,
    })
    const record = await standin.control.waitForConversation(
      { agentId },
      (r) => r.pongs.count === 1,
    )
    expect(record.pongs.lastLatencyMs).toBeGreaterThanOrEqual(0)
    expect(record.status).toBe('active')
    conversation.socket.close()
  })

  it('makes the agent speak on demand', async () => {
    const { conversation, conversationId } = await liveConversation('speak')
    await standin.control.speak(conversationId, 'two words')
    expect((await conversation.next('agent_response')).agent_response_event).toMatchObject({
      agent_response: 'two words',
    })
    await conversation.next('audio')
    conversation.socket.close()
  })

  it('closes a conversation with a chosen code, after an error event when asked', async () => {
    const { conversation, conversationId } = await liveConversation('close')
    await standin.control.close(conversationId, {
      code: 1011,
      reason: 'boom',
      errorType: 'unknown_websocket_crash',
    })
    expect((await conversation.next('error')).error_event).toEqual({
      code: 1011,
      error_type: 'unknown_websocket_crash',
      message: 'boom',
    })
    expect(await conversation.closed).toEqual({ code: 1011, reason: 'boom' })
  })

  it('drops a conversation without a close frame for code 1006', async () => {
    const { conversation, conversationId } = await liveConversation('drop')
    await standin.control.close(conversationId, { code: 1006 })
    expect((await conversation.closed).code).toBe(1006)
  })

  it('refuses to push into a conversation that is not live', async () => {
    await expect(standin.control.speak('conv_missing', 'hi')).rejects.toThrow(/404/)
  })

  it('registers an agent with the defaults filled in, readable back by id', async () => {
    const agentId = uniqueAgentId('read-back')
    const registered = await standin.control.registerAgent({
      agentId,
      agentOutputAudioFormat: 'ulaw_8000',
    })
    expect(registered).toMatchObject({
      agentId,
      userInputAudioFormat: 'pcm_16000',
      reply: 'tones',
      inactivityTimeoutMs: 60_000,
    })
    const res = await fetch(`${standin.url}/__standin/agents/${agentId}`)
    expect(await res.json()).toEqual(registered)
  })

  it('refuses an invalid agent config with the reason', async () => {
    await expect(
      standin.control.registerAgent({
        agentId: 'agent_bad',
        userInputAudioFormat: 'mp3' as 'pcm_8000',
      }),
    ).rejects.toThrow(/400.*userInputAudioFormat/)
  })

  it('keeps the start of the user audio, byte for byte, for an agent that asks for it', async () => {
    const agentId = uniqueAgentId('tape')
    await standin.control.registerAgent({
      agentId,
      firstMessage: '',
      reply: 'none',
      pingIntervalMs: 0,
      keepUserAudioMs: 50,
    })
    const conversation = await openConversation(standin.url, agentId, {})
    await conversation.next('conversation_initiation_metadata')
    const chunks = [1, 2, 3].map((n) => Buffer.alloc(640, n))
    for (const chunk of chunks) conversation.send({ user_audio_chunk: chunk.toString('base64') })
    const record = await standin.control.waitForConversation(
      { agentId },
      (r) => r.received.counts.user_audio_chunk === 3,
    )
    conversation.socket.close()
    await standin.control.waitForConversation({ agentId }, (r) => r.status === 'closed')
    const kept = await standin.control.userAudio(record.conversationId)
    expect(kept.format).toBe('pcm_16000')
    expect(Buffer.from(kept.bytes)).toEqual(Buffer.concat(chunks).subarray(0, 1600))
  })

  it('keeps no user audio unless the agent asks for it', async () => {
    const { conversation, conversationId } = await liveConversation('no-tape')
    await expect(standin.control.userAudio(conversationId)).rejects.toThrow(/404/)
    conversation.socket.close()
  })

  it('keeps counts of every message but only the last 50 of them', async () => {
    const { agentId, conversation } = await liveConversation('bounded')
    const chunk = userAudio('pcm_16000', 20, false)
    for (let i = 0; i < 300; i++) conversation.send({ user_audio_chunk: chunk })
    const record = await standin.control.waitForConversation(
      { agentId },
      (r) => r.received.counts.user_audio_chunk === 300,
    )
    expect(record.received.audioBytes).toBe(300 * 640)
    expect(record.received.audioMs).toBe(6000)
    expect(record.recentReceived).toHaveLength(50)
    conversation.socket.close()
  })
})

describe('an idle keep-alive connection', () => {
  it('is left for the client to close, however long it waits', async () => {
    // Past when a Node server closes it by default: its 5 s keepAliveTimeout and 1 s buffer.
    expect(await heldIdleFor(standin.url, 7000)).toBe(true)
  }, 15_000)
})
