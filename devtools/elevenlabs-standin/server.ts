/**
 * A local server that behaves like ElevenLabs for the bridge: the signed-URL
 * REST endpoint and the Agents conversation WebSocket, with the documented
 * message shapes, close codes and error bodies, plus a control API for tests.
 * Workerd tests, end-to-end tests against `wrangler dev` and the no-account dev
 * mode all talk to it as they would to api.elevenlabs.io.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import type { RunningStandin } from '../standin.ts'
import { type AgentConfigInput, AgentRegistry } from './agent-config.ts'
import { StandinControl } from './control.ts'
import { answerControl } from './control-api.ts'
import { StandinConversation } from './conversation.ts'
import { ConversationDirectory } from './directory.ts'
import { sendJson } from './http-json.ts'
import { answerSignedUrl, errorBody } from './rest-api.ts'
import { newConversationId, SignedUrls } from './signed-urls.ts'

export interface ElevenLabsStandinOptions {
  /** 0 or absent: any free port. */
  port?: number
  host?: string
  /** Accepted as xi-api-key besides TEST_CREDENTIALS.ELEVENLABS_API_KEY. */
  apiKeys?: readonly string[]
  /** Agents besides the default `agent_test_default`. */
  agents?: readonly AgentConfigInput[]
}

export interface RunningElevenLabsStandin extends RunningStandin {
  control: StandinControl
}

export async function startElevenLabsStandin(
  options: ElevenLabsStandinOptions = {},
): Promise<RunningElevenLabsStandin> {
  const { host = '127.0.0.1', port = 0 } = options
  const agents = new AgentRegistry(options.agents)
  const directory = new ConversationDirectory()
  const signedUrls = new SignedUrls()
  const apiKeys = new Set([TEST_CREDENTIALS.ELEVENLABS_API_KEY, ...(options.apiKeys ?? [])])
  const sockets = new WebSocketServer({ noServer: true })

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://standin')
    if (url.pathname.startsWith('/__standin/'))
      return answerControl(req, res, url, { agents, directory })
    if (url.pathname === '/v1/convai/conversation/get-signed-url') {
      return answerSignedUrl(req, res, url, { agents, apiKeys, signedUrls })
    }
    return sendJson(res, 404, { detail: 'Not Found' })
  }

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://standin')
    if (url.pathname !== '/v1/convai/conversation')
      return refuse(socket, 404, { detail: 'Not Found' })
    const agentId = url.searchParams.get('agent_id')
    const signature = url.searchParams.get('conversation_signature')
    const admission = signedUrls.admit(agentId, signature, Date.now())
    if (!admission.ok) {
      const { status, message } = admission
      return refuse(
        socket,
        status,
        errorBody('authentication_error', 'unauthorized', 'invalid_signature', message),
      )
    }
    const agent = agentId ? agents.get(agentId) : undefined
    if (!agent)
      return refuse(
        socket,
        404,
        errorBody('not_found', 'agent_not_found', 'agent_not_found', 'Agent not found'),
      )
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const conversationId = admission.conversationId ?? newConversationId()
      const conversation = new StandinConversation(ws, agent, conversationId, (closed) =>
        directory.retire(closed),
      )
      directory.add(conversation)
    })
  }

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => sendJson(res, 500, { detail: String(error) }))
  })
  server.on('upgrade', upgrade)
  // Idle connections are left for the client to close (Node closes them after 6 s): a test
  // process busy for longer (a CPU-bound check on a loaded machine) does not see the close,
  // and its next request, sent on the closed connection, fails ("other side closed").
  server.keepAliveTimeout = 0
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  const url = `http://${host}:${(server.address() as AddressInfo).port}`
  return {
    url,
    control: new StandinControl(url),
    close: async () => {
      directory.closeAll()
      sockets.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Answers a WebSocket upgrade with an HTTP error instead. */
function refuse(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status] ?? 'Error'
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  )
}
