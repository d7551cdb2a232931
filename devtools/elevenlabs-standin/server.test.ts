import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import { type RunningElevenLabsStandin, startElevenLabsStandin } from './server.ts'
import { signedUrl, uniqueAgentId } from './test-client.ts'

let standin: RunningElevenLabsStandin
beforeAll(async () => {
  standin = await startElevenLabsStandin({ apiKeys: ['extra-key'] })
})
afterAll(() => standin.close())

const getSignedUrl = (query: string, key: string | null = TEST_CREDENTIALS.ELEVENLABS_API_KEY) =>
  fetch(`${standin.url}/v1/convai/conversation/get-signed-url${query}`, {
    headers: key === null ? {} : { 'xi-api-key': key },
  })

/** The HTTP status a WebSocket upgrade to `url` is answered with. */
const upgradeStatus = (url: string) =>
  new Promise<number>((resolve) => {
    const socket = new WebSocket(url)
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    socket.on('open', () => {
      resolve(101)
      socket.close()
    })
  })

describe('GET /v1/convai/conversation/get-signed-url', () => {
  it('returns a ws:// signed URL for the agent on the same host', async () => {
    const res = await getSignedUrl('?agent_id=agent_test_default')
    expect(res.status).toBe(200)
    const { signed_url } = (await res.json()) as { signed_url: string }
    const url = new URL(signed_url)
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(
      `${standin.url.replace('http:', 'ws:')}/v1/convai/conversation`,
    )
    expect(url.searchParams.get('agent_id')).toBe('agent_test_default')
    expect(url.searchParams.get('conversation_signature')).toMatch(/^[\w-]{20,}$/)
  })

  it('accepts the extra keys it was started with', async () => {
    expect((await getSignedUrl('?agent_id=agent_test_default', 'extra-key')).status).toBe(200)
  })

  it('refuses a wrong key with 401 and ElevenLabs’ invalid_api_key body', async () => {
    const res = await getSignedUrl('?agent_id=agent_test_default', 'wrong-key')
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({
      detail: {
        type: 'authentication_error',
        code: 'unauthorized',
        status: 'invalid_api_key',
        message: 'Invalid API key',
        request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      },
    })
  })

  it('refuses a missing key with 401 needs_authorization', async () => {
    const res = await getSignedUrl('?agent_id=agent_test_default', null)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({
      detail: {
        status: 'needs_authorization',
        message: 'Neither authorization header nor xi-api-key received, please provide one.',
      },
    })
  })

  it('answers an unknown agent with 404 agent_not_found', async () => {
    const res = await getSignedUrl('?agent_id=agent_nobody')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({
      detail: { code: 'agent_not_found', status: 'agent_not_found' },
    })
  })

  it('answers a missing agent_id with a FastAPI 422 validation error', async () => {
    const res = await getSignedUrl('')
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({
      detail: [{ type: 'missing', loc: ['query', 'agent_id'], msg: 'Field required', input: null }],
    })
  })

  it('answers with the status and body an agent is configured to fail with', async () => {
    const agentId = uniqueAgentId('busy')
    await standin.control.registerAgent({
      agentId,
      signedUrlResponse: {
        status: 429,
        body: '{"detail":{"status":"too_many_concurrent_requests"}}',
      },
    })
    const res = await getSignedUrl(`?agent_id=${agentId}`)
    expect(res.status).toBe(429)
    expect(await res.json()).toEqual({ detail: { status: 'too_many_concurrent_requests' } })
  })
})

describe('WebSocket upgrade of /v1/convai/conversation', () => {
  it('accepts a signed URL, more than once within its 15 minutes', async () => {
    const url = await signedUrl(standin.url, 'agent_test_default')
    expect(await upgradeStatus(url)).toBe(101)
    expect(await upgradeStatus(url)).toBe(101)
  })

  it('accepts a URL issued with a conversation id only once, under that id', async () => {
    const res = await getSignedUrl('?agent_id=agent_test_default&include_conversation_id=true')
    const { signed_url } = (await res.json()) as { signed_url: string }
    const conversationId = new URL(signed_url).searchParams.get('conversation_id')
    expect(conversationId).toMatch(/^conv_/)
    expect(await upgradeStatus(signed_url)).toBe(101)
    expect(await upgradeStatus(signed_url)).toBe(403)
    const [record] = await standin.control.conversations({ conversationId: conversationId ?? '' })
    expect(record?.agentId).toBe('agent_test_default')
  })

  it('refuses a missing signature with 401 and an unknown one with 403', async () => {
    const base = `${standin.url.replace('http:', 'ws:')}/v1/convai/conversation?agent_id=agent_test_default`
    expect(await upgradeStatus(base)).toBe(401)
    expect(await upgradeStatus(`${base}&conversation_signature=forged`)).toBe(403)
  })

  it('refuses a signature issued for another agent', async () => {
    const agentId = uniqueAgentId('other')
    await standin.control.registerAgent({ agentId })
    const url = new URL(await signedUrl(standin.url, agentId))
    url.searchParams.set('agent_id', 'agent_test_default')
    expect(await upgradeStatus(url.toString())).toBe(403)
  })
})
