import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { Health } from '../../client/src/api/wire.ts'
import {
  aBrowser,
  aLine,
  anAgent,
  aPhone,
  aRoom,
  CONFERENCE_ID,
} from '../../client/src/room/room-fixtures.ts'
import { FakeApi, IDENTITY, ok } from './fake-api.ts'
import { setMicrophone } from './fake-voice.ts'
import { pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

const PHONE = { width: 390, height: 844 }
const LAPTOP = { width: 1366, height: 768 }

/** `npm run dev` with no accounts: local calls, the local agent, and its warnings. */
const LOCAL: Health = {
  status: 'incomplete',
  missing: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'WEBHOOK_BASE_URL'].map((name) => ({
    name,
    disables: 'phone calls',
  })),
  warnings: ['APP_ACCESS_KEY is not set.', 'LOCAL_CALLS is on.'],
  localCalls: true,
  settings: [{ name: 'ELEVENLABS_API_BASE', present: true }],
}

const room = aRoom({ local: true, status: 'in-progress', participants: [aBrowser('local')] })

/** A long conversation: more lines than any screen holds. */
const transcript = Array.from({ length: 24 }, (_, seq) =>
  aLine({ seq, role: seq % 2 ? 'user' : 'agent', text: `Line ${seq}` }),
)

/** The page at `size`, in a local call whose transcript is already long. */
async function inLongCall(size: { width: number; height: number }) {
  const api = new FakeApi()
  api.on('GET', '/api/health', ok(LOCAL))
  api.on(
    'POST',
    '/api/local/conversations',
    ok({ conferenceId: CONFERENCE_ID, streamToken: 't', room, warnings: [] }, 201),
  )
  const { page, events } = await harness.open(api)
  await page.setViewportSize(size)
  await page.routeWebSocket('**/api/local/media-stream/**', () => {})
  const banner = page.getByRole('region', { name: 'Local calls' })
  await banner.waitFor()
  await setMicrophone(page, 'live')
  await page.getByRole('button', { name: 'Start conversation' }).click()
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
  await expect.poll(() => events.sockets.length).toBe(1)
  events.send({ type: 'snapshot', room: { ...room, transcript } })
  const newest = page.getByText('Line 23', { exact: true })
  await newest.waitFor()
  return { page, banner, newest }
}

/** The page at `size`, in a Twilio call with the agent and a phone, the transcript long. */
async function inLongConference(size: { width: number; height: number }) {
  const { page, events } = await harness.open()
  await page.setViewportSize(size)
  await startConversation(page)
  await expect.poll(() => events.sockets.length).toBe(1)
  const participants = [aBrowser(IDENTITY), anAgent(), aPhone()]
  events.send({
    type: 'snapshot',
    room: aRoom({ status: 'in-progress', participants, transcript }),
  })
  await page.getByText('Line 23', { exact: true }).waitFor()
  return page
}

/** Where an element is on the screen, as it is now. */
async function box(locator: ReturnType<Page['locator']>) {
  const found = await locator.boundingBox()
  if (!found) throw new Error('the element is not shown')
  return { top: found.y, bottom: found.y + found.height, height: found.height }
}

const scrollToBottom = (page: Page) =>
  page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)')

describe('the page during a call', () => {
  it('folds the mode banner to one line, the rest a click away', async () => {
    const { page, banner } = await inLongCall(PHONE)
    const { height } = await box(banner)
    expect(height).toBeLessThanOrEqual(48)
    const howItWorks = banner.getByText('No phone service is set up')
    expect(await howItWorks.isVisible()).toBe(false)
    await banner.getByText('a test agent, no phones').click()
    expect(await howItWorks.isVisible()).toBe(true)
    // The call's controls come straight after it, on the first screen.
    expect((await box(page.getByRole('button', { name: 'Hang up' }))).bottom).toBeLessThan(
      PHONE.height,
    )
  })

  it("keeps Mute and Hang up on a phone's screen while the transcript is read", async () => {
    const { page, newest } = await inLongCall(PHONE)
    await scrollToBottom(page)
    await expect.poll(() => page.evaluate('window.scrollY')).toBeGreaterThan(0)
    const bar = await box(page.getByRole('region', { name: 'Your call' }))
    for (const name of ['Mute microphone', 'Hang up']) {
      const button = await box(page.getByRole('button', { name }))
      expect(button.top, name).toBeGreaterThanOrEqual(0)
      expect(button.bottom, name).toBeLessThanOrEqual(PHONE.height)
    }
    // And the bar covers none of the transcript's newest line.
    const line = await box(newest)
    expect(line.top).toBeGreaterThanOrEqual(bar.bottom)
    expect(line.bottom).toBeLessThanOrEqual(PHONE.height)
  })

  it("shows the transcript's newest line on a laptop's screen without scrolling the page", async () => {
    const { page, newest } = await inLongCall(LAPTOP)
    expect(await page.evaluate('window.scrollY')).toBe(0)
    expect((await box(newest)).bottom).toBeLessThanOrEqual(LAPTOP.height)
    const log = await box(page.getByRole('log', { name: 'Transcript' }))
    expect(log.bottom).toBeLessThanOrEqual(LAPTOP.height)
  })

  it('fits a 320 px wide screen (400% zoom) without scrolling sideways', async () => {
    const page = await inLongConference({ width: 320, height: 640 })
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320)
    const call = await page.getByRole('button', { name: 'Call', exact: true }).boundingBox()
    expect((call?.x ?? 0) + (call?.width ?? 0)).toBeLessThanOrEqual(320)
  })

  it('keeps the call bar in the page when the screen is too short for it to stay in view', async () => {
    const bar = (page: Page) =>
      page
        .getByRole('region', { name: 'Your call' })
        .evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).position)
    // 1280x1024 at 400% zoom: a sticky bar would cover most of the page and what has focus.
    expect(await bar(await inLongConference({ width: 320, height: 256 }))).toBe('static')
    expect(await bar(await inLongConference(PHONE))).toBe('sticky')
  })

  it('scrolls what the keyboard moves to clear of the sticky call bar', async () => {
    const page = await inLongConference(PHONE)
    await scrollToBottom(page)
    await expect.poll(() => page.evaluate('window.scrollY')).toBeGreaterThan(0)
    const bar = await box(page.getByRole('region', { name: 'Your call' }))
    // Above the screen now: focus brings it back, below the bar rather than under it.
    const mute = page.getByRole('button', { name: `Mute ${aPhone().phoneNumber}` })
    expect((await box(mute)).bottom).toBeLessThan(bar.bottom)
    await mute.focus()
    expect((await box(mute)).top).toBeGreaterThanOrEqual(bar.bottom)
    // The bar's own buttons are in view wherever the page is: focus leaves the page there.
    await scrollToBottom(page)
    const scrolled = await page.evaluate('window.scrollY')
    await page.getByRole('button', { name: 'Hang up' }).focus()
    expect(await page.evaluate('window.scrollY')).toBe(scrolled)
  })
})
