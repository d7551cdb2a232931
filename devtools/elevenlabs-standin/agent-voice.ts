/**
 * The agent's voice: one utterance at a time, sent as `agent_response` then
 * `audio` events that share the utterance's event id, generated faster than
 * real time (like streaming TTS) while a wall clock tracks what the client is
 * still playing. The agent counts as busy until that playback would end, so
 * user speech in that window is an interruption of the utterance.
 */
import type { AgentConfig } from './agent-config.ts'
import { encodeSamples, sampleRateOf } from './audio-codec.ts'
import { chunkAudio } from './reply-audio.ts'
import { agentResponse, audio, type ServerMessage } from './server-messages.ts'

interface Utterance {
  eventId: number
  text: string
  chunks: Uint8Array[]
  next: number
  durationMs: number
  startedAt?: number
}

export interface Interrupted {
  eventId: number
  /** The text as sent and cut to what had played; absent if nothing had been sent. */
  correction?: { original: string; corrected: string }
  /** The next chunk that would have been sent, base64; absent if none or all had been. */
  unsent?: string
}

export class AgentVoice {
  readonly #agent: AgentConfig
  readonly #send: (message: ServerMessage) => void
  #utterance: Utterance | undefined
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(agent: AgentConfig, send: (message: ServerMessage) => void) {
    this.#agent = agent
    this.#send = send
  }

  /** Generating, or still playing on the client's side by the wall clock. */
  get busy(): boolean {
    const utterance = this.#utterance
    if (!utterance) return false
    const { startedAt, next, chunks, durationMs } = utterance
    return startedAt === undefined || next < chunks.length || Date.now() < startedAt + durationMs
  }

  /** Says `samples` (at the output rate); cuts off whatever was being said without an event. */
  speak(eventId: number, text: string, samples: Int16Array): void {
    this.stop()
    const format = this.#agent.agentOutputAudioFormat
    this.#utterance = {
      eventId,
      text,
      chunks: chunkAudio(encodeSamples(samples, format), format, this.#agent.audioChunkMs),
      next: 0,
      durationMs: (samples.length * 1000) / sampleRateOf(format),
    }
    this.#timer = setTimeout(() => this.#sendNext(), this.#agent.replyLatencyMs)
  }

  /** Stops a busy utterance and says which one was cut off. */
  interrupt(): Interrupted | undefined {
    const utterance = this.#utterance
    if (!utterance || !this.busy) return undefined
    this.stop()
    // Nothing of it was sent yet: there is no audio in flight to arrive late.
    if (utterance.startedAt === undefined) return { eventId: utterance.eventId }
    const next = utterance.chunks[utterance.next]
    const unsent = next && { unsent: toBase64(next) }
    const playedMs = Date.now() - utterance.startedAt
    const words = utterance.text.split(' ')
    const kept = Math.ceil((words.length * playedMs) / Math.max(1, utterance.durationMs))
    return {
      eventId: utterance.eventId,
      correction: { original: utterance.text, corrected: words.slice(0, kept).join(' ') },
      ...unsent,
    }
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#utterance = undefined
  }

  #sendNext(): void {
    const utterance = this.#utterance
    if (!utterance) return
    if (utterance.next === 0) {
      utterance.startedAt = Date.now()
      this.#send(agentResponse(utterance.text, utterance.eventId))
    }
    const chunk = utterance.chunks[utterance.next++]
    if (chunk) this.#send(audio(toBase64(chunk), utterance.eventId))
    if (utterance.next >= utterance.chunks.length) return
    const chunkMs =
      this.#agent.audioChunkMs[(utterance.next - 1) % this.#agent.audioChunkMs.length] ?? 100
    this.#timer = setTimeout(() => this.#sendNext(), chunkMs / this.#agent.generationSpeed)
  }
}

const toBase64 = (chunk: Uint8Array) =>
  Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64')
