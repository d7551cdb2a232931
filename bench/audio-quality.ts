/**
 * The quality figures of the audio benchmark, for any streaming resampler:
 * alias or image rejection, passband flatness, delay, and SNR on a sine and
 * on speech, each with and without the mu-law step of the phone side.
 * Speech SNR counts only 300-3400 Hz, against a near-ideal band-limited
 * reference (reference-resampler.ts) shifted by the resampler's own delay.
 */
import { decodeBase64 } from '../worker/audio/base64.ts'
import { decibels, fitSine, rms } from '../worker/audio/fixtures/measure.ts'
import { tone } from '../worker/audio/fixtures/signals.ts'
import { decodeMulaw, encodeMulaw } from '../worker/audio/mulaw.ts'
import { Pcm16Reader } from '../worker/audio/pcm16.ts'
import { SPEECH_PCM16LE_BASE64, SPEECH_SAMPLE_RATE } from './fixtures/speech.ts'
import { bandLimitedResample } from './reference-resampler.ts'
import { bandSnrDb } from './spectrum.ts'

export interface StreamResampler {
  readonly delayMs: number
  process(input: Int16Array): Int16Array
}
export type ResamplerFactory = (inputRate: number, outputRate: number) => StreamResampler

export interface Quality {
  /** Worst stopband tone (downsampling) or image (upsampling) relative to the tone, and where. */
  readonly rejectionDb: number
  readonly rejectionAt: number
  /** Largest minus smallest gain over 300-3400 Hz. */
  readonly rippleDb: number
  readonly gainAt3400Db: number
  readonly delayMs: number
  readonly sineSnrDb: number
  readonly sineSnrMulawDb: number
  readonly speechSnrDb: number
  readonly speechSnrMulawDb: number
}

const PHONE_RATE = 8000
const AMPLITUDE = 16384
const SECONDS = 0.1
const PASSBAND = Array.from({ length: 32 }, (_, i) => 300 + 100 * i)

const throughMulaw = (samples: Int16Array) => decodeMulaw(encodeMulaw(samples))
const toInt16 = (samples: Float64Array) => Int16Array.from(samples, Math.round)

function resampledTone(make: ResamplerFactory, from: number, to: number, frequency: number) {
  const length = Math.round(from * SECONDS)
  const input = tone({ frequency, sampleRate: from, amplitude: AMPLITUDE, length, phase: 0.3 })
  return make(from, to).process(input)
}

/** 1013 Hz, not 1 kHz: a tone that repeats every 8 samples makes mu-law's error periodic. */
const SINE_FREQUENCY = 1013

function sineSnrDb(samples: Int16Array, rate: number): number {
  const fit = fitSine(samples, SINE_FREQUENCY, rate, Math.round(rate / 50))
  return decibels(fit.amplitude / Math.SQRT2 / fit.residualRms)
}

function passband(make: ResamplerFactory, from: number, to: number) {
  const gains = PASSBAND.map((frequency) => {
    const output = resampledTone(make, from, to, frequency)
    return decibels(fitSine(output, frequency, to, Math.round(to / 50)).amplitude / AMPLITUDE)
  })
  return { rippleDb: Math.max(...gains) - Math.min(...gains), gainAt3400Db: gains.at(-1) ?? 0 }
}

function worst(levels: { frequency: number; db: number }[]) {
  const loudest = levels.reduce((a, b) => (b.db > a.db ? b : a))
  return { rejectionDb: loudest.db, rejectionAt: loudest.frequency }
}

/** As the tests scan: 20 Hz steps just past 4.6 kHz, where the filter is weakest, then 100 Hz. */
function stopbandTones(rate: number): number[] {
  const fine = Array.from({ length: 71 }, (_, i) => 4600 + 20 * i)
  const coarse = Array.from(
    { length: Math.floor((rate / 2 - 6000) / 100) },
    (_, i) => 6100 + 100 * i,
  )
  return [...fine, ...coarse.filter((f) => f < rate / 2), rate / 2 - 10]
}

let speech: Int16Array | undefined
function speechAt16k(): Int16Array {
  if (speech) return speech
  const bytes = decodeBase64(SPEECH_PCM16LE_BASE64) ?? new Uint8Array(0)
  speech = new Int16Array(bytes.length / 2)
  new Pcm16Reader().read(bytes, speech)
  return speech
}

function speechSnr(output: Int16Array, reference: Float64Array, rate: number): number {
  const margin = Math.round(rate * 0.05)
  const to = Math.min(output.length, reference.length) - margin
  return bandSnrDb(output, reference, { sampleRate: rate, low: 300, high: 3400, from: margin, to })
}

/** Agent rate to 8 kHz: what the phone hears of the agent. */
export function downsamplingQuality(make: ResamplerFactory, rate: number): Quality {
  const reference = rms(resampledTone(make, rate, PHONE_RATE, 1000), 160)
  const levels = [...stopbandTones(rate), 5000].map((frequency) => ({
    frequency,
    db: decibels(rms(resampledTone(make, rate, PHONE_RATE, frequency), 160) / reference),
  }))
  const sine = resampledTone(make, rate, PHONE_RATE, SINE_FREQUENCY)
  const input =
    rate === SPEECH_SAMPLE_RATE
      ? speechAt16k()
      : toInt16(
          bandLimitedResample(speechAt16k(), {
            inputRate: SPEECH_SAMPLE_RATE,
            outputRate: rate,
            cutoff: 7800,
          }),
        )
  const { delayMs } = make(rate, PHONE_RATE)
  const ideal = bandLimitedResample(input, {
    inputRate: rate,
    outputRate: PHONE_RATE,
    cutoff: 3800,
    delaySeconds: delayMs / 1000,
  })
  const spoken = make(rate, PHONE_RATE).process(input)
  return {
    ...worst(levels),
    ...passband(make, rate, PHONE_RATE),
    delayMs,
    sineSnrDb: sineSnrDb(sine, PHONE_RATE),
    sineSnrMulawDb: sineSnrDb(throughMulaw(sine), PHONE_RATE),
    speechSnrDb: speechSnr(spoken, ideal, PHONE_RATE),
    speechSnrMulawDb: speechSnr(throughMulaw(spoken), ideal, PHONE_RATE),
  }
}

/** 8 kHz to the agent rate: what the agent hears of the phone. */
export function upsamplingQuality(make: ResamplerFactory, rate: number): Quality {
  const levels = PASSBAND.map((frequency) => {
    const fit = fitSine(
      resampledTone(make, PHONE_RATE, rate, frequency),
      frequency,
      rate,
      rate / 50,
    )
    return { frequency, db: decibels(fit.residualRms / (fit.amplitude / Math.SQRT2)) }
  })
  const length = PHONE_RATE * SECONDS
  const sine = tone({
    frequency: SINE_FREQUENCY,
    sampleRate: PHONE_RATE,
    amplitude: AMPLITUDE,
    length,
  })
  const phone = toInt16(
    bandLimitedResample(speechAt16k(), {
      inputRate: SPEECH_SAMPLE_RATE,
      outputRate: PHONE_RATE,
      cutoff: 3800,
    }),
  )
  const { delayMs } = make(PHONE_RATE, rate)
  const ideal = bandLimitedResample(phone, {
    inputRate: PHONE_RATE,
    outputRate: rate,
    cutoff: 3800,
    delaySeconds: delayMs / 1000,
  })
  return {
    ...worst(levels),
    ...passband(make, PHONE_RATE, rate),
    delayMs,
    sineSnrDb: sineSnrDb(make(PHONE_RATE, rate).process(sine), rate),
    sineSnrMulawDb: sineSnrDb(make(PHONE_RATE, rate).process(throughMulaw(sine)), rate),
    speechSnrDb: speechSnr(make(PHONE_RATE, rate).process(phone), ideal, rate),
    speechSnrMulawDb: speechSnr(make(PHONE_RATE, rate).process(throughMulaw(phone)), ideal, rate),
  }
}
