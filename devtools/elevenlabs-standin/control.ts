/**
 * A typed client for the stand-in's control API (`/__standin/…`). It needs
 * nothing but `fetch`, so workerd tests use it as well as Node tests: register
 * an agent of your own, find the conversations the code under test opened,
 * push any server message into one, or close it with a chosen code.
 *
 * @example
 * const control = new StandinControl(env.ELEVENLABS_API_BASE)
 * await control.registerAgent({ agentId: 'agent_my_test', reply: 'none' })
 * const [conversation] = await control.conversations({ agentId: 'agent_my_test' })
 */
import type { AgentConfig, AgentConfigInput, AudioFormat } from './agent-config.ts'
import type { ConversationRecord } from './conversation-record.ts'

export type { AgentConfig, AgentConfigInput, ConversationRecord }

/** What to send into a live conversation. */
export type PushRequest =
  /** Any server message, as JSON. A ping's event_id becomes one the client must answer. */
  | { message: Record<string, unknown> }
  /** Any text frame, even one that is not JSON. */
  | { raw: string }
  /** A ping from the conversation's own sequence. */
  | { ping: true }
  /** The agent says this now: agent_response, then audio events. */
  | { speak: string }

export interface CloseRequest {
  /** 1006 drops the connection without a close frame. */
  code: number
  reason?: string
  /** When given, an `error` event with this error_type precedes the close. */
  errorType?: string
  message?: string
}

export interface ConversationFilter {
  agentId?: string
  conversationId?: string
}

export class StandinControl {
  readonly #base: string
  readonly #fetch: typeof fetch

  /** `baseUrl` is the stand-in's URL, e.g. env.ELEVENLABS_API_BASE. */
  constructor(baseUrl: string, fetcher: typeof fetch = (input, init) => fetch(input, init)) {
    this.#base = `${baseUrl.replace(/\/+$/, '')}/__standin`
    this.#fetch = fetcher
  }

  async registerAgent(input: AgentConfigInput): Promise<AgentConfig> {
    return (await this.#call('POST', '/agents', input)) as AgentConfig
  }

  async conversations(filter: ConversationFilter = {}): Promise<ConversationRecord[]> {
    const query = new URLSearchParams()
    if (filter.agentId) query.set('agent_id', filter.agentId)
    if (filter.conversationId) query.set('conversation_id', filter.conversationId)
    const body = (await this.#call('GET', `/conversations?${query}`)) as {
      conversations: ConversationRecord[]
    }
    return body.conversations
  }

  /** Polls until a conversation matching `filter` satisfies `until`; throws after `timeoutMs`. */
  async waitForConversation(
    filter: ConversationFilter,
    until: (conversation: ConversationRecord) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ConversationRecord> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = (await this.conversations(filter)).find(until)
      if (found) return found
      if (Date.now() > deadline) {
        throw new Error(`no conversation matching ${JSON.stringify(filter)} within ${timeoutMs} ms`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  async push(conversationId: string, request: PushRequest): Promise<void> {
    await this.#call(
      'POST',
      `/conversations/${encodeURIComponent(conversationId)}/messages`,
      request,
    )
  }

  sendAudio(conversationId: string, audioBase64: string, eventId: number): Promise<void> {
    const message = {
      type: 'audio',
      audio_event: { audio_base_64: audioBase64, event_id: eventId },
    }
    return this.push(conversationId, { message })
  }

  sendInterruption(conversationId: string, eventId: number): Promise<void> {
    return this.push(conversationId, {
      message: { type: 'interruption', interruption_event: { event_id: eventId } },
    })
  }

  sendPing(conversationId: string): Promise<void> {
    return this.push(conversationId, { ping: true })
  }

  sendClientToolCall(
    conversationId: string,
    call: {
      toolName: string
      toolCallId: string
      parameters?: Record<string, unknown>
      eventId?: number
    },
  ): Promise<void> {
    const { toolName, toolCallId, parameters = {}, eventId = 0 } = call
    const client_tool_call = {
      tool_name: toolName,
      tool_call_id: toolCallId,
      parameters,
      event_id: eventId,
    }
    return this.push(conversationId, { message: { type: 'client_tool_call', client_tool_call } })
  }

  sendRaw(conversationId: string, text: string): Promise<void> {
    return this.push(conversationId, { raw: text })
  }

  speak(conversationId: string, text: string): Promise<void> {
    return this.push(conversationId, { speak: text })
  }

  /**
   * The user audio a conversation received, byte for byte in the agent's input
   * format; only for agents registered with `keepUserAudioMs`.
   */
  async userAudio(conversationId: string): Promise<{ format: AudioFormat; bytes: Uint8Array }> {
    const path = `/conversations/${encodeURIComponent(conversationId)}/user-audio`
    const res = await this.#fetch(`${this.#base}${path}`)
    if (!res.ok) throw new Error(`stand-in control GET ${path}: ${res.status} ${await res.text()}`)
    const format = res.headers.get('x-audio-format') as AudioFormat
    return { format, bytes: new Uint8Array(await res.arrayBuffer()) }
  }

  async close(conversationId: string, request: CloseRequest): Promise<void> {
    await this.#call('POST', `/conversations/${encodeURIComponent(conversationId)}/close`, request)
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.#fetch(`${this.#base}${path}`, {
      method,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`stand-in control ${method} ${path}: ${res.status} ${text}`)
    return text ? JSON.parse(text) : undefined
  }
}
