/**
 * The one REST endpoint the bridge uses, `GET /v1/convai/conversation/get-signed-url`,
 * with ElevenLabs' error bodies: `{ "detail": { type, code, message, status,
 * request_id } }`, where `status` is the legacy field older clients read
 * (elevenlabs.io/docs/eleven-api/resources/errors). A rejected key answers as
 * live captures show: code "unauthorized" with status "invalid_api_key", or
 * status "needs_authorization" when no key was sent; FastAPI validation errors
 * (a missing agent_id) are a 422 with a `detail` list.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AgentRegistry } from './agent-config.ts'
import { sendJson } from './http-json.ts'
import type { SignedUrls } from './signed-urls.ts'

export interface RestContext {
  agents: AgentRegistry
  apiKeys: ReadonlySet<string>
  signedUrls: SignedUrls
}

export const errorBody = (type: string, code: string, status: string, message: string) => ({
  detail: { type, code, message, status, request_id: randomBytes(16).toString('hex') },
})

export function answerSignedUrl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: RestContext,
) {
  if (req.method !== 'GET') return sendJson(res, 405, { detail: 'Method Not Allowed' })
  const key = req.headers['xi-api-key']
  if (typeof key !== 'string' || key === '') {
    const message = 'Neither authorization header nor xi-api-key received, please provide one.'
    return sendJson(
      res,
      401,
      errorBody('authentication_error', 'unauthorized', 'needs_authorization', message),
    )
  }
  if (!context.apiKeys.has(key)) {
    const body = errorBody(
      'authentication_error',
      'unauthorized',
      'invalid_api_key',
      'Invalid API key',
    )
    return sendJson(res, 401, body)
  }
  const agentId = url.searchParams.get('agent_id')
  if (!agentId) {
    const missing = {
      type: 'missing',
      loc: ['query', 'agent_id'],
      msg: 'Field required',
      input: null,
    }
    return sendJson(res, 422, { detail: [missing] })
  }
  const agent = context.agents.get(agentId)
  if (!agent) {
    return sendJson(
      res,
      404,
      errorBody('not_found', 'agent_not_found', 'agent_not_found', 'Agent not found'),
    )
  }
  if (agent.signedUrlResponse) {
    const { status, body } = agent.signedUrlResponse
    res.writeHead(status, { 'content-type': 'application/json' })
    return res.end(body)
  }
  const withConversationId = url.searchParams.get('include_conversation_id') === 'true'
  const grant = context.signedUrls.issue(agentId, withConversationId, Date.now())
  const query = new URLSearchParams({ agent_id: agentId, conversation_signature: grant.signature })
  if (grant.conversationId) query.set('conversation_id', grant.conversationId)
  // The socket lives on the host the client used, as api.elevenlabs.io serves both.
  const signedUrl = `ws://${req.headers.host}/v1/convai/conversation?${query}`
  return sendJson(res, 200, { signed_url: signedUrl })
}
