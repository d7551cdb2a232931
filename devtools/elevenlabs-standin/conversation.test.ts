import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentConfigInput } from './agent-config.ts'
import { decodeSamples, levelDbfs } from './audio-codec.ts'
import { type RunningElevenLabsStandin, startElevenLabsStandin } from './server.ts'
import {
  openConversation,
  type ServerMessage,
  sendSpeech,
  type TestConversation,
  uniqueAgentId,
  userAudio,
} from './test-client.ts'

let standin: RunningElevenLabsStandin
beforeAll(async () => {
  standin = await startElevenLabsStandin()
})
afterAll(() => standin.close())

/** A quiet, fast agent of its own: no greeting, no pings, immediate replies. */
async function agent(name: string, config: Omit<AgentConfigInput, 'agentId'> = {}) {
  const agentId = uniqueAgentId(name)
  await standin.control.registerAgent({
    agentId,
    firstMessage: '',
    pingIntervalMs: 0,
    replyLatencyMs: 0,
    generationSpeed: 1000,
    ...config,
  })
  return agentId
}

const expectRefusal = async (conversation: TestConversation, errorType: string, reason: string) => {
  const error = await conversation.next('error')
  expect(error).toMatchObject({ error_event: { code: 1008, error_type: errorType } })
  expect(await conversation.closed).toEqual({ code: 1008, reason })
}

const audioOf = (messages: ServerMessage[]) =>
  messages
    .filter((m) => m.type === 'audio')
    .map((m) => m.audio_event as { audio_base_64: string; event_id: number })

describe('conversation start', () => {
  it('answers the initiation with metadata in the agent’s formats', async () => {
    const agentId = await agent('formats', {
      userInputAudioFormat: 'ulaw_8000',
      agentOutputAudioFormat: 'pcm_24000',
    })
    const conversation = await openConversation(standin.url, agentId, {})
    const metadata = await conversation.next('conversation_initiation_metadata')
    expect(metadata.conversation_initiation_metadata_event).toEqual({
      conversation_id: expect.stringMatching(/^conv_/),
      user_input_audio_format: 'ulaw_8000',
      agent_output_audio_format: 'pcm_24000',
    })
    conversation.socket.close()
  })

  it('starts on the first audio chunk when no initiation is sent, and hears that chunk', async () => {
    const agentId = await agent('no-init')
    const conversation = await openConversation(standin.url, agentId)
    conversation.send({ user_audio_chunk: userAudio('pcm_16000', 20, false) })
    await conversation.next('conversation_initiation_metadata')
    const record = await standin.control.waitForConversation(
      { agentId },
      (r) => r.received.audioBytes > 0,
    )
    expect(record.initiation).toBeUndefined()
    expect(record.received.audioBytes).toBe(640)
    conversation.socket.close()
  })

  it('starts on its own when the client stays silent past the initiation timeout', async () => {
    const agentId = await agent('silent-client', { initiationTimeoutMs: 30 })
    const conversation = await openConversation(standin.url, agentId)
    await conversation.next('conversation_initiation_metadata')
    conversation.socket.close()
  })

  it('greets with the first message: agent_response, then audible audio events of the same event id', async () => {
    const agentId = await agent('greeting', { firstMessage: 'Hello there, welcome' })
    const conversation = await openConversation(standin.url, agentId, {})
    const response = await conversation.next('agent_response')
    const { agent_response, event_id } = response.agent_response_event as {
      agent_response: string
      event_id: number
    }
    expect(agent_response).toBe('Hello there, welcome')
    await standin.control.waitForConversation({ agentId }, (r) => r.sent.audioMs >= 3 * 190 - 40)
    const audio = audioOf(conversation.messages)
    expect(audio.length).toBeGreaterThan(1)
    expect(new Set(audio.map((a) => a.event_id))).toEqual(new Set([event_id]))
    const bytes = Buffer.concat(audio.map((a) => Buffer.from(a.audio_base_64, 'base64')))
    expect(bytes.length % 2).toBe(0)
    expect(levelDbfs(decodeSamples(bytes, 'pcm_16000'))).toBeGreaterThan(-25)
    conversation.socket.close()
  })
})

describe('client messages the server refuses', () => {
  it('closes 1008 "Invalid message received" after an error event for text that is not JSON', async () => {
    const conversation = await openConversation(standin.url, await agent('not-json'), {})
    conversation.socket.send('hello')
    await expectRefusal(conversation, 'invalid_message', 'Invalid message received')
  })

  it('closes 1008 for an unknown message type', async () => {
    const conversation = await openConversation(standin.url, await agent('unknown-type'), {})
    conversation.send({ type: 'ping' })
    await expectRefusal(conversation, 'invalid_message', 'Invalid message received')
  })

  it('closes 1008 for a binary frame', async () => {
    const conversation = await openConversation(standin.url, await agent('binary'), {})
    conversation.socket.send(Buffer.from([1, 2, 3]))
    await expectRefusal(conversation, 'invalid_message', 'Invalid message received')
  })

  it('closes 1008 for PCM audio that is not whole 16-bit samples', async () => {
    const conversation = await openConversation(standin.url, await agent('odd-pcm'), {})
    conversation.send({ user_audio_chunk: Buffer.from([1, 2, 3]).toString('base64') })
    await expectRefusal(conversation, 'value_error', 'Invalid message received')
  })

  it('closes 1008 for audio that is not base64', async () => {
    const conversation = await openConversation(standin.url, await agent('bad-base64'), {})
    conversation.send({ user_audio_chunk: 'not base64!' })
    await expectRefusal(conversation, 'value_error', 'Invalid message received')
  })

  it('accepts mu-law chunks of any length', async () => {
    const agentId = await agent('ulaw', { userInputAudioFormat: 'ulaw_8000' })
    const conversation = await openConversation(standin.url, agentId, {})
    conversation.send({ user_audio_chunk: Buffer.from([0xff, 0x7f, 0xff]).toString('base64') })
    const record = await standin.control.waitForConversation(
      { agentId },
      (r) => r.received.audioBytes === 3,
    )
    expect(record.status).toBe('active')
    conversation.socket.close()
  })

  it('closes 1008 for a message missing a required field', async () => {
    const conversation = await openConversation(standin.url, await agent('missing-field'), {})
    conversation.send({ type: 'contextual_update' })
    await expectRefusal(conversation, 'missing_fields', 'Invalid message received')
  })

  it('closes 1008 for a pong that answers no ping', async () => {
    const conversation = await openConversation(standin.url, await agent('stray-pong'), {})
    conversation.send({ type: 'pong', event_id: 99 })
    await expectRefusal(conversation, 'invalid_message', 'Invalid message received')
  })

  it('closes 1008 for a second initiation', async () => {
    const conversation = await openConversation(standin.url, await agent('twice'), {})
    await conversation.next('conversation_initiation_metadata')
    conversation.send({ type: 'conversation_initiation_client_data' })
    await expectRefusal(conversation, 'invalid_message', 'Invalid message received')
  })
})

describe('overrides and dynamic variables', () => {
  it('refuses an override the agent does not allow, naming the field as the real server does', async () => {
    const agentId = await agent('strict', { allowedOverrides: ['agent.first_message'] })
    const conversation = await openConversation(standin.url, agentId, {
      conversation_config_override: { tts: { voice_id: 'v1' } },
    })
    const reason = "Override for field 'voice_id' is not allowed by config."
    await expectRefusal(conversation, 'override_error', reason)
    expect(conversation.messages.map((m) => m.type)).toEqual(['error'])
  })

  it('uses an allowed first_message override, filled with the dynamic variables', async () => {
    const agentId = await agent('override', { allowedOverrides: ['agent.first_message'] })
    const conversation = await openConversation(standin.url, agentId, {
      conversation_config_override: { agent: { first_message: 'Hi {{caller}}' } },
      dynamic_variables: { caller: 'Dana' },
    })
    const response = await conversation.next('agent_response')
    expect(response.agent_response_event).toMatchObject({ agent_response: 'Hi Dana' })
    conversation.socket.close()
  })

  it('refuses a conversation missing a variable the first message needs', async () => {
    const agentId = await agent('needs-var', { firstMessage: 'Hello {{caller}}' })
    const conversation = await openConversation(standin.url, agentId, {})
    await expectRefusal(
      conversation,
      'missing_dynamic_variable',
      'Missing required dynamic variables: caller',
    )
  })

  it('refuses a dynamic variable the agent does not define, when it lists them', async () => {
    const agentId = await agent('var-list', { allowedDynamicVariables: ['caller'] })
    const conversation = await openConversation(standin.url, agentId, {
      dynamic_variables: { other: 1 },
    })
    await expectRefusal(conversation, 'value_error', 'Invalid message received')
  })

  it('refuses dynamic variables nested inside the override', async () => {
    const agentId = await agent('nested-vars', { allowedOverrides: ['agent.first_message'] })
    const conversation = await openConversation(standin.url, agentId, {
      conversation_config_override: { dynamic_variables: { caller: 'Dana' } },
    })
    await expectRefusal(conversation, 'value_error', 'Invalid message received')
  })

  it('sends only the server events listed in an allowed client_events override', async () => {
    const agentId = await agent('events', {
      allowedOverrides: ['conversation.client_events'],
      firstMessage: 'Hi',
      pingIntervalMs: 10,
    })
    const conversation = await openConversation(standin.url, agentId, {
      conversation_config_override: { conversation: { client_events: ['audio', 'vad_score'] } },
    })
    conversation.send({ user_audio_chunk: userAudio('pcm_16000', 20, false) })
    await conversation.next('vad_score')
    await conversation.next('audio')
    const types = new Set(conversation.messages.map((m) => m.type))
    expect(types).toEqual(new Set(['conversation_initiation_metadata', 'audio', 'vad_score']))
    conversation.socket.close()
  })
})

describe('keepalive and timeouts', () => {
  it('pings with rising event ids, reporting the measured round trip once a pong arrived', async () => {
    const agentId = await agent('pings', { pingIntervalMs: 50 })
    const conversation = await openConversation(standin.url, agentId, {})
    const first = await conversation.next('ping')
    expect(first.ping_event).toEqual({ event_id: 1, ping_ms: null })
    conversation.send({ type: 'pong', event_id: 1 })
    const record = await standin.control.waitForConversation(
      { agentId },
      (r) => r.pongs.count === 1,
    )
    const index = conversation.messages.length
    const later = await conversation.next('ping', index)
    expect((later.ping_event as { event_id: number }).event_id).toBeGreaterThan(1)
    expect((later.ping_event as { ping_ms: unknown }).ping_ms).toBe(record.pongs.lastLatencyMs)
    conversation.socket.close()
  })

  it('closes 1002 after the inactivity timeout without user input', async () => {
    const agentId = await agent('idle', { inactivityTimeoutMs: 50 })
    const conversation = await openConversation(standin.url, agentId, {})
    const error = await conversation.next('error')
    expect(error.error_event).toEqual({
      code: 1002,
      error_type: 'transport_receive_timeout',
      message: 'No user input for 0.05 seconds',
    })
    expect((await conversation.closed).code).toBe(1002)
  })

  it('closes 1000 with max_duration_exceeded at the maximum duration', async () => {
    const agentId = await agent('short', { maxDurationMs: 30 })
    const conversation = await openConversation(standin.url, agentId, {})
    expect((await conversation.next('error')).error_event).toMatchObject({
      code: 1000,
      error_type: 'max_duration_exceeded',
    })
    expect((await conversation.closed).code).toBe(1000)
  })
})

describe('turn taking', () => {
  it('transcribes a turn and answers it with audio under a later event id', async () => {
    const agentId = await agent('turn')
    const conversation = await openConversation(standin.url, agentId, {})
    sendSpeech(conversation, 'pcm_16000', [
      [600, true],
      [800, false],
    ])
    const transcript = await conversation.next('user_transcript')
    const { user_transcript, event_id } = transcript.user_transcription_event as {
      user_transcript: string
      event_id: number
    }
    expect(user_transcript).toBe('(heard 0.6 s of speech)')
    expect(conversation.messages.find((m) => m.type === 'tentative_user_transcript')).toBeDefined()
    const response = await conversation.next('agent_response')
    const replyId = (response.agent_response_event as { event_id: number }).event_id
    expect(replyId).toBeGreaterThan(event_id)
    await conversation.next('audio')
    expect(audioOf(conversation.messages).every((a) => a.event_id === replyId)).toBe(true)
    conversation.socket.close()
  })

  /** The user speaks over a long answer: the conversation, the answer's id and the interruption. */
  async function speakOverAnswer(name: string, config: Omit<AgentConfigInput, 'agentId'>) {
    const agentId = await agent(name, { generationSpeed: 1, ...config })
    const conversation = await openConversation(standin.url, agentId, {})
    const { conversationId } = await standin.control.waitForConversation(
      { agentId },
      (r) => r.status === 'active',
    )
    await standin.control.speak(
      conversationId,
      'a long answer that takes a few seconds to play out fully',
    )
    const first = await conversation.next('audio')
    const spokenId = (first.audio_event as { event_id: number }).event_id
    sendSpeech(conversation, 'pcm_16000', [[200, true]])
    const interruption = await conversation.next('interruption')
    return { conversation, spokenId, interruption }
  }

  it('can interrupt with the id of the reply it cut off, and sends no more audio of that reply', async () => {
    const { conversation, spokenId, interruption } = await speakOverAnswer('barge-in', {
      interruptionEventId: 'cut_reply',
    })
    expect(interruption.interruption_event).toEqual({ event_id: spokenId })
    const after = conversation.messages.indexOf(interruption)
    sendSpeech(conversation, 'pcm_16000', [[800, false]])
    await conversation.next('agent_response', after)
    await conversation.next('audio', after)
    const late = audioOf(conversation.messages.slice(after))
    expect(late.every((a) => a.event_id > spokenId)).toBe(true)
    conversation.socket.close()
  })

  it('interrupts as ElevenLabs has been seen to, by default: the reply shares the id, late audio follows', async () => {
    const { conversation, spokenId, interruption } = await speakOverAnswer('barge-in-next-reply', {
      lateAudioAfterInterruption: true,
    })
    const interruptionId = (interruption.interruption_event as { event_id: number }).event_id
    expect(interruptionId).toBeGreaterThan(spokenId)
    const after = conversation.messages.indexOf(interruption)
    expect(conversation.messages[after + 1]).toMatchObject({
      type: 'audio',
      audio_event: { event_id: spokenId },
    })
    sendSpeech(conversation, 'pcm_16000', [[800, false]])
    await conversation.next('agent_response', after)
    await conversation.next('audio', after + 2)
    const reply = audioOf(conversation.messages.slice(after + 2))
    expect(reply.length).toBeGreaterThan(0)
    expect(reply.every((a) => a.event_id === interruptionId)).toBe(true)
    conversation.socket.close()
  })

  it('does not interrupt a reply that has finished playing', async () => {
    const agentId = await agent('played-out')
    const conversation = await openConversation(standin.url, agentId, {})
    const { conversationId } = await standin.control.waitForConversation(
      { agentId },
      (r) => r.status === 'active',
    )
    await standin.control.speak(conversationId, 'ok') // one word: 190 ms of audio
    await conversation.next('audio')
    await new Promise((resolve) => setTimeout(resolve, 400))
    sendSpeech(conversation, 'pcm_16000', [
      [200, true],
      [700, false],
    ])
    await conversation.next('user_transcript')
    expect(conversation.messages.some((m) => m.type === 'interruption')).toBe(false)
    conversation.socket.close()
  })

  it('echoes the turn back for as long as the user spoke, in the output format', async () => {
    const agentId = await agent('echo', { reply: 'echo', agentOutputAudioFormat: 'pcm_24000' })
    const conversation = await openConversation(standin.url, agentId, {})
    sendSpeech(conversation, 'pcm_16000', [
      [600, true],
      [700, false],
    ])
    const record = await standin.control.waitForConversation(
      { agentId },
      (r) => r.sent.audioBytes >= 28_800,
    )
    expect(record.sent.audioBytes).toBe(28_800) // 600 ms at 24 kHz, 16-bit
    conversation.socket.close()
  })

  it('records contextual updates, tool results and user messages, and answers a user message', async () => {
    const agentId = await agent('records')
    const conversation = await openConversation(standin.url, agentId, {})
    const { conversationId } = await standin.control.waitForConversation(
      { agentId },
      (r) => r.status === 'active',
    )
    await standin.control.sendClientToolCall(conversationId, {
      toolName: 'lookup',
      toolCallId: 'call_1',
    })
    await conversation.next('client_tool_call')
    conversation.send({ type: 'contextual_update', text: 'Dana joined', context_id: 'roster' })
    conversation.send({
      type: 'client_tool_result',
      tool_call_id: 'call_1',
      result: 'ok',
      is_error: false,
    })
    conversation.send({ type: 'user_message', text: 'hello' })
    await conversation.next('agent_response')
    const record = await standin.control.waitForConversation(
      { agentId },
      (r) => r.userMessages.length === 1,
    )
    expect(record.contextualUpdates).toMatchObject([{ text: 'Dana joined', contextId: 'roster' }])
    expect(record.toolResults).toMatchObject([
      { toolCallId: 'call_1', result: 'ok', isError: false, expected: true },
    ])
    expect(record.userMessages).toMatchObject([{ text: 'hello' }])
    conversation.socket.close()
  })
})
