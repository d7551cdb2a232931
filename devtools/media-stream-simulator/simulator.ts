/**
 * A Twilio Media Streams client that behaves like Twilio on a
 * `<Connect><Stream>` leg: it opens the signed WebSocket (without
 * permessage-deflate, which Twilio does not negotiate and which would make
 * `wrangler dev` compress every frame), sends `connected` and `start`, streams
 * 20 ms mu-law frames in real time, plays what the server sends back (echoing
 * marks as the audio before them plays, and all of them on `clear`), and ends
 * with `stop`. Every message received is recorded with a high-resolution time.
 *
 * @example
 * const stream = await MediaStreamSimulator.connect({ url, headers, ...identity })
 * await stream.play(toPayloads(speech))
 * await stream.stop()
 */
import { WebSocket } from 'ws'
import { FRAME_MS, frameDueAt, framesDue } from './framing.ts'
import {
  readServerCommand,
  type ServerCommand,
  type StreamIdentity,
  TwilioMessages,
} from './messages.ts'
import { TwilioPlayback } from './playback.ts'

export interface SimulatorOptions extends StreamIdentity {
  /** ws://host/api/twilio/media-stream/{conferenceId} */
  url: string
  /** The upgrade's headers, x-twilio-signature among them. */
  headers?: Record<string, string>
  /** Milliseconds on a monotonic clock; performance.now() unless given. */
  now?: () => number
}

export interface ReceivedCommand {
  /** When it arrived, on the simulator's clock. */
  at: number
  command: ServerCommand
}

export class MediaStreamSimulator {
  /** Every message from the server, in arrival order. */
  readonly received: ReceivedCommand[] = []
  /** Send time of each media frame, by frame index. */
  readonly sentAt: number[] = []
  /** Messages Twilio would have rejected (binary frames, invalid JSON, a wrong streamSid). */
  readonly violations: string[] = []
  readonly playback = new TwilioPlayback()
  readonly closed: Promise<{ code: number; reason: string }>
  readonly #socket: WebSocket
  readonly #messages: TwilioMessages
  readonly #streamSid: string
  readonly #now: () => number
  #markTimer: ReturnType<typeof setTimeout> | undefined
  #stopPlaying: (() => void) | undefined
  /** When `start` was sent: the stream's clock, which frame timestamps count from. */
  #startedAt = 0
  /** When the last frame played so far ends. */
  #playedUntil = 0

  private constructor(socket: WebSocket, options: SimulatorOptions) {
    this.#socket = socket
    this.#messages = new TwilioMessages(options)
    this.#streamSid = options.streamSid
    this.#now = options.now ?? (() => performance.now())
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.#halt()
        resolve({ code, reason: reason.toString() })
      })
    })
    socket.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary))
  }

  /** Opens the stream and sends `connected` and `start`, as Twilio does. */
  static async connect(options: SimulatorOptions): Promise<MediaStreamSimulator> {
    const socket = new WebSocket(options.url, {
      perMessageDeflate: false,
      ...(options.headers && { headers: options.headers }),
    })
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
      socket.once('unexpected-response', (_request, response) => {
        let body = ''
        response.on('data', (part: Buffer) => {
          body += part.toString()
        })
        response.on('end', () =>
          reject(new Error(`media stream upgrade answered ${response.statusCode}: ${body}`)),
        )
      })
    })
    socket.on('error', () => {}) // a close event follows
    const simulator = new MediaStreamSimulator(socket, options)
    simulator.#send(simulator.#messages.connected())
    simulator.#send(simulator.#messages.start())
    simulator.#startedAt = simulator.#now()
    return simulator
  }

  get open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN
  }

  /**
   * Sends one `media` message per payload, the first at `startAt` (default:
   * now) and each next one 20 ms after it. Resolves once the last is sent, or
   * when the stream stops. Timestamps follow the stream's clock from `start`, so
   * time between plays shows as a gap in them, as when Twilio sends no silence.
   */
  play(
    payloads: readonly string[],
    // Not before the previous play's last frame has had its 20 ms: frames never overlap.
    startAt = Math.max(this.#now(), this.#playedUntil),
  ): Promise<void> {
    this.#stopPlaying?.()
    this.#playedUntil = startAt + payloads.length * FRAME_MS
    const firstTimestamp = Math.max(0, Math.round(startAt - this.#startedAt))
    return new Promise((resolve) => {
      let next = 0
      let timer: ReturnType<typeof setTimeout> | undefined
      const finish = () => {
        clearTimeout(timer)
        this.#stopPlaying = undefined
        resolve()
      }
      const pump = () => {
        const due = Math.min(framesDue(startAt, this.#now()), payloads.length)
        for (; next < due && this.open; next++) {
          this.#sendFrame(payloads[next] ?? '', firstTimestamp + next * FRAME_MS)
        }
        if (next >= payloads.length || !this.open) return finish()
        const wait = frameDueAt(startAt, next) - this.#now()
        timer = setTimeout(pump, Math.max(1, Math.ceil(wait)))
      }
      this.#stopPlaying = finish
      pump()
    })
  }

  /** Resolves with the first command received (from index `from`) that `matches`. */
  async next(
    matches: (command: ServerCommand) => boolean,
    { from = 0, timeoutMs = 5000 } = {},
  ): Promise<ReceivedCommand> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.received.slice(from).find((entry) => matches(entry.command))
      if (found) return found
      if (!this.open) throw new Error('the stream closed before the expected message')
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  /** A key pressed on the caller's keypad, sent as Twilio's `dtmf` message. */
  press(digit: string): void {
    this.#send(this.#messages.dtmf(digit))
  }

  /** Ends the stream as Twilio does when the call ends: `stop`, then close. */
  async stop(): Promise<void> {
    this.#halt()
    if (this.open) {
      this.#send(this.#messages.stop())
      this.#socket.close(1000, 'call ended')
    }
    await this.closed
  }

  /**
   * The connection breaks with no `stop` (a network fault, the server restarting under it):
   * the socket goes at once, without a closing handshake.
   */
  async drop(): Promise<void> {
    this.#halt()
    this.#socket.terminate()
    await this.closed
  }

  #sendFrame(payload: string, timestamp: number): void {
    this.sentAt.push(this.#now())
    this.#send(this.#messages.media(payload, timestamp))
  }

  #send(data: string): void {
    this.#socket.send(data)
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    const at = this.#now()
    if (isBinary) {
      this.violations.push(`binary frame of ${data.length} bytes (Twilio error 31950)`)
      return
    }
    const command = readServerCommand(data.toString(), this.#streamSid)
    this.received.push({ at, command })
    switch (command.event) {
      case 'media':
        this.playback.media(command.bytes, at)
        return
      case 'mark':
        this.#echo(this.playback.mark(command.name, at))
        return
      case 'clear':
        this.#echo(this.playback.clear(at))
        return
      case 'invalid':
        this.violations.push(`${command.reason} (Twilio error 31951)`)
        return
    }
  }

  #echo(names: string[]): void {
    for (const name of names) if (this.open) this.#send(this.#messages.mark(name))
    this.#scheduleEchoes()
  }

  #scheduleEchoes(): void {
    clearTimeout(this.#markTimer)
    const dueAt = this.playback.nextDueAt
    if (dueAt === undefined) return
    const wait = Math.max(0, Math.ceil(dueAt - this.#now()))
    this.#markTimer = setTimeout(() => this.#echo(this.playback.due(this.#now())), wait)
  }

  #halt(): void {
    clearTimeout(this.#markTimer)
    this.#stopPlaying?.()
  }
}
