/**
 * The speed figures of the audio benchmark: the mu-law codec against
 * `alawmulaw`, each resampler against naive linear interpolation (both fed
 * 20 ms frames), and a whole 20 ms frame through each converter, base64
 * payload in and out, as the bridge runs it.
 */
import { createRequire } from 'node:module'
import { decodeBase64, encodeBase64 } from '../worker/audio/base64.ts'
import { agentToTwilio, twilioToAgent } from '../worker/audio/converters.ts'
import { whiteNoise } from '../worker/audio/fixtures/signals.ts'
import { type AgentAudioFormat, sampleRateOf } from '../worker/audio/formats.ts'
import { decodeMulaw, encodeMulaw } from '../worker/audio/mulaw.ts'
import { writePcm16 } from '../worker/audio/pcm16.ts'
import { createResampler } from '../worker/audio/resampler.ts'
import { LinearResampler } from './linear-resampler.ts'
import { nanosecondsPerCall } from './timing.ts'

/**
 * `require`, not `import`: importing a CommonJS package runs Node's export
 * scanner, compiled to WebAssembly, which detaches an ArrayBuffer and slows
 * every typed-array loop that follows (see index.ts).
 */
const alawmulaw = createRequire(import.meta.url)('alawmulaw') as typeof import('alawmulaw')

export interface CodecSpeed {
  readonly name: string
  readonly samples: number
  /** ns per sample: ours into a new array, ours into a reused buffer, alawmulaw (new array). */
  readonly ours: number
  readonly oursReused: number
  readonly alawmulaw: number
}

/** Per call of `samples` samples: a 20 ms frame (160) as the bridge calls it, and 1 s. */
export function codecSpeed(samples: number): CodecSpeed[] {
  const pcm = whiteNoise(samples, 12000, 1)
  const codes = encodeMulaw(pcm)
  const pcmOut = new Int16Array(samples)
  const codesOut = new Uint8Array(samples)
  const row = (name: string, works: (() => unknown)[]): CodecSpeed => {
    const [ours = 0, oursReused = 0, fromPackage = 0] = nanosecondsPerCall(works).map(
      (perCall) => perCall / samples,
    )
    return { name, samples, ours, oursReused, alawmulaw: fromPackage }
  }
  return [
    row('decode', [
      () => decodeMulaw(codes),
      () => decodeMulaw(codes, pcmOut),
      () => alawmulaw.mulaw.decode(codes),
    ]),
    row('encode', [
      () => encodeMulaw(pcm),
      () => encodeMulaw(pcm, codesOut),
      () => alawmulaw.mulaw.encode(pcm),
    ]),
  ]
}

export interface ResamplerSpeed {
  readonly inputRate: number
  readonly outputRate: number
  /** ns per output sample, and µs per 20 ms frame, for ours and for linear interpolation. */
  readonly oursPerSample: number
  readonly oursPerFrame: number
  readonly linearPerSample: number
}

interface Streaming {
  maxOutputLength(inputLength: number): number
  processInto(input: Int16Array, output: Int16Array): number
}

/** Feeds `resampler` a rotation of four different 20 ms frames. */
function framesInto(resampler: Streaming, inputRate: number): () => number {
  const frames = [1, 2, 3, 4].map((seed) => whiteNoise(inputRate / 50, 12000, seed))
  const output = new Int16Array(resampler.maxOutputLength(frames[0]?.length ?? 0))
  let next = 0
  return () => resampler.processInto(frames[next++ & 3] ?? output, output)
}

export function resamplerSpeed(inputRate: number, outputRate: number): ResamplerSpeed {
  const outputsPerFrame = outputRate / 50
  const [ours = 0, linear = 0] = nanosecondsPerCall([
    framesInto(createResampler(inputRate, outputRate), inputRate),
    framesInto(new LinearResampler(inputRate, outputRate), inputRate),
  ])
  return {
    inputRate,
    outputRate,
    oursPerSample: ours / outputsPerFrame,
    oursPerFrame: ours / 1000,
    linearPerSample: linear / outputsPerFrame,
  }
}

export interface FrameSpeed {
  readonly format: AgentAudioFormat
  /** µs per 20 ms frame through `convertBase64`, and through decodeBase64/convert/encodeBase64. */
  readonly toAgent: number
  readonly toTwilio: number
  readonly toAgentArrays: number
  readonly toTwilioArrays: number
}

function payloads(format: AgentAudioFormat) {
  const rate = sampleRateOf(format)
  return [1, 2, 3, 4].map((seed) => {
    const phone = encodeMulaw(whiteNoise(160, 6000, seed))
    const agent = whiteNoise(rate / 50, 6000, seed)
    const agentBytes = new Uint8Array(2 * agent.length)
    writePcm16(agent, agent.length, agentBytes)
    return {
      phone: encodeBase64(phone),
      agent: encodeBase64(format === 'ulaw_8000' ? phone : agentBytes),
    }
  })
}

/** Converts a rotation of four different payloads. */
function payloadsInto(frames: string[], convert: (payload: string) => unknown): () => unknown {
  let next = 0
  return () => convert(frames[next++ & 3] ?? '')
}

export function frameSpeed(format: AgentAudioFormat): FrameSpeed {
  const frames = payloads(format)
  const phone = frames.map((frame) => frame.phone)
  const agent = frames.map((frame) => frame.agent)
  const toAgent = twilioToAgent(format)
  const toTwilio = agentToTwilio(format)
  const viaArrays = (converter: typeof toAgent) => (payload: string) =>
    encodeBase64(converter.convert(decodeBase64(payload) ?? new Uint8Array(0)))
  const [toAgentNs = 0, toTwilioNs = 0, toAgentArraysNs = 0, toTwilioArraysNs = 0] =
    nanosecondsPerCall([
      payloadsInto(phone, (payload) => toAgent.convertBase64(payload)),
      payloadsInto(agent, (payload) => toTwilio.convertBase64(payload)),
      payloadsInto(phone, viaArrays(twilioToAgent(format))),
      payloadsInto(agent, viaArrays(agentToTwilio(format))),
    ])
  return {
    format,
    toAgent: toAgentNs / 1000,
    toTwilio: toTwilioNs / 1000,
    toAgentArrays: toAgentArraysNs / 1000,
    toTwilioArrays: toTwilioArraysNs / 1000,
  }
}
