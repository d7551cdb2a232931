/**
 * The floor's Durable Object: it accepts Twilio's socket with the hibernation
 * API and opens the agent's socket as the real room does (signed URL, then a
 * `fetch` upgrade), then relays: a Twilio `media` payload becomes a
 * `user_audio_chunk`, an agent `audio` becomes a Twilio `media`, an
 * `interruption` becomes a `clear`, a `ping` gets its `pong`. No state machine,
 * no buffering, no validation beyond JSON.parse.
 *
 * Variants (the stream's `variant` custom parameter) add one piece of the real
 * bridge at a time, to show where its cost goes: `convert` runs our audio
 * converters (pcm_16000 both ways), `repack` makes messages of the same sizes
 * without filtering (repacking.ts), `marks` sends a mark after each media,
 * `batch2` sends two Twilio frames per `user_audio_chunk` (the framing we did
 * not choose: half the sends to the agent, 20 ms more delay). `spin<N>` (as
 * `spin4000`) runs N steps of integer arithmetic before each message: more CPU
 * and nothing else (no allocation, no logic), to show what a few percent more
 * CPU alone does to the latency tail; `alloc<N>` (as `alloc300`) allocates about
 * N bytes of small objects before each message, garbage by the next one: the
 * collector's share of a bridge's work without its logic (docs/bridge-bench.md,
 * "Stand-ins"); `retain<N>` (as `retain1500`) keeps N * 32 more small linked objects
 * alive for the isolate's life (retain1500: 48 000, 0.9 MB of live heap): only a larger
 * heap for every full collection to mark, as ours' compiled code is.
 */
import { decodeBase64, encodeBase64 } from '../../worker/audio/base64.ts'
import { type AudioConverter, agentToTwilio, twilioToAgent } from '../../worker/audio/converters.ts'
import {
  conversationInitiation,
  pong,
  userAudioChunk,
} from '../../worker/elevenlabs/client-messages.ts'
import { clearMessage, markMessage, mediaMessage } from '../../worker/twilio/media-stream.ts'
import { doublingConverter, droppingConverter } from './repacking.ts'
import {
  type RelayEnv,
  type RelayState,
  upgradedSocket,
  upgradeResponse,
  type WorkerdSocket,
  webSocketPair,
} from './workerd.ts'

interface Converters {
  toAgent: AudioConverter
  toTwilio: AudioConverter
}

/** Where the relay's messages go: the two sockets in the room, counters in the logic benchmark. */
export interface RelaySinks {
  toTwilio(data: string): void
  toAgent(data: string): void
}

/**
 * The floor's work for each message, apart from the sockets so that
 * bench/bridge-logic.ts can time it in workerd against our bridge's.
 */
export class Relay {
  readonly #sinks: RelaySinks
  readonly #streamSid: string
  readonly #converters: Converters | undefined
  readonly #marks: boolean
  readonly #batch: boolean
  /** batch2: the frame waiting for its partner. */
  #held: string | undefined
  #markCount = 0
  /** spin<N>: steps of busy work per message. */
  readonly #spin: number
  /** Where the busy work's result goes, so that the compiler cannot drop it. */
  #spun = 0
  /** alloc<N>: small objects per message (about 32 bytes each, with its slot in the array). */
  readonly #allocObjects: number
  /** The last message's objects: reachable, so never optimized away, and garbage at the next. */
  #allocated: { at: number; next: unknown }[] = []

  constructor(sinks: RelaySinks, streamSid: string, variant: string) {
    retain(Number(/retain(\d+)/.exec(variant)?.[1] ?? 0))
    this.#sinks = sinks
    this.#streamSid = streamSid
    if (variant.includes('convert')) {
      this.#converters = {
        toAgent: twilioToAgent('pcm_16000'),
        toTwilio: agentToTwilio('pcm_16000'),
      }
    }
    if (variant.includes('repack')) {
      this.#converters = { toAgent: doublingConverter(), toTwilio: droppingConverter() }
    }
    this.#marks = variant.includes('marks')
    this.#batch = variant.includes('batch2')
    this.#spin = Number(/spin(\d+)/.exec(variant)?.[1] ?? 0)
    this.#allocObjects = Math.round(Number(/alloc(\d+)/.exec(variant)?.[1] ?? 0) / 32)
  }

  /** Short-lived garbage, as a bridge's events, actions and parsed messages are. */
  #allocate(): void {
    this.#spun += this.#allocated.length
    const objects: { at: number; next: unknown }[] = []
    for (let i = 0; i < this.#allocObjects; i++) objects.push({ at: i, next: objects.at(-1) })
    this.#allocated = objects
  }

  /** Integer steps that allocate nothing: CPU time, and only that. */
  #work(): void {
    let x = this.#spun | 1
    for (let i = 0; i < this.#spin; i++) x = (x ^ (x << 13) ^ (x >>> 17) ^ (x << 5)) | 0
    this.#spun = x
  }

  /** A Twilio `media` payload. */
  toAgent(payload: string): void {
    if (this.#spin) this.#work()
    if (this.#allocObjects) this.#allocate()
    if (this.#batch) {
      if (this.#held === undefined) {
        this.#held = payload
        return
      }
      payload = joinBase64(this.#held, payload)
      this.#held = undefined
    }
    const chunk = this.#converters ? this.#converters.toAgent.convertBase64(payload) : payload
    if (chunk !== undefined) this.#sinks.toAgent(userAudioChunk(chunk))
  }

  /** One message from the agent's socket. */
  fromAgent(data: string): void {
    if (this.#spin) this.#work()
    if (this.#allocObjects) this.#allocate()
    const message = JSON.parse(data)
    switch (message.type) {
      case 'audio':
        this.#toTwilio(message.audio_event.audio_base_64)
        return
      case 'interruption':
        this.#sinks.toTwilio(clearMessage(this.#streamSid))
        return
      case 'ping':
        this.#sinks.toAgent(pong(message.ping_event.event_id))
        return
    }
  }

  #toTwilio(audio: string): void {
    const payload = this.#converters ? this.#converters.toTwilio.convertBase64(audio) : audio
    if (payload === undefined) return
    this.#sinks.toTwilio(mediaMessage(this.#streamSid, payload))
    if (this.#marks) this.#sinks.toTwilio(markMessage(this.#streamSid, `m${++this.#markCount}`))
  }
}

/** retain<N>: what the isolate keeps, made by its first call and never let go. */
let retained: unknown

/** `kb` * 32 small objects, each pointing at the one before (V8 packs each into about 20 bytes). */
function retain(kb: number): void {
  if (retained !== undefined || kb === 0) return
  let last: unknown = null
  for (let i = 0; i < (kb * 1024) / 32; i++) last = { at: i, next: last }
  retained = last
}

export class RelayRoom {
  readonly #state: RelayState
  readonly #env: RelayEnv
  #twilio: WorkerdSocket | undefined
  #agent: WorkerdSocket | undefined
  #relay: Relay | undefined

  constructor(state: RelayState, env: RelayEnv) {
    this.#state = state
    this.#env = env
  }

  async fetch(): Promise<Response> {
    const [client, server] = webSocketPair()
    this.#state.acceptWebSocket(server, ['twilio'])
    this.#twilio = server
    return upgradeResponse(client)
  }

  webSocketMessage(_socket: WorkerdSocket, data: string | ArrayBuffer): void {
    if (typeof data !== 'string') return
    const message = JSON.parse(data)
    switch (message.event) {
      case 'media':
        this.#relay?.toAgent(message.media.payload)
        return
      case 'start':
        this.#start(message.start)
        return
      case 'stop':
        this.#agent?.close(1000, 'call ended')
        return
    }
  }

  webSocketClose(socket: WorkerdSocket, code: number): void {
    this.#agent?.close(1000, 'call ended')
    socket.close(code === 1005 || code === 1006 ? 1000 : code, 'closed')
  }

  #start(start: { streamSid: string; customParameters: Record<string, string> }): void {
    const { agentId = '', variant = 'relay' } = start.customParameters
    this.#relay = new Relay(
      {
        toTwilio: (data) => this.#twilio?.send(data),
        toAgent: (data) => this.#agent?.send(data),
      },
      start.streamSid,
      variant,
    )
    void this.#connect(agentId)
  }

  async #connect(agentId: string): Promise<void> {
    const { ELEVENLABS_API_BASE: base, ELEVENLABS_API_KEY: key } = this.#env
    const url = `${base}/v1/convai/conversation/get-signed-url?agent_id=${encodeURIComponent(agentId)}`
    const signed = (await (await fetch(url, { headers: { 'xi-api-key': key } })).json()) as {
      signed_url: string
    }
    const res = await fetch(signed.signed_url.replace(/^ws/, 'http'), {
      headers: { Upgrade: 'websocket' },
    })
    const socket = upgradedSocket(res)
    if (!socket) throw new Error(`the agent refused the socket: ${res.status}`)
    socket.accept()
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.#relay?.fromAgent(event.data)
    })
    socket.send(conversationInitiation())
    this.#agent = socket
  }
}

function joinBase64(first: string, second: string): string {
  const a = decodeBase64(first) ?? new Uint8Array(0)
  const b = decodeBase64(second) ?? new Uint8Array(0)
  const joined = new Uint8Array(a.length + b.length)
  joined.set(a)
  joined.set(b, a.length)
  return encodeBase64(joined)
}
