/**
 * One conversation on the stand-in's socket, run as the ElevenLabs agent
 * server runs it: wait for conversation_initiation_client_data (or the first
 * message), answer with conversation_initiation_metadata, validate every
 * client message, ping and time the pongs, close 1002 after the inactivity
 * timeout. Every rule broken becomes an `error` event and a close, as the
 * contract says; what the agent hears and says is TurnTaking's business.
 */
import type { ErrorEventCode, ErrorEventErrorType } from '@elevenlabs/types'
import type { RawData, WebSocket } from 'ws'
import type { AgentConfig } from './agent-config.ts'
import { bytesPerSecond } from './audio-codec.ts'
import { type ClientMessage, isRecord, readClientMessage } from './client-messages.ts'
import type { CloseRequest, PushRequest } from './control.ts'
import * as record from './conversation-record.ts'
import { acceptInitiation } from './initiation.ts'
import { Outbox } from './outbox.ts'
import { PingClock } from './ping-clock.ts'
import * as server from './server-messages.ts'
import { TurnTaking } from './turn-taking.ts'
import { UserAudioTape } from './user-audio-tape.ts'

/** Violations the real server closes with the reason "Invalid message received". */
const INVALID_MESSAGE = new Set<ErrorEventErrorType>([
  'invalid_message',
  'missing_fields',
  'value_error',
])

type Timer = ReturnType<typeof setTimeout>

export class StandinConversation {
  readonly record: record.ConversationRecord
  /** The user's audio as received, when the agent keeps it (`keepUserAudioMs`). */
  readonly userAudio: UserAudioTape | undefined
  readonly #socket: WebSocket
  readonly #agent: AgentConfig
  readonly #turns: TurnTaking
  readonly #outbox: Outbox
  readonly #onClosed: (conversation: StandinConversation) => void
  #state: 'awaiting' | 'active' | 'closing' | 'closed' = 'awaiting'
  #pings = new PingClock()
  #toolCalls = new Set<string>()
  #timers: Timer[] = []
  #inactivity: Timer | undefined

  constructor(
    socket: WebSocket,
    agent: AgentConfig,
    conversationId: string,
    onClosed: (conversation: StandinConversation) => void,
  ) {
    this.#socket = socket
    this.#agent = agent
    this.#onClosed = onClosed
    this.record = record.newRecord(conversationId, agent.agentId, Date.now())
    const { keepUserAudioMs, userInputAudioFormat } = agent
    this.userAudio =
      keepUserAudioMs > 0 ? new UserAudioTape(userInputAudioFormat, keepUserAudioMs) : undefined
    this.#outbox = new Outbox(socket, this.record, agent.agentOutputAudioFormat)
    this.#turns = new TurnTaking(agent, (message) => this.#send(message), this.record)
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary))
    socket.on('close', (code, reason) => this.#onClose(code, reason.toString()))
    socket.on('error', () => {}) // a close event always follows
    this.#timers.push(setTimeout(() => this.#start(undefined), agent.initiationTimeoutMs))
  }

  get live(): boolean {
    return this.#state === 'awaiting' || this.#state === 'active'
  }

  /** Sends what the control API asks for; returns a problem, or undefined when sent. */
  push(request: PushRequest): string | undefined {
    if (!this.live) return 'the conversation is closed'
    if ('raw' in request) this.#outbox.sendText(request.raw, 'raw')
    else if ('ping' in request) this.#ping(true)
    else if ('speak' in request) {
      if (this.#state !== 'active') return 'the conversation has not started'
      this.#turns.say(request.speak)
    } else {
      const { message } = request
      if (!isRecord(message) || typeof message.type !== 'string') return 'message needs a type'
      this.#expect(message)
      this.#outbox.sendText(JSON.stringify(message), message.type)
    }
    return undefined
  }

  closeWith({ code, reason = '', errorType, message }: CloseRequest): string | undefined {
    if (!this.live) return 'the conversation is closed'
    if (errorType) {
      const event = server.error(
        code as ErrorEventCode,
        errorType as ErrorEventErrorType,
        message ?? reason,
      )
      this.#send(event)
    }
    this.#closeSocket(code, reason)
    return undefined
  }

  #onMessage(data: RawData, isBinary: boolean) {
    if (!this.live) return
    if (isBinary) return this.#fail(1008, 'invalid_message', 'Binary frames are not accepted')
    const text = (data as Buffer).toString('utf8')
    const read = readClientMessage(text, this.#agent.userInputAudioFormat)
    if ('violation' in read)
      return this.#fail(1008, read.violation.errorType, read.violation.message)
    const { message } = read
    this.#noteReceived(message, text)
    if (this.#state === 'awaiting') {
      if (message.type === 'conversation_initiation_client_data') {
        this.#start(message.payload)
        return
      }
      if (!this.#start(undefined)) return
    } else if (message.type === 'conversation_initiation_client_data') {
      return this.#fail(1008, 'invalid_message', 'The conversation is already initiated')
    }
    this.#handle(message)
  }

  /** Answers the initiation with the metadata; false when the initiation was refused. */
  #start(payload: Record<string, unknown> | undefined): boolean {
    if (this.#state !== 'awaiting') return false
    this.#stopTimers()
    if (payload) this.record.initiation = payload
    const accepted = acceptInitiation(payload, this.#agent)
    if ('violation' in accepted) {
      this.#fail(1008, accepted.violation.errorType, accepted.violation.message)
      return false
    }
    const { initiation } = accepted
    this.#state = 'active'
    this.record.status = 'active'
    this.record.initiatedAt = Date.now()
    this.record.dynamicVariables = initiation.dynamicVariables
    this.#outbox.clientEvents = initiation.clientEvents
    const { conversationId } = this.record
    const { userInputAudioFormat: input, agentOutputAudioFormat: output } = this.#agent
    this.#send(server.metadata(conversationId, input, output))
    this.#startTimers()
    if (initiation.firstMessage) this.#turns.say(initiation.firstMessage)
    return true
  }

  #startTimers(): void {
    const { pingIntervalMs, inactivityTimeoutMs, maxDurationMs } = this.#agent
    if (pingIntervalMs > 0) this.#timers.push(setInterval(() => this.#ping(false), pingIntervalMs))
    if (inactivityTimeoutMs > 0) {
      const message = `No user input for ${inactivityTimeoutMs / 1000} seconds`
      const timeout = () => this.#fail(1002, 'transport_receive_timeout', message)
      this.#inactivity = setTimeout(timeout, inactivityTimeoutMs)
      this.#timers.push(this.#inactivity)
    }
    if (maxDurationMs > 0) {
      const end = () =>
        this.#fail(1000, 'max_duration_exceeded', 'Maximum conversation duration reached')
      this.#timers.push(setTimeout(end, maxDurationMs))
    }
  }

  #handle(message: ClientMessage) {
    const at = Date.now()
    switch (message.type) {
      case 'user_audio_chunk':
        this.#inactivity?.refresh()
        this.userAudio?.append(message.audio)
        return this.#turns.hear(message.samples)
      case 'user_activity':
        this.#inactivity?.refresh()
        return
      case 'user_message':
        this.#inactivity?.refresh()
        record.keepLast(this.record.userMessages, {
          at,
          ...(message.text !== undefined && { text: message.text }),
        })
        return this.#turns.read(message.text)
      case 'pong':
        return this.#onPong(message.eventId)
      case 'contextual_update': {
        const { text, contextId } = message
        record.keepLast(this.record.contextualUpdates, {
          at,
          text,
          ...(contextId && { contextId }),
        })
        return
      }
      case 'client_tool_result': {
        const { toolCallId, result, isError } = message
        const expected = this.#toolCalls.delete(toolCallId)
        record.keepLast(this.record.toolResults, { at, toolCallId, result, isError, expected })
        return
      }
    }
  }

  #ping(always: boolean): void {
    if (!always && !this.#outbox.clientEvents.has('ping')) return
    const { lastRoundTripMs } = this.#pings
    this.#send(server.ping(this.#pings.next(Date.now()), lastRoundTripMs), always)
  }

  #onPong(eventId: number) {
    const roundTripMs = this.#pings.answer(eventId, Date.now())
    if (roundTripMs === undefined) {
      return this.#fail(1008, 'invalid_message', `pong for unknown ping event_id ${eventId}`)
    }
    record.notePong(this.record, roundTripMs)
  }

  /** Remembers what a pushed message asks the client to answer, and keeps event ids rising. */
  #expect(message: Record<string, unknown>): void {
    const data = Object.values(message).find(isRecord) ?? {}
    const eventId = Number.isInteger(data.event_id) ? (data.event_id as number) : undefined
    if (message.type === 'ping' && eventId !== undefined) this.#pings.expect(eventId, Date.now())
    else if (eventId !== undefined) this.#turns.noteEventId(eventId)
    if (message.type === 'client_tool_call' && typeof data.tool_call_id === 'string') {
      this.#toolCalls.add(data.tool_call_id)
    }
  }

  #send(message: server.ServerMessage, always = false): void {
    if (this.#state !== 'closed') this.#outbox.send(message, always)
  }

  #noteReceived(message: ClientMessage, text: string) {
    const at = Date.now()
    if (message.type !== 'user_audio_chunk')
      return record.noteReceived(this.record, at, message.type, text)
    const ms = (message.bytes * 1000) / bytesPerSecond(this.#agent.userInputAudioFormat)
    record.noteAudioReceived(this.record, at, message.bytes, ms)
  }

  #fail(code: ErrorEventCode, errorType: ErrorEventErrorType, message: string): void {
    if (!this.live) return
    record.keepLast(this.record.violations, { at: Date.now(), code, errorType, message })
    this.#send(server.error(code, errorType, message))
    const invalid = code === 1008 && INVALID_MESSAGE.has(errorType)
    this.#closeSocket(code, invalid ? 'Invalid message received' : message)
  }

  #closeSocket(code: number, reason: string): void {
    this.#state = 'closing'
    this.#stopTimers()
    this.record.close = { code, reason, by: 'server' }
    if (code === 1006) this.#socket.terminate()
    else this.#socket.close(code, closeReason(reason))
  }

  #onClose(code: number, reason: string): void {
    const by = this.#state === 'closing' ? 'server' : 'client'
    this.#state = 'closed'
    this.#stopTimers()
    this.record.status = 'closed'
    this.record.closedAt = Date.now()
    this.record.close ??= { code, reason, by }
    this.#onClosed(this)
  }

  #stopTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers = []
    this.#inactivity = undefined
    this.#turns.stop()
  }
}

/** A close reason may hold at most 123 bytes (RFC 6455 section 5.5). */
function closeReason(reason: string): string {
  let cut = reason
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1)
  return cut
}
