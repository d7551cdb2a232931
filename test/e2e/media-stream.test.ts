/**
 * The agent's conference leg end to end, through a real `wrangler dev`: real
 * speech streamed in real time by a Twilio stand-in client, the bridge's
 * conversion checked against sox's, and the agent's reply played back as
 * Twilio would play it.
 */
import { readFileSync } from 'node:fs'
import alawmulaw from 'alawmulaw'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  type ConversationRecord,
  StandinControl,
} from '../../devtools/elevenlabs-standin/control.ts'
import {
  openAgentStream,
  readStreamTwiml,
  startAgentCall,
  type WorkerUnderTest,
} from '../../devtools/media-stream-simulator/call-setup.ts'
import { silentPayloads, toPayloads } from '../../devtools/media-stream-simulator/framing.ts'
import type { MediaStreamSimulator } from '../../devtools/media-stream-simulator/simulator.ts'
import { twilioPost } from '../../devtools/media-stream-simulator/twilio-requests.ts'
import { TwilioStandinControl } from '../../devtools/twilio-standin/control.ts'
import { E2E_AGENT_ID, startProductWorker } from './product-worker.ts'
import { matchSignals } from './signal-match.ts'
import type { RunningWorker } from './wrangler-dev.ts'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url))
/** 4.4 s of espeak-ng speech, mu-law 8 kHz, and sox's 16 kHz conversion of it (test/fixtures). */
const SPEECH = new Uint8Array(fixture('speech-8k.ulaw'))
const SOX_16K = new Int16Array(new Uint8Array(fixture('speech-16k-sox.s16le')).buffer)
/** Silence after the speech, long enough for the agent to hear the turn end and answer. */
const TRAILING_SILENCE_FRAMES = 75
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

const twilioApiBase = inject('twilioApiBase')
const elevenLabs = new StandinControl(inject('elevenLabsApiBase'))
let worker: RunningWorker
let target: WorkerUnderTest

beforeAll(async () => {
  ;({ worker, target } = await startProductWorker())
})

afterAll(async () => {
  await worker?.stop()
})

/** A call whose agent answers each turn with tones and keeps what it heard. */
async function liveCall() {
  const agentId = `agent_e2e_${crypto.randomUUID().replaceAll('-', '')}`
  await elevenLabs.registerAgent({
    agentId,
    userInputAudioFormat: 'pcm_16000',
    agentOutputAudioFormat: 'pcm_16000',
    firstMessage: '',
    reply: 'tones',
    keepUserAudioMs: 30_000,
  })
  const call = await startAgentCall(target, twilioApiBase, { agentId })
  const stream = await openAgentStream(target, call)
  const { conversationId } = await elevenLabs.waitForConversation(
    { agentId },
    (record) => record.status === 'active',
    10_000,
  )
  // The bridge answers this ping after it has read the metadata before it, so from here on it
  // forwards each frame as it comes instead of holding it for the agent.
  await elevenLabs.sendPing(conversationId)
  await elevenLabs.waitForConversation({ conversationId }, (record) => record.pongs.count > 0)
  return { agentId, conversationId, stream, call, conferenceId: call.conferenceId }
}

const mediaPayloads = (stream: MediaStreamSimulator) =>
  stream.received.flatMap(({ command }) => (command.event === 'media' ? [command.payload] : []))

/**
 * Waits until the agent has said its whole reply and Twilio has played it: the stand-in
 * generates faster than real time, so a reply still coming keeps Twilio's queue from running
 * dry; half a second with nothing new and nothing left to play means it is over.
 */
async function replyPlayedOut(conversationId: string, stream: MediaStreamSimulator) {
  let quietSince: number | undefined
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    const [record] = await elevenLabs.conversations({ conversationId })
    const { playback } = stream
    const now = performance.now()
    // Nothing sent yet is no reply played out: the agent answers a moment after the turn.
    const done =
      record !== undefined &&
      (record.sent.counts.audio ?? 0) > 0 &&
      record.sent.counts.audio === mediaPayloads(stream).length &&
      playback.pendingMarks === 0 &&
      playback.playedMs(now) >= playback.queuedMs
    quietSince = done ? (quietSince ?? now) : undefined
    if (record && quietSince !== undefined && now - quietSince >= 500) return record
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error("timed out waiting for the agent's reply to play out")
}

describe('a call through wrangler dev, with real speech in real time', () => {
  const payloads = [...toPayloads(SPEECH), ...silentPayloads(TRAILING_SILENCE_FRAMES)]
  let stream: MediaStreamSimulator
  let conversationId: string
  let heard: ConversationRecord
  let spoken: ConversationRecord

  beforeAll(async () => {
    ;({ conversationId, stream } = await liveCall())
    await stream.play(payloads)
    heard = await elevenLabs.waitForConversation(
      { conversationId },
      (record) => record.received.counts.user_audio_chunk === payloads.length,
      10_000,
    )
    spoken = await replyPlayedOut(conversationId, stream)
    await stream.stop()
  })

  it('delivers every frame to the agent as one chunk, and sends Twilio nothing it rejects', () => {
    expect(stream.sentAt).toHaveLength(payloads.length)
    expect(heard.received.counts.user_audio_chunk).toBe(payloads.length)
    expect(heard.received.audioBytes).toBe(payloads.length * 640)
    expect(stream.violations).toEqual([])
  })

  it('converts the speech as sox does: 30 dB SNR or more in 300-3400 Hz, once aligned', async () => {
    const { format, bytes } = await elevenLabs.userAudio(conversationId)
    expect(format).toBe('pcm_16000')
    const received = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)
    const options = { sampleRate: 16000, maxDelay: 1600 }
    const band = matchSignals(SOX_16K, received, { ...options, band: [300, 3400] })
    const whole = matchSignals(SOX_16K, received, options)
    console.info(
      `speech vs sox rate -v: delay ${band.delay.toFixed(2)} samples, SNR ` +
        `${band.snrDb.toFixed(1)} dB in 300-3400 Hz (asserted), ${whole.snrDb.toFixed(1)} dB over 0-8 kHz`,
    )
    expect(band.snrDb).toBeGreaterThanOrEqual(30)
  })

  it("plays the agent's whole reply to Twilio as audible mu-law, one media per audio event", () => {
    const payloads = mediaPayloads(stream)
    expect(payloads.length).toBe(spoken.sent.counts.audio)
    expect(payloads.filter((payload) => !STRICT_BASE64.test(payload))).toEqual([])
    const reply = Buffer.concat(payloads.map((payload) => Buffer.from(payload, 'base64')))
    // pcm_16000 is 32 bytes per ms; mu-law at 8 kHz, 8.
    expect(reply.length).toBe(spoken.sent.audioBytes / 4)
    expect(levelDbfs(alawmulaw.mulaw.decode(reply))).toBeGreaterThan(-30)
  })
})

describe('a pause in what Twilio sends', () => {
  it('reaches the agent as silence, so its turn detection sees real time', async () => {
    const { conversationId, stream, conferenceId } = await liveCall()
    const speech = toPayloads(SPEECH)
    // Set on the stream's clock, not by timers, which a busy machine fires late: the second
    // second of frames starts two seconds after the first, a pause of exactly one second.
    const startAt = performance.now()
    await stream.play(speech.slice(0, 50), startAt)
    await stream.play(speech.slice(50, 100), startAt + 2000)
    // Two seconds of frames and a one-second jump in their timestamps: three seconds heard.
    const heard = await elevenLabs.waitForConversation(
      { conversationId },
      (record) => record.received.audioMs >= 2980,
      10_000,
    )
    expect(heard.received.audioMs).toBeLessThan(3040)
    const room = (await (
      await fetch(`${worker.url}/api/twilio/conferences/${conferenceId}`)
    ).json()) as { stats: { paddedMs: number } }
    expect(room.stats.paddedMs).toBeGreaterThanOrEqual(980)
    expect(room.stats.paddedMs).toBeLessThanOrEqual(1020)
    await stream.stop()
  })
})

describe('a stream whose connection breaks', () => {
  it('goes on with a new stream when Twilio asks what next, through wrangler dev', async () => {
    const { agentId, conversationId, stream, call } = await liveCall()
    await stream.drop()
    // Twilio asks the stream's <Connect action>, signed as it signs every webhook.
    if (!call.actionPath) throw new Error("the agent's TwiML names no <Connect action>")
    const res = await twilioPost(target, call.actionPath, {
      AccountSid: target.accountSid,
      CallSid: call.callSid,
      CallStatus: 'in-progress',
    })
    expect(res.status).toBe(200)
    const next = readStreamTwiml(await res.text())
    expect(next.customParameters.streamToken).not.toBe(call.customParameters.streamToken)
    const again = await openAgentStream(target, { ...call, ...next })
    const resumed = await elevenLabs.waitForConversation(
      { agentId },
      (record) => record.status === 'active' && record.conversationId !== conversationId,
      10_000,
    )
    expect((await elevenLabs.conversations({ conversationId }))[0]?.status).toBe('closed')
    // The new conversation hears the call.
    await again.play(toPayloads(SPEECH).slice(0, 25))
    const heard = await elevenLabs.waitForConversation(
      { conversationId: resumed.conversationId },
      (record) => record.received.audioMs >= 400,
      10_000,
    )
    expect(heard.status).toBe('active')
    await again.stop()
  })
})

describe('a key pressed on a phone', () => {
  it('reaches the agent as what was pressed', async () => {
    const { conversationId, stream } = await liveCall()
    stream.press('7')
    const told = await elevenLabs.waitForConversation(
      { conversationId },
      (record) =>
        record.contextualUpdates.some((u) => u.text === 'A caller pressed 7 on their keypad.'),
      10_000,
    )
    expect(told.status).toBe('active')
    await stream.stop()
  })
})

describe('a phone participant added to the call through wrangler dev', () => {
  // The number check is loaded on the first dial (worker/routes/twilio-legs.ts): this runs it
  // in the bundle wrangler builds, minified, as deployed.
  it('dials a number as a person types it, in E.164, and refuses what is not a number', async () => {
    const { conferenceId } = await startAgentCall(target, twilioApiBase, { agentId: E2E_AGENT_ID })
    const dial = (phoneNumber: string) =>
      fetch(`${worker.url}/api/twilio/conferences/${conferenceId}/participants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber }),
      })
    const added = await dial('+1 (415) 555-2671')
    expect(added.status).toBe(201)
    expect(await added.json()).toMatchObject({ participant: { phoneNumber: '+14155552671' } })
    const conference = await new TwilioStandinControl(twilioApiBase).conference(conferenceId)
    expect(conference?.participants.map((p) => p.to)).toContain('+14155552671')
    const refused = await dial('call mom')
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_phone_number' } })
  })
})

function levelDbfs(samples: Int16Array): number {
  const power = samples.reduce((sum, sample) => sum + sample * sample, 0) / samples.length
  return 10 * Math.log10(power / 32768 ** 2)
}
