/**
 * The agent side of the bridge benchmark: a light server speaking the
 * ElevenLabs Agents protocol (signed-URL endpoint, then the conversation
 * socket: metadata, pings, replies as `audio` events in real time, optional
 * interruptions), in the load generator's own process so that every latency
 * is measured on one clock. It records when each `user_audio_chunk` arrives
 * and when each `audio` and `interruption` left. No validation and no turn
 * taking: the stand-in in devtools/ does that; this one must stay cheap at
 * hundreds of streams.
 *
 * The agent id picks the formats: ids ending in `_ulaw` use ulaw_8000 both
 * ways, all others pcm_16000 (ElevenLabs' default).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { BenchConversation } from './bridge-conversation.ts'

export class BenchAgent {
  readonly url: string
  readonly port: number
  readonly #conversations = new Map<string, BenchConversation>()
  readonly #waiting = new Map<string, (conversation: BenchConversation) => void>()
  readonly #close: () => Promise<void>

  private constructor(port: number, close: () => Promise<void>) {
    this.port = port
    this.url = `http://127.0.0.1:${port}`
    this.#close = close
  }

  static async start(now: () => number): Promise<BenchAgent> {
    const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false })
    const server = createServer((req, res) => answerSignedUrl(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const agent = new BenchAgent((server.address() as AddressInfo).port, async () => {
      for (const socket of sockets.clients) socket.terminate()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })
    server.on('upgrade', (req, socket, head) => {
      const agentId = new URL(req.url ?? '/', agent.url).searchParams.get('agent_id') ?? ''
      sockets.handleUpgrade(req, socket, head, (ws) =>
        agent.#add(new BenchConversation(ws, agentId, now)),
      )
    })
    return agent
  }

  /** The conversation the bridge opens for `agentId` (each stream has its own agent id). */
  conversation(agentId: string): Promise<BenchConversation> {
    const known = this.#conversations.get(agentId)
    if (known) return Promise.resolve(known)
    return new Promise((resolve) => this.#waiting.set(agentId, resolve))
  }

  /** Forgets finished conversations, so a long search does not keep every recording. */
  forget(agentId: string): void {
    this.#conversations.get(agentId)?.close()
    this.#conversations.delete(agentId)
  }

  close(): Promise<void> {
    return this.#close()
  }

  #add(conversation: BenchConversation): void {
    this.#conversations.set(conversation.agentId, conversation)
    this.#waiting.get(conversation.agentId)?.(conversation)
    this.#waiting.delete(conversation.agentId)
  }
}

/** `GET /v1/convai/conversation/get-signed-url?agent_id=…`: any key, any agent. */
function answerSignedUrl(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
  const agentId = url.searchParams.get('agent_id')
  if (url.pathname !== '/v1/convai/conversation/get-signed-url' || !agentId) {
    res.writeHead(404).end()
    return
  }
  const signed = `ws://${req.headers.host}/v1/convai/conversation?agent_id=${encodeURIComponent(agentId)}&conversation_signature=bench`
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ signed_url: signed }))
}
