/**
 * The audio section of `npm run bench` (`npm run bench audio`): speed of
 * the mu-law codec, the resamplers and the whole per-frame path, and the
 * measured quality of every resampler, each beside a naive alternative,
 * with a verdict on each target of the audio issue. docs/audio.md records
 * the figures of one run.
 */
import { AGENT_AUDIO_FORMATS } from '../worker/audio/formats.ts'
import { createResampler } from '../worker/audio/resampler.ts'
import { downsamplingQuality, type Quality, upsamplingQuality } from './audio-quality.ts'
import { codecSpeed, frameSpeed, resamplerSpeed } from './audio-speed.ts'
import { LinearResampler } from './linear-resampler.ts'
import { fixed, printTable } from './table.ts'

const AGENT_RATES = [16000, 22050, 24000, 44100, 48000]
const FRAME_BUDGET_US = 20
const CODEC_SPEEDUP_TARGET = 5
const linear = (inputRate: number, outputRate: number) => new LinearResampler(inputRate, outputRate)

function verdict(met: boolean): string {
  return met ? 'met' : 'NOT MET'
}

function printCodec(): void {
  console.log('G.711 mu-law codec, ns per sample\n')
  const rows = [...codecSpeed(160), ...codecSpeed(8000)]
  printTable(
    ['', 'samples/call', 'ours', 'ours, reused buffer', 'alawmulaw', 'speed-up', 'reused'],
    rows.map((row) => [
      row.name,
      String(row.samples),
      fixed(row.ours, 2),
      fixed(row.oursReused, 2),
      fixed(row.alawmulaw, 2),
      `${fixed(row.alawmulaw / row.ours)}x`,
      `${fixed(row.alawmulaw / row.oursReused)}x`,
    ]),
  )
  const speedUp = (samples: number, reused: boolean) =>
    Math.min(
      ...rows
        .filter((row) => row.samples === samples)
        .map((row) => row.alawmulaw / (reused ? row.oursReused : row.ours)),
    )
  const line = (label: string, ratio: number) =>
    `  ${label}: ${fixed(ratio)}x, ${verdict(ratio >= CODEC_SPEEDUP_TARGET)}`
  console.log(
    `Target: codec at least ${CODEC_SPEEDUP_TARGET}x alawmulaw (slower of decode and encode)`,
  )
  console.log(
    line('20 ms frames into a reused buffer, as the converters call it', speedUp(160, true)),
  )
  console.log(line('20 ms frames into a new array (allocation dominates)', speedUp(160, false)))
  console.log(line('the loop alone: 1 s blocks into a reused buffer', speedUp(8000, true)))
  console.log()
}

function printResamplers(): void {
  console.log('Resamplers, fed 20 ms frames: ns per output sample, µs per frame\n')
  const pairs = AGENT_RATES.flatMap((rate) => [
    [rate, 8000],
    [8000, rate],
  ])
  printTable(
    ['from', 'to', 'ours ns/sample', 'ours µs/frame', 'linear ns/sample'],
    pairs.map(([from = 0, to = 0]) => {
      const speed = resamplerSpeed(from, to)
      return [
        String(from),
        String(to),
        fixed(speed.oursPerSample),
        fixed(speed.oursPerFrame, 2),
        fixed(speed.linearPerSample),
      ]
    }),
  )
}

function printFramePath(): void {
  console.log('Whole 20 ms frame, base64 payload in and out, µs per frame\n')
  const rows = AGENT_AUDIO_FORMATS.map(frameSpeed)
  printTable(
    ['format', 'to agent', 'to Twilio', 'both', 'both, via arrays'],
    rows.map((row) => [
      row.format,
      fixed(row.toAgent, 2),
      fixed(row.toTwilio, 2),
      fixed(row.toAgent + row.toTwilio, 2),
      fixed(row.toAgentArrays + row.toTwilioArrays, 2),
    ]),
  )
  const pcm16k = rows.find((row) => row.format === 'pcm_16000')
  const both = (pcm16k?.toAgent ?? Number.NaN) + (pcm16k?.toTwilio ?? Number.NaN)
  console.log(
    `Target: pcm_16000 frame, both directions, at most ${FRAME_BUDGET_US} µs: ${fixed(both, 2)} µs, ${verdict(both <= FRAME_BUDGET_US)}\n`,
  )
}

function qualityRow(label: string, rate: number, quality: Quality): string[] {
  return [
    label,
    String(rate),
    `${fixed(quality.rejectionDb)} @ ${quality.rejectionAt}`,
    fixed(quality.rippleDb, 3),
    fixed(quality.gainAt3400Db, 3),
    fixed(quality.delayMs, 3),
    fixed(quality.sineSnrDb),
    fixed(quality.sineSnrMulawDb),
    fixed(quality.speechSnrDb),
    fixed(quality.speechSnrMulawDb),
  ]
}

const QUALITY_HEADER = [
  '',
  'rate',
  'worst dB @ Hz',
  'ripple dB',
  '3.4k dB',
  'delay ms',
  'sine SNR',
  '+mu-law',
  'speech SNR',
  '+mu-law',
]

function printQuality(): void {
  const down = AGENT_RATES.flatMap((rate) => [
    { label: 'ours', rate, quality: downsamplingQuality(createResampler, rate) },
    { label: 'linear', rate, quality: downsamplingQuality(linear, rate) },
  ])
  console.log(
    'Agent rate to 8 kHz: worst tone from 4.6 kHz to Nyquist relative to 1 kHz; SNR in dB\n',
  )
  printTable(
    QUALITY_HEADER,
    down.map((row) => qualityRow(row.label, row.rate, row.quality)),
  )
  const up = AGENT_RATES.flatMap((rate) => [
    { label: 'ours', rate, quality: upsamplingQuality(createResampler, rate) },
    { label: 'linear', rate, quality: upsamplingQuality(linear, rate) },
  ])
  console.log(
    '8 kHz to agent rate: worst image of a 300-3400 Hz tone relative to the tone; SNR in dB\n',
  )
  printTable(
    QUALITY_HEADER,
    up.map((row) => qualityRow(row.label, row.rate, row.quality)),
  )
  const ours = [...down, ...up].filter((row) => row.label === 'ours').map((row) => row.quality)
  const bars =
    ours.every((q) => q.rejectionDb <= -70) &&
    ours.every((q) => q.rippleDb <= 0.1 && Math.abs(q.gainAt3400Db) <= 0.1) &&
    ours.every((q) => q.delayMs <= 2)
  console.log(
    `Target: 70 dB rejection, 0.1 dB ripple, 2 ms delay at every rate: ${verdict(bars)}\n`,
  )
}

export function run(): void {
  console.log('\n== audio ==\n')
  printCodec()
  printResamplers()
  printFramePath()
  printQuality()
}
