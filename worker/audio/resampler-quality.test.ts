/**
 * The quality bars of the audio issue, measured on the streaming output:
 * alias and image rejection of at least 70 dB (from 4.6 kHz up), passband
 * ripple within 0.1 dB from 300 to 3400 Hz, and at most 2 ms of delay.
 */
import { describe, expect, it } from 'vitest'
import { decibels, fitSine, rms } from './fixtures/measure.ts'
import { tone } from './fixtures/signals.ts'
import { createResampler } from './resampler.ts'

const AGENT_RATES = [16000, 22050, 24000, 44100, 48000]
const AMPLITUDE = 24000
const SECONDS = 0.1
/** Output before this is the filter filling up from silence. */
const SETTLE_SECONDS = 0.01

function resampledTone(inputRate: number, outputRate: number, frequency: number) {
  const input = tone({
    frequency,
    sampleRate: inputRate,
    amplitude: AMPLITUDE,
    length: Math.round(inputRate * SECONDS),
    phase: 0.3,
  })
  const output = createResampler(inputRate, outputRate).process(input)
  return { output, from: Math.round(outputRate * SETTLE_SECONDS) }
}

function frequencies(from: number, to: number, step: number): number[] {
  return Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step)
}

/** Fine steps just past the stopband edge, where the filter is weakest, then coarser to Nyquist. */
function stopbandTones(inputRate: number): number[] {
  const nyquist = inputRate / 2
  return [...frequencies(4600, 6000, 20), ...frequencies(6100, nyquist - 100, 100), nyquist - 10]
}

const PASSBAND_TONES = frequencies(300, 3400, 100)

function passbandGainsDb(inputRate: number, outputRate: number): number[] {
  return PASSBAND_TONES.map((frequency) => {
    const { output, from } = resampledTone(inputRate, outputRate, frequency)
    return decibels(fitSine(output, frequency, outputRate, from).amplitude / AMPLITUDE)
  })
}

function measuredDelayMs(inputRate: number, outputRate: number): number {
  const frequency = 100
  const { output, from } = resampledTone(inputRate, outputRate, frequency)
  const { phase } = fitSine(output, frequency, outputRate, from)
  return ((0.3 - phase) / (2 * Math.PI * frequency)) * 1000
}

describe.each(AGENT_RATES)('%i Hz to 8 kHz (agent to phone)', (inputRate) => {
  it('puts every tone from 4.6 kHz to Nyquist at least 70 dB below a 1 kHz tone', () => {
    const reference = resampledTone(inputRate, 8000, 1000)
    const referenceRms = rms(reference.output, reference.from)
    const levels = stopbandTones(inputRate).map((frequency) => {
      const { output, from } = resampledTone(inputRate, 8000, frequency)
      return { frequency, db: decibels(rms(output, from) / referenceRms) }
    })
    const worst = levels.reduce((a, b) => (b.db > a.db ? b : a))
    expect(worst.db, `worst at ${worst.frequency} Hz`).toBeLessThanOrEqual(-70)
  })

  it('keeps 300-3400 Hz within 0.1 dB', () => {
    const gains = passbandGainsDb(inputRate, 8000)
    expect(Math.max(...gains.map(Math.abs))).toBeLessThanOrEqual(0.1)
    expect(Math.max(...gains) - Math.min(...gains)).toBeLessThanOrEqual(0.1)
  })

  it('adds at most 2 ms of delay, as it reports', () => {
    const resampler = createResampler(inputRate, 8000)
    expect(resampler.delayMs).toBeLessThanOrEqual(2)
    expect(measuredDelayMs(inputRate, 8000)).toBeCloseTo(resampler.delayMs, 2)
  })
})

describe.each(AGENT_RATES)('8 kHz to %i Hz (phone to agent)', (outputRate) => {
  it('leaves the images of every 300-3400 Hz tone at least 70 dB down', () => {
    const worst = Math.max(
      ...PASSBAND_TONES.map((frequency) => {
        const { output, from } = resampledTone(8000, outputRate, frequency)
        const fit = fitSine(output, frequency, outputRate, from)
        return decibels(fit.residualRms / (fit.amplitude / Math.SQRT2))
      }),
    )
    expect(worst).toBeLessThanOrEqual(-70)
  })

  it('keeps 300-3400 Hz within 0.1 dB', () => {
    const gains = passbandGainsDb(8000, outputRate)
    expect(Math.max(...gains.map(Math.abs))).toBeLessThanOrEqual(0.1)
    expect(Math.max(...gains) - Math.min(...gains)).toBeLessThanOrEqual(0.1)
  })

  it('adds at most 2 ms of delay, as it reports', () => {
    const resampler = createResampler(8000, outputRate)
    expect(resampler.delayMs).toBeLessThanOrEqual(2)
    expect(measuredDelayMs(8000, outputRate)).toBeCloseTo(resampler.delayMs, 2)
  })
})

describe('16 kHz to 8 kHz, as the issue states it', () => {
  it('puts a 5 kHz tone at least 70 dB below a 1 kHz tone of the same level', () => {
    const at1k = resampledTone(16000, 8000, 1000)
    const at5k = resampledTone(16000, 8000, 5000)
    const db = decibels(rms(at5k.output, at5k.from) / rms(at1k.output, at1k.from))
    expect(db).toBeLessThanOrEqual(-70)
  })
})
