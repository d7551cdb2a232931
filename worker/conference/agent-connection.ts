/**
 * The agent's side of the bridge as sockets: one ElevenLabs conversation at a
 * time, opened with a signed URL, each attempt numbered so that events from a
 * connection the bridge has given up on never reach it. Used by the room; the
 * bridge decides when to connect, what to send and when to give up.
 */
import { type Env, elevenLabsApiBase, requireSettings } from '../config.ts'
import { AgentConnectError } from '../elevenlabs/agent-connect-error.ts'
import { getSignedUrl, openAgentSocket } from '../elevenlabs/agent-socket.ts'
import { parseAgentEvent } from '../elevenlabs/protocol.ts'
import { closeQuietly } from '../sockets.ts'
import type { BridgeEvent } from './bridge-types.ts'

export class AgentConnection {
  readonly #env: Env
  readonly #agentId: string
  readonly #feed: (event: BridgeEvent) => void
  #socket: WebSocket | undefined
  #socketAttempt: number | undefined
  #connecting: number | undefined

  constructor(env: Env, agentId: string, feed: (event: BridgeEvent) => void) {
    this.#env = env
    this.#agentId = agentId
    this.#feed = feed
  }

  /**
   * Starts an attempt. Its outcome reaches the bridge later, never from inside this
   * call: the room is still performing the actions of the event that asked for the
   * connection (the connect deadline's timer among them), and an outcome fed now would
   * be handled before them. A missing API key fails without waiting on anything.
   */
  connect(attempt: number): void {
    this.#connecting = attempt
    queueMicrotask(() => void this.#open(attempt))
  }

  send(data: string): void {
    try {
      this.#socket?.send(data)
    } catch {
      // The socket is closing; its close event reaches the bridge.
    }
  }

  close(attempt: number, code: number, reason: string): void {
    if (this.#connecting === attempt) this.#connecting = undefined
    if (this.#socketAttempt !== attempt || !this.#socket) return
    const socket = this.#socket
    this.#socket = undefined
    this.#socketAttempt = undefined
    closeQuietly(socket, code, reason)
  }

  async #open(attempt: number): Promise<void> {
    try {
      const { ELEVENLABS_API_KEY } = requireSettings(this.#env, ['ELEVENLABS_API_KEY'])
      const signedUrl = await getSignedUrl({
        apiBase: elevenLabsApiBase(this.#env),
        apiKey: ELEVENLABS_API_KEY,
        agentId: this.#agentId,
      })
      const socket = await openAgentSocket(signedUrl)
      if (this.#connecting !== attempt) {
        socket.close(1000, 'superseded')
        return
      }
      this.#connecting = undefined
      this.#socket = socket
      this.#socketAttempt = attempt
      this.#listen(socket, attempt)
      this.#feed({ type: 'agent_opened', attempt })
    } catch (error) {
      if (this.#connecting !== attempt) return
      this.#connecting = undefined
      // A missing setting or a rejected key or agent id will not fix itself on the next try.
      this.#feed({
        type: 'agent_failed',
        attempt,
        reason: error instanceof Error ? error.message : String(error),
        retryable: error instanceof AgentConnectError && error.retryable,
      })
    }
  }

  #listen(socket: WebSocket, attempt: number): void {
    socket.addEventListener('message', (event) => {
      this.#feed({
        type: 'agent_event',
        attempt,
        event: parseAgentEvent(event.data as string | ArrayBuffer),
      })
    })
    socket.addEventListener('close', (event) => {
      if (this.#socketAttempt === attempt) {
        this.#socket = undefined
        this.#socketAttempt = undefined
      }
      this.#feed({ type: 'agent_closed', attempt, code: event.code, reason: event.reason })
    })
    socket.addEventListener('error', () => {
      this.#feed({
        type: 'agent_failed',
        attempt,
        reason: 'the agent socket failed',
        retryable: true,
      })
    })
  }
}
