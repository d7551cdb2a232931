import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { StandinControl } from '../../devtools/elevenlabs-standin/control.ts'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import { AgentConnectError, getSignedUrl, openAgentSocket } from './agent-socket.ts'
import { type AgentEvent, conversationInitiation, parseAgentEvent, pong } from './protocol.ts'

const apiBase = env.ELEVENLABS_API_BASE ?? ''
const apiKey = env.ELEVENLABS_API_KEY ?? ''
const control = new StandinControl(apiBase)
let agents = 0
const uniqueAgentId = (name: string) => `agent_${name}_${Date.now()}_${++agents}`

async function connectError(promise: Promise<unknown>): Promise<AgentConnectError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  if (!(error instanceof AgentConnectError))
    throw new Error(`expected an AgentConnectError, got ${error}`)
  return error
}

/** A fetch that answers every request with `status` and `body`. */
const answering = (status: number, body: string) => async () => new Response(body, { status })

/** The next events from a socket, parsed, as they arrive. */
function events(socket: WebSocket) {
  const received: AgentEvent[] = []
  const waiting = new Set<() => void>()
  socket.addEventListener('message', (message) => {
    received.push(parseAgentEvent(message.data as string | ArrayBuffer))
    for (const wake of waiting) wake()
  })
  return (type: AgentEvent['type']) =>
    new Promise<AgentEvent>((resolve) => {
      const check = () => {
        const index = received.findIndex((event) => event.type === type)
        if (index < 0) return
        waiting.delete(check)
        resolve(received.splice(index, 1)[0] as AgentEvent)
      }
      waiting.add(check)
      check()
    })
}

describe('getSignedUrl against the stand-in', () => {
  it('returns the signed conversation URL for the default agent', async () => {
    const url = await getSignedUrl({ apiBase, apiKey, agentId: env.ELEVENLABS_AGENT_ID ?? '' })
    expect(url).toMatch(
      /^ws:\/\/127\.0\.0\.1:\d+\/v1\/convai\/conversation\?agent_id=agent_test_default&conversation_signature=/,
    )
  })

  it('reports a wrong key as unauthorized, naming the setting and never the key', async () => {
    const wrongKey = 'xi-wrong-key-1234'
    const error = await connectError(
      getSignedUrl({ apiBase, apiKey: wrongKey, agentId: 'agent_test_default' }),
    )
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, retryable: false })
    expect(error.message).toMatch(
      /ElevenLabs rejected ELEVENLABS_API_KEY \(401 invalid_api_key: Invalid API key\)/,
    )
    expect(error.message).not.toContain(wrongKey)
  })

  it('reports an unknown agent as agent_not_found', async () => {
    const error = await connectError(
      getSignedUrl({ apiBase, apiKey, agentId: 'agent_nobody_here' }),
    )
    expect(error).toMatchObject({ code: 'agent_not_found', status: 404 })
    expect(error.message).toContain('"agent_nobody_here"')
    expect(error.message).toContain('ELEVENLABS_AGENT_ID')
  })

  it("reports 429 as the plan's limit or rate_limited, and 5xx as upstream, all retryable", async () => {
    const full = uniqueAgentId('full')
    await control.registerAgent({
      agentId: full,
      signedUrlResponse: {
        status: 429,
        body: '{"detail":{"status":"too_many_concurrent_requests"}}',
      },
    })
    expect(await connectError(getSignedUrl({ apiBase, apiKey, agentId: full }))).toMatchObject({
      code: 'concurrency_limit',
      retryable: true,
      message: expect.stringContaining('end one, or raise'),
    })
    const busy = uniqueAgentId('busy')
    await control.registerAgent({
      agentId: busy,
      signedUrlResponse: { status: 429, body: '{"detail":{"status":"system_busy"}}' },
    })
    expect(await connectError(getSignedUrl({ apiBase, apiKey, agentId: busy }))).toMatchObject({
      code: 'rate_limited',
      retryable: true,
    })
    const broken = uniqueAgentId('broken')
    await control.registerAgent({
      agentId: broken,
      signedUrlResponse: { status: 503, body: 'oops' },
    })
    expect(await connectError(getSignedUrl({ apiBase, apiKey, agentId: broken }))).toMatchObject({
      code: 'upstream',
      status: 503,
      retryable: true,
    })
  })

  it('reports a scoped key without the Agents permission as such, not as a bad key', async () => {
    const body =
      '{"detail":{"status":"missing_permissions","message":"The API key you used is missing the permission convai_read to execute this operation."}}'
    const error = await connectError(
      getSignedUrl({ apiBase, apiKey, agentId: 'agent_x', fetch: answering(401, body) }),
    )
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, retryable: false })
    expect(error.message).toMatch(/give the key the Agents permission/)
    expect(error.message).toContain('convai_read')
  })

  it('reports a legacy 401 quota error as quota_exceeded, not as a bad key', async () => {
    const body =
      '{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota"}}'
    const error = await connectError(
      getSignedUrl({ apiBase, apiKey, agentId: 'agent_x', fetch: answering(401, body) }),
    )
    expect(error.code).toBe('quota_exceeded')
  })

  it('reports a 200 without a usable signed_url as bad_response', async () => {
    for (const body of ['{}', '<html>', '{"signed_url":"https://example.com"}']) {
      const error = await connectError(
        getSignedUrl({ apiBase, apiKey, agentId: 'a', fetch: answering(200, body) }),
      )
      expect(error.code).toBe('bad_response')
    }
  })

  it('gives up with timeout when ElevenLabs does not answer in time', async () => {
    const never = (_input: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new Error('aborted')))
      })
    const error = await connectError(
      getSignedUrl({ apiBase, apiKey, agentId: 'a', fetch: never, timeoutMs: 20 }),
    )
    expect(error).toMatchObject({ code: 'timeout', retryable: true })
  })

  it('reports a failed request as network, without the key even if the cause contains it', async () => {
    const failing = async () => {
      throw new Error(`connection refused while sending ${apiKey}`)
    }
    const error = await connectError(
      getSignedUrl({ apiBase, apiKey, agentId: 'a', fetch: failing }),
    )
    expect(error.code).toBe('network')
    expect(error.message).not.toContain(apiKey)
  })
})

describe('openAgentSocket against the stand-in', () => {
  it('opens the conversation and exchanges initiation and metadata', async () => {
    const agentId = uniqueAgentId('socket')
    await control.registerAgent({
      agentId,
      agentOutputAudioFormat: 'ulaw_8000',
      firstMessage: '',
      pingIntervalMs: 50,
    })
    const socket = await openAgentSocket(await getSignedUrl({ apiBase, apiKey, agentId }))
    const next = events(socket)
    socket.send(conversationInitiation({ dynamicVariables: { caller: 'Dana' } }))
    expect(await next('conversation_initiation_metadata')).toEqual({
      type: 'conversation_initiation_metadata',
      conversationId: expect.stringMatching(/^conv_/),
      userInputAudioFormat: 'pcm_16000',
      agentOutputAudioFormat: 'ulaw_8000',
    })
    const ping = await next('ping')
    if (ping.type === 'ping') socket.send(pong(ping.eventId))
    const record = await control.waitForConversation({ agentId }, (r) => r.pongs.count === 1)
    expect(record.initiation).toEqual({
      type: 'conversation_initiation_client_data',
      dynamic_variables: { caller: 'Dana' },
    })
    socket.close(1000, 'done')
  })

  it('reports a refused signature as unauthorized with the HTTP status, to be tried again with a new URL', async () => {
    const forged = `${apiBase.replace('http', 'ws')}/v1/convai/conversation?agent_id=agent_test_default&conversation_signature=forged`
    const error = await connectError(openAgentSocket(forged))
    expect(error).toMatchObject({ code: 'unauthorized', status: 403, retryable: true })
    expect(error.message).not.toContain('forged')
  })

  it('refuses a signed URL that is not ws(s)', async () => {
    const error = await connectError(openAgentSocket('ftp://example.com/'))
    expect(error.code).toBe('bad_response')
  })

  it('fetches the upgrade without an AbortSignal, which workerd would keep wrapped around the socket', async () => {
    let signal: AbortSignal | null | undefined = null
    const refusing = async (_input: string, init: RequestInit) => {
      signal = init.signal
      return new Response('no', { status: 403 })
    }
    await connectError(openAgentSocket('wss://example.test/x', { fetch: refusing }))
    expect(signal).toBeUndefined()
  })

  it('gives up with timeout at the deadline, and closes a socket that opens after it', async () => {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
    server.accept()
    const closed = new Promise<CloseEvent>((resolve) => server.addEventListener('close', resolve))
    const slow = () =>
      new Promise<Response>((resolve) =>
        setTimeout(() => resolve(new Response(null, { status: 101, webSocket: client })), 60),
      )
    const error = await connectError(
      openAgentSocket('wss://example.test/x', { fetch: slow, timeoutMs: 20 }),
    )
    expect(error).toMatchObject({ code: 'timeout', retryable: true })
    expect(await closed).toMatchObject({ code: 1000, reason: 'opened after the connect timeout' })
  })

  it('reports a server that answers without upgrading as bad_response', async () => {
    const error = await connectError(
      openAgentSocket('wss://example.test/x', { fetch: answering(200, 'hello') }),
    )
    expect(error).toMatchObject({ code: 'bad_response', status: 200 })
  })
})

describe('the test configuration', () => {
  it('points the worker at the stand-in with the test key', () => {
    expect(apiKey).toBe(TEST_CREDENTIALS.ELEVENLABS_API_KEY)
    expect(apiBase).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
})
