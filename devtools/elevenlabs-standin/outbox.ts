/**
 * Everything the stand-in sends on one conversation socket goes through here:
 * server events the client did not ask for (its `client_events`) are held
 * back, and each frame sent is noted in the conversation's record.
 */
import type { WebSocket } from 'ws'
import type { AudioFormat } from './agent-config.ts'
import { bytesPerSecond } from './audio-codec.ts'
import { isRecord } from './client-messages.ts'
import { type ConversationRecord, noteSent } from './conversation-record.ts'
import type { ServerMessage } from './server-messages.ts'

/** Sent whatever the client_events say. */
const ALWAYS_SENT = new Set(['conversation_initiation_metadata', 'error'])

export class Outbox {
  /** The server events the client receives; none until the initiation is accepted. */
  clientEvents: ReadonlySet<string> = new Set()
  readonly #socket: WebSocket
  readonly #record: ConversationRecord
  readonly #outputFormat: AudioFormat

  constructor(socket: WebSocket, record: ConversationRecord, outputFormat: AudioFormat) {
    this.#socket = socket
    this.#record = record
    this.#outputFormat = outputFormat
  }

  /** Sends `message` if the client's client_events include it, or `always`. */
  send(message: ServerMessage, always = false): void {
    if (!always && !ALWAYS_SENT.has(message.type) && !this.clientEvents.has(message.type)) return
    const data: Record<string, unknown> = Object.values(message).find(isRecord) ?? {}
    const { event_id } = data
    const eventId =
      message.type !== 'ping' && Number.isInteger(event_id) ? (event_id as number) : undefined
    this.#socket.send(JSON.stringify(message))
    const entry = { at: Date.now(), type: message.type, ...(eventId !== undefined && { eventId }) }
    const audio =
      message.type === 'audio' ? this.#sizeOf(message.audio_event.audio_base_64) : undefined
    noteSent(this.#record, entry, audio)
  }

  #sizeOf(audioBase64: string) {
    const bytes = Buffer.byteLength(audioBase64, 'base64')
    return { bytes, ms: (bytes * 1000) / bytesPerSecond(this.#outputFormat) }
  }

  /** Sends any text frame as it is (the control API's pushes). */
  sendText(text: string, type: string): void {
    this.#socket.send(text)
    noteSent(this.#record, { at: Date.now(), type })
  }
}
