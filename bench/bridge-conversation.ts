/**
 * One conversation of the benchmark's agent (bridge-agent.ts): it answers the
 * initiation with metadata and a ping, and counts the bridge ready once that
 * ping's pong is back (the bridge has then read the metadata before it). From
 * then on it pings every few seconds and, when told, speaks: replies cut into
 * 100 ms `audio` events sent in real time on a fixed schedule, each one
 * optionally cut short by an `interruption`.
 */
import type { WebSocket } from 'ws'
import { encodeMulaw } from '../worker/audio/mulaw.ts'

export interface ReplySchedule {
  /** When the first reply starts; the next ones follow every `everyMs`. */
  firstAt: number
  everyMs: number
  replyMs: number
  chunkMs: number
  /** Nothing is sent at or after this time. */
  until: number
  /** Interrupt each reply this long after it starts. */
  interruptAfterMs?: number
  /**
   * Open each reply as ElevenLabs does a turn: the caller's `user_transcript`, then the
   * `agent_response`, then the audio (the bridge writes a transcript line for each).
   */
  transcripts?: boolean
}

type Format = 'pcm_16000' | 'ulaw_8000'

const PING_EVERY_MS = 3000
const AUDIO_CHUNK_PREFIX = '{"user_audio_chunk"'

export class BenchConversation {
  readonly agentId: string
  readonly format: Format
  /** Arrival time of each Twilio frame's audio (the chunk carrying it), in order. */
  readonly chunksAt: number[] = []
  /** Send time of each `audio` event, in order. */
  readonly audioSentAt: number[] = []
  /** Which of those opened a reply (an index into audioSentAt). */
  readonly replyStarts: number[] = []
  readonly interruptionsSentAt: number[] = []
  readonly ready: Promise<void>
  readonly #socket: WebSocket
  readonly #now: () => number
  /** Bytes of one 20 ms frame in the agent's input format. */
  readonly #frameBytes: number
  #started = false
  #pingId = 0
  #replyId = 0
  #onReady: () => void = () => {}
  #timers: ReturnType<typeof setTimeout>[] = []

  constructor(socket: WebSocket, agentId: string, now: () => number) {
    this.#socket = socket
    this.agentId = agentId
    this.format = agentId.endsWith('_ulaw') ? 'ulaw_8000' : 'pcm_16000'
    this.#frameBytes = this.format === 'pcm_16000' ? 640 : 160
    this.#now = now
    this.ready = new Promise((resolve) => {
      this.#onReady = resolve
    })
    socket.on('message', (data) => this.#onMessage(data.toString()))
    socket.on('close', () => this.#stop())
    socket.on('error', () => {})
  }

  /** Speaks on `schedule` until its end. */
  speak(schedule: ReplySchedule): void {
    const chunk = replyChunk(this.format, schedule.chunkMs)
    const replyLength = Math.min(schedule.replyMs, schedule.interruptAfterMs ?? schedule.replyMs)
    const chunks = Math.ceil(replyLength / schedule.chunkMs)
    const reply = (startAt: number) => {
      if (startAt >= schedule.until) return
      const eventId = ++this.#replyId
      for (let i = 0; i < chunks; i++) {
        this.#at(startAt + i * schedule.chunkMs, schedule.until, () => {
          if (i === 0 && schedule.transcripts) {
            this.#send(
              `{"type":"user_transcript","user_transcription_event":{"user_transcript":"Reply ${eventId}, please.","event_id":${eventId}}}`,
            )
            this.#send(
              `{"type":"agent_response","agent_response_event":{"agent_response":"Reply ${eventId}.","event_id":${eventId}}}`,
            )
          }
          if (i === 0) this.replyStarts.push(this.audioSentAt.length)
          this.audioSentAt.push(this.#now())
          this.#send(
            `{"type":"audio","audio_event":{"audio_base_64":"${chunk}","event_id":${eventId}}}`,
          )
        })
      }
      if (schedule.interruptAfterMs !== undefined) {
        this.#at(startAt + schedule.interruptAfterMs, schedule.until, () => {
          this.interruptionsSentAt.push(this.#now())
          this.#send(`{"type":"interruption","interruption_event":{"event_id":${eventId}}}`)
        })
      }
      this.#at(startAt + schedule.everyMs, schedule.until, () => reply(startAt + schedule.everyMs))
    }
    reply(schedule.firstAt)
  }

  close(): void {
    this.#stop()
    this.#socket.terminate()
  }

  #onMessage(text: string): void {
    if (text.startsWith(AUDIO_CHUNK_PREFIX)) {
      // One arrival per 20 ms Twilio frame the chunk carries (two for a batching floor).
      const base64Length = text.length - AUDIO_CHUNK_PREFIX.length - 4
      const frames = Math.max(1, Math.round((base64Length * 3) / 4 / this.#frameBytes))
      const at = this.#now()
      for (let i = 0; i < frames; i++) this.chunksAt.push(at)
      return
    }
    let message: { type?: string; event_id?: number }
    try {
      message = JSON.parse(text)
    } catch {
      return
    }
    if (message.type === 'conversation_initiation_client_data') this.#start()
    if (message.type === 'pong' && message.event_id === 1) this.#onReady()
  }

  #start(): void {
    if (this.#started) return
    this.#started = true
    const conversation = `{"conversation_id":"conv_${this.agentId}","agent_output_audio_format":"${this.format}","user_input_audio_format":"${this.format}"}`
    this.#send(
      `{"type":"conversation_initiation_metadata","conversation_initiation_metadata_event":${conversation}}`,
    )
    this.#ping()
    this.#timers.push(setInterval(() => this.#ping(), PING_EVERY_MS))
  }

  #ping(): void {
    this.#send(`{"type":"ping","ping_event":{"event_id":${++this.#pingId},"ping_ms":null}}`)
  }

  /** Runs `action` at `time` on the clock (drift-free: each time is computed, never accumulated). */
  #at(time: number, until: number, action: () => void): void {
    if (time >= until) return
    const timer = setTimeout(action, Math.max(0, Math.ceil(time - this.#now())))
    this.#timers.push(timer)
  }

  #send(data: string): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(data)
  }

  #stop(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers = []
  }
}

/** A chunk of a 440 Hz tone at -12 dBFS in `format`, as base64. */
function replyChunk(format: Format, ms: number): string {
  const rate = format === 'pcm_16000' ? 16000 : 8000
  const samples = Int16Array.from({ length: (rate * ms) / 1000 }, (_, n) =>
    Math.round(8192 * Math.sin((2 * Math.PI * 440 * n) / rate)),
  )
  const bytes = format === 'pcm_16000' ? new Uint8Array(samples.buffer) : encodeMulaw(samples)
  return Buffer.from(bytes).toString('base64')
}
