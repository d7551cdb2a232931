import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { matchSignals } from '../../../test/e2e/signal-match.ts'
import { encodeBase64 } from '../../../worker/audio/base64.ts'
import { decodeMulaw, encodeMulaw } from '../../../worker/audio/mulaw.ts'
import { createResampler } from '../../../worker/audio/resampler.ts'
import { FRAME_SAMPLES, LocalMediaStream, type Playback } from './local-stream.ts'

const RATE = 48_000
/** What an AudioWorklet hands over: 128 samples at a time. */
const BLOCK = 128
/** 4.4 s of espeak-ng speech, mu-law 8 kHz (test/fixtures). */
const SPEECH_8K = decodeMulaw(
  new Uint8Array(readFileSync(new URL('../../../test/fixtures/speech-8k.ulaw', import.meta.url))),
)

type Message = Record<string, unknown> & { event: string }

function aStream() {
  const sent: Message[] = []
  const played: { play: Float32Array[]; marks: string[]; clears: number } = {
    play: [],
    marks: [],
    clears: 0,
  }
  const playback: Playback = {
    play: (samples) => played.play.push(samples),
    mark: (name) => played.marks.push(name),
    clear: () => played.clears++,
  }
  const stream = new LocalMediaStream({
    conferenceId: 'conf-aaaaaaaaaaaaaaaaaaaa',
    streamToken: 'one-time-token',
    sampleRate: RATE,
    send: (data) => sent.push(JSON.parse(data)),
    playback,
  })
  const media = () =>
    sent.filter((m) => m.event === 'media') as (Message & { media: Record<string, string> })[]
  return { stream, sent, played, media }
}

/** The microphone's signal at the page's rate, from 8 kHz samples, fed as a worklet feeds it. */
function speak(stream: LocalMediaStream, phone: Int16Array) {
  const page = createResampler(8000, RATE).process(phone)
  for (let offset = 0; offset < page.length; offset += BLOCK) {
    const block = page.subarray(offset, offset + BLOCK)
    stream.captured(Float32Array.from(block, (s) => s / 32768))
  }
}

const roomMessage = (stream: LocalMediaStream, message: Record<string, unknown>) =>
  stream.received(JSON.stringify({ streamSid: stream.streamSid, ...message }))

describe("the page's local stream, as Twilio's side of it", () => {
  it('opens as Twilio does: connected, then start with the one-time token', () => {
    const { stream, sent } = aStream()
    stream.open()
    expect(sent.map((m) => m.event)).toEqual(['connected', 'start'])
    expect(sent[1]).toMatchObject({
      streamSid: stream.streamSid,
      start: {
        streamSid: stream.streamSid,
        tracks: ['inbound'],
        customParameters: {
          conferenceId: 'conf-aaaaaaaaaaaaaaaaaaaa',
          streamToken: 'one-time-token',
        },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    })
    expect(stream.streamSid).toMatch(/^MZ[0-9a-f]{32}$/)
  })

  it('sends the microphone as 20 ms mu-law frames with running chunks and timestamps', () => {
    const { stream, media } = aStream()
    speak(stream, new Int16Array(8000))
    expect(media()).toHaveLength(50)
    expect(media()[49]?.media).toMatchObject({ track: 'inbound', chunk: '50', timestamp: '980' })
    for (const frame of media())
      expect(Buffer.from(frame.media.payload ?? '', 'base64')).toHaveLength(160)
  })

  it('carries speech to the phone side intact (SNR over 30 dB after alignment)', () => {
    const { stream, media } = aStream()
    speak(stream, SPEECH_8K)
    const received = decodeMulaw(
      new Uint8Array(media().flatMap((m) => [...Buffer.from(m.media.payload ?? '', 'base64')])),
    )
    const match = matchSignals(SPEECH_8K, received, {
      sampleRate: 8000,
      maxDelay: 80,
      band: [300, 3400],
    })
    expect(match.snrDb).toBeGreaterThan(30)
    // Two resamplers' delay (8 to 48 kHz here, 48 to 8 kHz in the page), well under a frame.
    expect(Math.abs(match.delay)).toBeLessThan(FRAME_SAMPLES / 4)
  })

  it("plays the room's media at the page's rate", () => {
    const { stream, played } = aStream()
    const tone = Int16Array.from({ length: 160 }, (_, n) => Math.round(8000 * Math.sin(n / 3)))
    roomMessage(stream, { event: 'media', media: { payload: encodeBase64(encodeMulaw(tone)) } })
    expect(played.play).toHaveLength(1)
    expect(played.play[0]).toHaveLength(960)
  })

  it('passes marks and clears to the speaker, and echoes a mark once it has played', () => {
    const { stream, played, sent } = aStream()
    roomMessage(stream, { event: 'mark', mark: { name: 'response-1' } })
    roomMessage(stream, { event: 'clear' })
    expect(played).toMatchObject({ marks: ['response-1'], clears: 1 })
    stream.played('response-1')
    expect(sent.at(-1)).toMatchObject({
      event: 'mark',
      streamSid: stream.streamSid,
      mark: { name: 'response-1' },
    })
  })

  it('ignores, and counts, what Twilio would refuse: another stream, bad JSON, bad base64', () => {
    const { stream, played } = aStream()
    stream.received(JSON.stringify({ event: 'clear', streamSid: 'MZother' }))
    stream.received('not json')
    roomMessage(stream, { event: 'media', media: { payload: '%%%' } })
    expect(stream.problems).toBe(3)
    expect(played).toMatchObject({ play: [], clears: 0 })
  })

  it('ends with stop', () => {
    const { stream, sent } = aStream()
    stream.stop()
    expect(sent.at(-1)).toMatchObject({ event: 'stop', streamSid: stream.streamSid })
  })
})
