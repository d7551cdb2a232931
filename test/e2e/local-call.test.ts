/**
 * A local call end to end, as `npm run dev` runs one without accounts: the
 * built page in Chromium, its microphone a fake device playing real speech
 * (espeak-ng, test/fixtures), through a real `wrangler dev` with no Twilio
 * settings and LOCAL_CALLS=true, to the ElevenLabs stand-in, whose agent says
 * back what it heard. Nothing is faked between the page and the agent.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  type ConversationRecord,
  StandinControl,
} from '../../devtools/elevenlabs-standin/control.ts'
import { decodeMulaw } from '../../worker/audio/mulaw.ts'
import { createResampler } from '../../worker/audio/resampler.ts'
import type { RoomView } from '../../worker/conference/room-record.ts'
import { eventually } from '../../worker/testing/eventually.ts'
import { type BuiltPage, builtPage } from '../page/built-page.ts'
import { type Browser, launchChromium } from '../page/chromium.ts'
import { TEST_CREDENTIALS } from '../test-env.ts'
import { type RunningWorker, startWranglerDev } from './wrangler-dev.ts'

const MIC_RATE = 48_000
/** 4.4 s of espeak-ng speech (test/fixtures); the microphone's file puts silence before it, and
 * after it silence long enough for the agent to say it back before Chromium, which loops the
 * file, speaks again and interrupts it. */
const SPEECH_8K = decodeMulaw(
  new Uint8Array(readFileSync(new URL('../fixtures/speech-8k.ulaw', import.meta.url))),
)
// Chromium plays the file from the moment the microphone opens, and the page streams it
// only once its socket is open, a few hundred milliseconds later on a busy machine: the
// speech waits for it, so that the agent hears all of it.
const SILENCE_BEFORE_S = 2
const SILENCE_AFTER_S = 8

const elevenLabs = new StandinControl(inject('elevenLabsApiBase'))
const agentId = `agent_local_${crypto.randomUUID().replaceAll('-', '')}`
let scratch: string
let page: BuiltPage
let worker: RunningWorker
let browser: Browser

beforeAll(async () => {
  await elevenLabs.registerAgent({
    agentId,
    firstMessage: '',
    reply: 'echo',
    userInputAudioFormat: 'pcm_16000',
    agentOutputAudioFormat: 'pcm_16000',
  })
  scratch = mkdtempSync(join(tmpdir(), 'local-call-'))
  const microphone = join(scratch, 'speech.wav')
  writeFileSync(microphone, speechWav())
  page = builtPage()
  ;[worker, browser] = await Promise.all([
    startWranglerDev({
      config: 'wrangler.toml',
      readyPath: '/api/health',
      assetsDirectory: page.dir,
      // `npm run dev` with no .dev.vars: no Twilio, local calls on, the local agent.
      vars: () => ({
        LOCAL_CALLS: 'true',
        ELEVENLABS_API_BASE: inject('elevenLabsApiBase'),
        ELEVENLABS_API_KEY: TEST_CREDENTIALS.ELEVENLABS_API_KEY,
        ELEVENLABS_AGENT_ID: agentId,
      }),
    }),
    launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${microphone}`,
    ]),
  ])
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await worker?.stop()
  page?.dispose()
  rmSync(scratch, { recursive: true, force: true })
})

async function openPage(): Promise<Page> {
  const tab = await browser.context.newPage()
  tab.setDefaultTimeout(15_000)
  await tab.goto(worker.url)
  return tab
}

const room = async (conferenceId: string) =>
  (await (await fetch(`${worker.url}/api/twilio/conferences/${conferenceId}`)).json()) as RoomView

describe('a local call from the page', () => {
  it("carries the microphone's speech to the agent and plays the agent's reply", async () => {
    const tab = await openPage()
    await tab.getByRole('region', { name: 'Local calls' }).waitFor()
    expect(await tab.getByLabel('Phone number to call right away').count()).toBe(0)
    const started = tab.waitForResponse((r) => r.url().endsWith('/api/local/conversations'))
    await tab.getByRole('button', { name: 'Start conversation' }).click()
    const { conferenceId } = (await (await started).json()) as { conferenceId: string }
    await tab.getByRole('status').filter({ hasText: 'Connected' }).waitFor()

    // The agent hears a whole turn of the fixture's speech, at its length.
    await eventually(
      'a user turn at the agent',
      async () => (await conversation())?.recentSent.some((m) => m.type === 'user_transcript'),
      20_000,
    )
    const line = await tab.locator('.transcript li', { hasText: 'heard' }).first().textContent()
    const seconds = Number(line?.match(/heard ([\d.]+) s/)?.[1])
    expect(seconds).toBeGreaterThan(3.5)
    expect(seconds).toBeLessThan(5.5)

    // Its echo plays on the page: the room counts audio as played only from the marks
    // the page's speaker reports once it has played what came before them.
    const played = await eventually(
      'the reply to be played on the page',
      async () => {
        const view = await room(conferenceId)
        return (view.stats?.playedMs ?? 0) > 1000 && view
      },
      20_000,
    )
    expect(played.agent.status).toBe('ready')
    expect(played.stats?.twilioFrames).toBeGreaterThan(200)

    // Leaving the page would end the call: the browser asks first (the test stays).
    const asked = new Promise<string>((resolve) => {
      tab.once('dialog', (dialog) => {
        resolve(dialog.type())
        void dialog.dismiss()
      })
      setTimeout(() => resolve('no dialog'), 5000)
    })
    await tab.close({ runBeforeUnload: true })
    expect(await asked).toBe('beforeunload')
    expect(tab.isClosed()).toBe(false)

    await tab.getByRole('button', { name: 'Hang up' }).click()
    await tab.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    const ended = await room(conferenceId)
    expect(ended).toMatchObject({ status: 'ended', endedReason: 'you hung up' })
    const closed = await eventually('the agent conversation to close', async () => {
      const record = await conversation()
      return record?.status === 'closed' && record
    })
    expect(closed.close).toMatchObject({ code: 1000, by: 'client' })
    await tab.close()
  })
})

const conversation = async (): Promise<ConversationRecord | undefined> =>
  (await elevenLabs.conversations({ agentId })).at(-1)

/** Silence, the fixture at the microphone's rate, then silence, as a 16-bit mono WAV file. */
function speechWav(): Buffer {
  const speech = createResampler(8000, MIC_RATE).process(SPEECH_8K)
  const samples = new Int16Array((SILENCE_BEFORE_S + SILENCE_AFTER_S) * MIC_RATE + speech.length)
  samples.set(speech, SILENCE_BEFORE_S * MIC_RATE)
  const header = Buffer.alloc(44)
  const dataBytes = samples.length * 2
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + dataBytes, 4)
  header.write('WAVEfmt ', 8)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20) // PCM
  header.writeUInt16LE(1, 22) // mono
  header.writeUInt32LE(MIC_RATE, 24)
  header.writeUInt32LE(MIC_RATE * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(dataBytes, 40)
  return Buffer.concat([header, Buffer.from(samples.buffer)])
}
