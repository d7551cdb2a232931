import { describe, expect, it } from 'vitest'
import { encodeBase64 } from './base64.ts'
import { agentToTwilio, twilioToAgent } from './converters.ts'
import { decibels, fitSine } from './fixtures/measure.ts'
import { inChunks, randomChunkLengths, tone, whiteNoise } from './fixtures/signals.ts'
import type { AgentAudioFormat } from './formats.ts'
import { encodeMulaw, MULAW_SILENCE } from './mulaw.ts'
import { Pcm16Reader, writePcm16 } from './pcm16.ts'

const PCM_FORMATS = [
  ['pcm_8000', 8000],
  ['pcm_16000', 16000],
  ['pcm_22050', 22050],
  ['pcm_24000', 24000],
  ['pcm_44100', 44100],
  ['pcm_48000', 48000],
] as const

function pcmBytes(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(2 * samples.length)
  writePcm16(samples, samples.length, bytes)
  return bytes
}

function pcmSamples(bytes: Uint8Array | number[]): Int16Array {
  const input = Uint8Array.from(bytes)
  const samples = new Int16Array(input.length / 2)
  new Pcm16Reader().read(input, samples)
  return samples
}

/** What a caller says: noise at a speaking level, as mu-law. */
function phoneAudio(length: number): Uint8Array {
  return encodeMulaw(whiteNoise(length, 6000, length))
}

describe('ulaw_8000', () => {
  it('passes audio through untouched in both directions', () => {
    const frame = phoneAudio(160)
    expect(twilioToAgent('ulaw_8000').convert(frame)).toBe(frame)
    expect(agentToTwilio('ulaw_8000').convert(frame)).toBe(frame)
    const payload = encodeBase64(frame)
    expect(twilioToAgent('ulaw_8000').convertBase64(payload)).toBe(payload)
  })

  it('still rejects a payload that is not base64', () => {
    expect(agentToTwilio('ulaw_8000').convertBase64('not base64!')).toBeUndefined()
  })

  it('checks each payload on its own, whatever came before', () => {
    const toTwilio = agentToTwilio('ulaw_8000')
    const long = encodeBase64(phoneAudio(800))
    const short = encodeBase64(phoneAudio(160))
    expect(toTwilio.convertBase64(long)).toBe(long)
    expect(toTwilio.convertBase64(short)).toBe(short)
    expect(toTwilio.convertBase64(`${short.slice(0, -4)} AA=`)).toBeUndefined()
    expect(toTwilio.convertBase64(long)).toBe(long)
  })
})

describe('pcm_8000', () => {
  it('decodes mu-law to little-endian PCM sample for sample', () => {
    const pcm = twilioToAgent('pcm_8000').convert(Uint8Array.of(0x00, 0x80, MULAW_SILENCE))
    expect(Array.from(pcm)).toEqual([0x84, 0x82, 0x7c, 0x7d, 0, 0])
  })

  it('encodes little-endian PCM to mu-law sample for sample', () => {
    const samples = whiteNoise(400, 30000, 3)
    expect(agentToTwilio('pcm_8000').convert(pcmBytes(samples))).toEqual(encodeMulaw(samples))
  })
})

describe.each(PCM_FORMATS)('%s', (format: AgentAudioFormat, rate) => {
  it('turns a 160-byte Twilio frame into 20 ms of agent audio and back', () => {
    const agentFrame = twilioToAgent(format).convert(phoneAudio(160))
    expect(agentFrame).toHaveLength((2 * rate) / 50)
    expect(agentToTwilio(format).convert(agentFrame)).toHaveLength(160)
  })

  it('gives the same bytes to the agent whatever the chunking', () => {
    const input = phoneAudio(2000)
    const whole = Array.from(twilioToAgent(format).convert(input))
    const converter = twilioToAgent(format)
    const lengths = randomChunkLengths(input.length, 400, 11)
    expect(inChunks(input, lengths, (chunk) => converter.convert(chunk))).toEqual(whole)
  })

  it('gives the same bytes to Twilio whatever the chunking, odd byte counts included', () => {
    const input = pcmBytes(whiteNoise(rate / 4, 9000, rate))
    const whole = Array.from(agentToTwilio(format).convert(input))
    for (const seed of [21, 22]) {
      const converter = agentToTwilio(format)
      const lengths = randomChunkLengths(input.length, 1500, seed)
      expect(lengths.some((length) => length % 2 === 1)).toBe(true)
      expect(inChunks(input, lengths, (chunk) => converter.convert(chunk))).toEqual(whole)
    }
  })

  it('turns mu-law silence padding into digital silence', () => {
    const converter = twilioToAgent(format)
    const padded = converter.convert(new Uint8Array(800).fill(MULAW_SILENCE))
    expect(padded.every((byte) => byte === 0)).toBe(true)
  })

  it('carries a tone from the agent to the phone and back at full level and 35 dB SNR', () => {
    const input = tone({ frequency: 1000, sampleRate: rate, amplitude: 16000, length: rate / 5 })
    const phone = agentToTwilio(format).convert(pcmBytes(input))
    const back = pcmSamples(twilioToAgent(format).convert(phone))
    const fit = fitSine(back, 1000, rate, rate / 50)
    expect(Math.abs(decibels(fit.amplitude / 16000))).toBeLessThan(0.2)
    expect(decibels(fit.amplitude / Math.SQRT2 / fit.residualRms)).toBeGreaterThan(35)
  })

  it('converts base64 payloads as convert does, frame after frame', () => {
    const byArrays = twilioToAgent(format)
    const byPayloads = twilioToAgent(format)
    for (let frame = 0; frame < 4; frame++) {
      const mulaw = phoneAudio(160 + frame)
      const expected = encodeBase64(byArrays.convert(mulaw))
      expect(byPayloads.convertBase64(encodeBase64(mulaw))).toBe(expected)
    }
    expect(byPayloads.convertBase64('@@@@')).toBeUndefined()
  })

  it('returns a new array on every call', () => {
    const converter = agentToTwilio(format)
    const first = converter.convert(pcmBytes(whiteNoise(rate / 50, 9000, 1)))
    const copy = first.slice()
    converter.convert(pcmBytes(whiteNoise(rate / 50, 9000, 2)))
    expect(first).toEqual(copy)
  })

  it('forgets the stream on reset, including a pending odd byte', () => {
    const input = pcmBytes(whiteNoise(rate / 50, 9000, 4))
    const fresh = agentToTwilio(format).convert(input)
    const converter = agentToTwilio(format)
    converter.convert(Uint8Array.of(0x55, 0x66, 0x77))
    converter.reset()
    expect(converter.convert(input)).toEqual(fresh)
  })
})
