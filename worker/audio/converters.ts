/**
 * One object per call and direction that turns Twilio's mu-law/8 kHz frames
 * into the agent's format and back, keeping the resampler's filter state and
 * an odd PCM byte between frames. `ulaw_8000` passes through untouched.
 *
 * `convertBase64` is the hot path of the bridge (payload in, payload out):
 * it reuses internal buffers, so only the returned string is allocated.
 *
 * @example
 * const toAgent = twilioToAgent('pcm_16000')
 * const chunk = toAgent.convertBase64(media.payload) // undefined if not base64
 */
import { decodeBase64Into, decodedLength, encodeBase64, isBase64 } from './base64.ts'
import { type AgentAudioFormat, sampleRateOf } from './formats.ts'
import { decodeMulaw, encodeMulaw } from './mulaw.ts'
import { Pcm16Reader, writePcm16 } from './pcm16.ts'
import { createResampler, type Resampler } from './resampler.ts'

export interface AudioConverter {
  /** Converts the next chunk of the stream into a new array (or, passing through, the input itself). */
  convert(input: Uint8Array): Uint8Array
  /** As `convert`, base64 in and out; undefined when `payload` is not valid base64. */
  convertBase64(payload: string): string | undefined
  /** Forgets the stream (filter history, a pending odd byte). */
  reset(): void
  /**
   * A new response of the agent's starts: it begins on a sample boundary whatever the last
   * one ended on, so a byte the last one left over is dropped rather than paired with it
   * (which would swap the bytes of every sample after it). The filter history stays.
   */
  startResponse(): void
}

const PHONE_RATE = 8000

/** Returns `buffer` when it holds `length` items, else a bigger one of the same kind. */
function atLeast<T extends Uint8Array | Int16Array>(
  buffer: T,
  length: number,
  create: (length: number) => T,
): T {
  return buffer.length >= length ? buffer : create(Math.max(length, 2 * buffer.length))
}

const bytes = (length: number) => new Uint8Array(length)
const samples = (length: number) => new Int16Array(length)

/** The shared base64 wrapping: `convertInto` returns a view that is valid until the next call. */
abstract class BufferedConverter implements AudioConverter {
  #payload = new Uint8Array(1024)

  protected abstract convertInto(input: Uint8Array): Uint8Array
  abstract reset(): void
  startResponse(): void {}

  convert(input: Uint8Array): Uint8Array {
    return this.convertInto(input).slice()
  }

  convertBase64(payload: string): string | undefined {
    // Decoded into the reused buffer: -1 when the payload is not base64.
    this.#payload = atLeast(this.#payload, decodedLength(payload), bytes)
    const length = decodeBase64Into(payload, this.#payload)
    if (length < 0) return undefined
    return encodeBase64(this.convertInto(this.#payload.subarray(0, length)))
  }
}

/** Needs no buffer: its bytes are the input's, and its payloads go out as they came. */
class PassThrough implements AudioConverter {
  convert(input: Uint8Array): Uint8Array {
    return input
  }

  /**
   * Checks the payload and hands it on. Encoding the decoded bytes again would give the
   * same string, and cost a 1 KB string per agent event and a view per Twilio frame:
   * the most our bridge allocated beyond a plain relay (docs/bridge-bench.md). Only
   * checked, not decoded: the native decoder's result object was the rest of it.
   */
  convertBase64(payload: string): string | undefined {
    return isBase64(payload) ? payload : undefined
  }

  reset(): void {}
  startResponse(): void {}
}

class MulawToPcm16 extends BufferedConverter {
  readonly #resampler: Resampler
  #phone = new Int16Array(320)
  #agent = new Int16Array(1024)
  #output = new Uint8Array(2048)

  constructor(agentRate: number) {
    super()
    this.#resampler = createResampler(PHONE_RATE, agentRate)
  }

  protected convertInto(input: Uint8Array): Uint8Array {
    this.#phone = atLeast(this.#phone, input.length, samples)
    const phone = decodeMulaw(input, this.#phone.subarray(0, input.length))
    this.#agent = atLeast(this.#agent, this.#resampler.maxOutputLength(phone.length), samples)
    const count = this.#resampler.processInto(phone, this.#agent)
    this.#output = atLeast(this.#output, 2 * count, bytes)
    writePcm16(this.#agent, count, this.#output)
    return this.#output.subarray(0, 2 * count)
  }

  reset(): void {
    this.#resampler.reset()
  }
}

class Pcm16ToMulaw extends BufferedConverter {
  readonly #resampler: Resampler
  readonly #reader = new Pcm16Reader()
  #agent = new Int16Array(1024)
  #phone = new Int16Array(320)
  #output = new Uint8Array(320)

  constructor(agentRate: number) {
    super()
    this.#resampler = createResampler(agentRate, PHONE_RATE)
  }

  protected convertInto(input: Uint8Array): Uint8Array {
    this.#agent = atLeast(this.#agent, this.#reader.sampleCount(input.length), samples)
    const agent = this.#agent.subarray(0, this.#reader.read(input, this.#agent))
    this.#phone = atLeast(this.#phone, this.#resampler.maxOutputLength(agent.length), samples)
    const count = this.#resampler.processInto(agent, this.#phone)
    this.#output = atLeast(this.#output, count, bytes)
    return encodeMulaw(this.#phone.subarray(0, count), this.#output.subarray(0, count))
  }

  reset(): void {
    this.#resampler.reset()
    this.#reader.reset()
  }

  override startResponse(): void {
    this.#reader.reset()
  }
}

/** Twilio's mu-law/8 kHz bytes to the agent's input format. */
export function twilioToAgent(format: AgentAudioFormat): AudioConverter {
  return format === 'ulaw_8000' ? new PassThrough() : new MulawToPcm16(sampleRateOf(format))
}

/** The agent's output format to Twilio's mu-law/8 kHz bytes. */
export function agentToTwilio(format: AgentAudioFormat): AudioConverter {
  return format === 'ulaw_8000' ? new PassThrough() : new Pcm16ToMulaw(sampleRateOf(format))
}
