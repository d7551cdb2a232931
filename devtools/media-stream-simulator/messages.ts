/**
 * The Media Streams messages as Twilio writes them on a `<Connect><Stream>`
 * leg (counters as strings, `sequenceNumber` counting every message after
 * `connected`), and the three messages Twilio accepts back, read the way
 * Twilio reads them: anything else is a protocol error on Twilio's side
 * (31950 for a binary frame, 31951 for an invalid message or a wrong
 * streamSid). Source: https://www.twilio.com/docs/voice/media-streams/websocket-messages
 *
 * No Node APIs: the page plays Twilio with these too, in a local call
 * (client/src/call/local-stream.ts), so the simulator and the page cannot drift apart.
 */
import { decodedLength } from '../../worker/audio/base64.ts'
import { FRAME_MS } from './framing.ts'

export interface StreamIdentity {
  streamSid: string
  callSid: string
  accountSid: string
  /** The TwiML `<Parameter>`s, delivered in `start.customParameters`. */
  customParameters: Record<string, string>
}

/** A message Twilio accepts from the server, or why Twilio would reject it. */
export type ServerCommand =
  | { event: 'media'; payload: string; bytes: number }
  | { event: 'mark'; name: string }
  | { event: 'clear' }
  | { event: 'invalid'; reason: string }

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export const newStreamSid = (): string => `MZ${crypto.randomUUID().replaceAll('-', '')}`

/** Writes one stream's messages, keeping Twilio's counters. */
export class TwilioMessages {
  readonly #identity: StreamIdentity
  #sequence = 0
  #chunk = 0

  constructor(identity: StreamIdentity) {
    this.#identity = identity
  }

  connected(): string {
    return JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' })
  }

  start(): string {
    const { streamSid, callSid, accountSid, customParameters } = this.#identity
    return JSON.stringify({
      event: 'start',
      sequenceNumber: this.#next(),
      start: {
        accountSid,
        streamSid,
        callSid,
        tracks: ['inbound'],
        customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid,
    })
  }

  /**
   * The next 20 ms frame. Its timestamp is its place in the stream, in ms: by default as
   * if every frame before it had been sent; given, where the stream's clock is (a stream
   * that sent nothing for a while shows the gap, as Twilio's does).
   */
  media(payload: string, timestamp?: number): string {
    const chunk = ++this.#chunk
    return JSON.stringify({
      event: 'media',
      sequenceNumber: this.#next(),
      media: {
        track: 'inbound',
        chunk: String(chunk),
        timestamp: String(timestamp ?? (chunk - 1) * FRAME_MS),
        payload,
      },
      streamSid: this.#identity.streamSid,
    })
  }

  /** Echo of a mark the server sent. */
  mark(name: string): string {
    const { streamSid } = this.#identity
    return JSON.stringify({
      event: 'mark',
      sequenceNumber: this.#next(),
      streamSid,
      mark: { name },
    })
  }

  /** A key pressed on a caller's keypad (Twilio sends these on a bidirectional stream). */
  dtmf(digit: string): string {
    return JSON.stringify({
      event: 'dtmf',
      streamSid: this.#identity.streamSid,
      sequenceNumber: this.#next(),
      dtmf: { track: 'inbound_track', digit },
    })
  }

  stop(): string {
    const { streamSid, callSid, accountSid } = this.#identity
    return JSON.stringify({
      event: 'stop',
      sequenceNumber: this.#next(),
      stop: { accountSid, callSid },
      streamSid,
    })
  }

  #next(): string {
    return String(++this.#sequence)
  }
}

/** Reads a frame from the server as Twilio would. */
export function readServerCommand(data: string, streamSid: string): ServerCommand {
  let message: unknown
  try {
    message = JSON.parse(data)
  } catch {
    return { event: 'invalid', reason: `not JSON: ${data.slice(0, 40)}` }
  }
  if (typeof message !== 'object' || message === null) {
    return { event: 'invalid', reason: 'not a JSON object' }
  }
  const { event, streamSid: sid, media, mark } = message as Record<string, unknown>
  if (sid !== streamSid) return { event: 'invalid', reason: `wrong streamSid ${String(sid)}` }
  switch (event) {
    case 'media': {
      const payload = (media as { payload?: unknown } | undefined)?.payload
      if (typeof payload !== 'string' || payload.length % 4 !== 0 || !BASE64.test(payload)) {
        return { event: 'invalid', reason: 'media payload is not base64' }
      }
      return { event: 'media', payload, bytes: decodedLength(payload) }
    }
    case 'mark': {
      const name = (mark as { name?: unknown } | undefined)?.name
      return typeof name === 'string'
        ? { event: 'mark', name }
        : { event: 'invalid', reason: 'mark without a name' }
    }
    case 'clear':
      return { event: 'clear' }
    default:
      return { event: 'invalid', reason: `unknown event ${String(event)}` }
  }
}
