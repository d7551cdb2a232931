/**
 * Twilio's side of a local call's media stream, played by the page: the
 * microphone's samples go out as 20 ms mu-law `media` frames, exactly as Twilio
 * frames a caller, and what the room sends back (`media`, `mark`, `clear`) is
 * turned into playback commands. Message shapes come from the media-stream
 * simulator (devtools/), which the end-to-end tests check against the worker,
 * and the audio goes through the worker's own G.711 and resamplers. Pure: the
 * socket and the audio graph are the caller's (local-device.ts, local-audio.ts).
 *
 * @example
 * const stream = new LocalMediaStream({ ...identity, sampleRate: 48000, send, playback })
 * stream.open() // connected, start
 * stream.captured(micSamples) // media frames, as they fill
 * stream.received(socketMessage) // plays, marks, clears
 */
import {
  newStreamSid,
  readServerCommand,
  TwilioMessages,
} from '../../../devtools/media-stream-simulator/messages.ts'
import { decodeBase64, encodeBase64 } from '../../../worker/audio/base64.ts'
import { decodeMulaw, encodeMulaw } from '../../../worker/audio/mulaw.ts'
import { createResampler, type Resampler } from '../../../worker/audio/resampler.ts'

const PHONE_RATE = 8000
/** One Twilio frame: 20 ms at 8 kHz. */
export const FRAME_SAMPLES = 160

/** What the room asks of the page's speaker. */
export interface Playback {
  /** Plays `samples` (at the page's rate) after what is queued. */
  play(samples: Float32Array): void
  /** Reports `name` back (`played`) once everything queued before it has played. */
  mark(name: string): void
  /** Drops what has not played; every pending mark is reported at once. */
  clear(): void
}

export interface LocalStreamOptions {
  conferenceId: string
  /** The one-time token the room issued with the call, for `start`. */
  streamToken: string
  /** The page's audio rate (its AudioContext's). */
  sampleRate: number
  send(data: string): void
  playback: Playback
}

export class LocalMediaStream {
  readonly streamSid = newStreamSid()
  readonly #messages: TwilioMessages
  readonly #send: (data: string) => void
  readonly #playback: Playback
  readonly #toPhone: Resampler
  readonly #fromPhone: Resampler
  /** Phone-rate samples waiting for a whole frame. */
  readonly #pending = new Int16Array(FRAME_SAMPLES)
  #pendingCount = 0
  #problems = 0

  constructor(options: LocalStreamOptions) {
    this.#messages = new TwilioMessages({
      streamSid: this.streamSid,
      callSid: `CA${crypto.randomUUID().replaceAll('-', '')}`,
      accountSid: `AC${'0'.repeat(32)}`,
      customParameters: { conferenceId: options.conferenceId, streamToken: options.streamToken },
    })
    this.#send = options.send
    this.#playback = options.playback
    this.#toPhone = createResampler(options.sampleRate, PHONE_RATE)
    this.#fromPhone = createResampler(PHONE_RATE, options.sampleRate)
  }

  /** Messages the room sent that Twilio would have refused (and the page ignored). */
  get problems(): number {
    return this.#problems
  }

  open(): void {
    this.#send(this.#messages.connected())
    this.#send(this.#messages.start())
  }

  /** The microphone's next samples (-1..1 at the page's rate): sent as each frame fills. */
  captured(samples: Float32Array): void {
    const phone = this.#toPhone.process(toInt16(samples))
    for (let offset = 0; offset < phone.length; ) {
      const taken = Math.min(FRAME_SAMPLES - this.#pendingCount, phone.length - offset)
      this.#pending.set(phone.subarray(offset, offset + taken), this.#pendingCount)
      this.#pendingCount += taken
      offset += taken
      if (this.#pendingCount === FRAME_SAMPLES) {
        this.#send(this.#messages.media(encodeBase64(encodeMulaw(this.#pending))))
        this.#pendingCount = 0
      }
    }
  }

  /** A message from the room, read as Twilio reads it. */
  received(data: string): void {
    const command = readServerCommand(data, this.streamSid)
    switch (command.event) {
      case 'media': {
        const mulaw = decodeBase64(command.payload) ?? new Uint8Array()
        this.#playback.play(toFloat32(this.#fromPhone.process(decodeMulaw(mulaw))))
        return
      }
      case 'mark':
        this.#playback.mark(command.name)
        return
      case 'clear':
        this.#playback.clear()
        return
      case 'invalid':
        this.#problems++
        return
    }
  }

  /** A mark's audio has played: echo it, as Twilio does. */
  played(name: string): void {
    this.#send(this.#messages.mark(name))
  }

  stop(): void {
    this.#send(this.#messages.stop())
  }
}

function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length)
  for (let i = 0; i < samples.length; i++) {
    const clamped = Math.max(-1, Math.min(1, samples[i] ?? 0))
    out[i] = Math.round(clamped * 32767)
  }
  return out
}

function toFloat32(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length)
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] ?? 0) / 32768
  return out
}
