/**
 * A local call's VoiceDevice: no Twilio, the page itself is the agent leg's
 * stream (worker/routes/local-calls.ts). It opens the room's media-stream
 * socket, plays Twilio's part on it (local-stream.ts) with the microphone as
 * the caller and the speaker as the conference (local-audio.ts), and reports
 * the call's life as the Voice SDK would, so the rest of the page cannot tell.
 */
import { type LocalAudio, openLocalAudio } from './local-audio.ts'
import { LocalMediaStream } from './local-stream.ts'
import type { CallEvent, DeviceHooks, VoiceCall, VoiceDevice } from './voice-device.ts'

export interface LocalStreamAddress {
  url: string
  /** Subprotocols: the API's access key travels as one (routes/access.ts). */
  protocols: string[]
  conferenceId: string
  /** The one-time token the room issued with the call. */
  streamToken: string
}

export function createLocalDevice(address: LocalStreamAddress, hooks: DeviceHooks): VoiceDevice {
  const calls: LocalCall[] = []
  return {
    async connect() {
      const call = new LocalCall(address, hooks)
      calls.push(call)
      await call.start()
      return call
    },
    updateToken() {},
    destroy: () => {
      for (const call of calls) call.hangUp()
    },
  }
}

class LocalCall implements VoiceCall {
  readonly #address: LocalStreamAddress
  readonly #hooks: DeviceHooks
  #listeners: ((event: CallEvent) => void)[] = []
  #audio: LocalAudio | undefined
  #socket: WebSocket | undefined
  #stream: LocalMediaStream | undefined
  #ended = false
  /**
   * Leaving the page ends a local call (the page is its stream), so the browser asks
   * first, as the Voice SDK's closeProtection does for a Twilio call.
   */
  readonly #askBeforeLeaving = (event: BeforeUnloadEvent) => event.preventDefault()

  constructor(address: LocalStreamAddress, hooks: DeviceHooks) {
    this.#address = address
    this.#hooks = hooks
  }

  /** The microphone first: if the browser refuses it, no stream is opened for nothing. */
  async start(): Promise<void> {
    const audio = await openLocalAudio({
      captured: (samples) => this.#stream?.captured(samples),
      played: (name) => this.#stream?.played(name),
      lost: (reason) => {
        if (this.#ended) return
        this.#hooks.error(reason)
        this.hangUp()
      },
    }).catch((error: unknown) => {
      throw new Error(`The microphone is not available: ${describe(error)}`)
    })
    if (this.#ended) return audio.close()
    let socket: WebSocket
    try {
      socket = new WebSocket(this.#address.url, this.#address.protocols)
    } catch (error) {
      // Not the browser's message: it quotes the subprotocols, and with them the access key.
      audio.close()
      throw new Error(`The call's stream could not be opened (${errorName(error)}).`)
    }
    this.#audio = audio
    this.#socket = socket
    const stream = new LocalMediaStream({
      ...this.#address,
      sampleRate: audio.sampleRate,
      send: (data) => socket.readyState === WebSocket.OPEN && socket.send(data),
      playback: audio,
    })
    socket.addEventListener('open', () => {
      stream.open()
      this.#stream = stream
      addEventListener('beforeunload', this.#askBeforeLeaving)
      this.#emit({ type: 'accepted' })
    })
    socket.addEventListener('message', ({ data }) => {
      if (typeof data === 'string') stream.received(data)
    })
    socket.addEventListener('close', ({ code, reason }) => {
      if (!this.#ended && code !== 1000) {
        // 1006: no close came at all, the server or the network gone.
        this.#hooks.error(
          code === 1006
            ? 'The connection to the server was lost.'
            : `The call's stream closed (${code}${reason ? `: ${reason}` : ''}).`,
        )
      }
      this.#end()
    })
  }

  onEvent(listener: (event: CallEvent) => void): void {
    this.#listeners.push(listener)
  }

  setMuted(muted: boolean): void {
    // Twilio keeps a muted caller's stream flowing, as silence; so does the page.
    this.#audio?.setMuted(muted)
    this.#emit({ type: 'muted', muted })
  }

  hangUp(): void {
    if (this.#ended) return
    this.#stream?.stop()
    this.#socket?.close(1000, 'hung up')
    this.#end()
  }

  #end(): void {
    if (this.#ended) return
    this.#ended = true
    removeEventListener('beforeunload', this.#askBeforeLeaving)
    this.#stream = undefined
    this.#audio?.close()
    this.#emit({ type: 'disconnected' })
  }

  #emit(event: CallEvent): void {
    for (const listener of this.#listeners) listener(event)
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))
const errorName = (error: unknown) => (error instanceof Error ? error.name : 'error')
