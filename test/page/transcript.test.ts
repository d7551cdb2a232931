import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { RoomView, TranscriptEntry } from '../../client/src/api/wire.ts'
import {
  aBrowser,
  aLine,
  anAgent,
  aRoom,
  CONFERENCE_ID,
} from '../../client/src/room/room-fixtures.ts'
import { apiError, CONFERENCE_PATH, FakeApi, IDENTITY, ok } from './fake-api.ts'
import { type OpenedPage, pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

const TRANSCRIPT_PATH = `${CONFERENCE_PATH}/transcript`
/** The call's every line: the person's and the agent's in turn, a second apart. */
const wholeCall = (count: number): TranscriptEntry[] =>
  Array.from({ length: count }, (_, seq) =>
    aLine({
      seq,
      role: seq % 2 === 0 ? 'user' : 'agent',
      text: `line ${seq}`,
      at: new Date(Date.parse('2026-01-01T10:00:00.000Z') + seq * 1000).toISOString(),
    }),
  )
/** The room as the page sees it: the newest 200 of `lines`. */
const roomWith = (lines: TranscriptEntry[], overrides: Partial<RoomView> = {}) =>
  aRoom({
    status: 'in-progress',
    participants: [aBrowser(IDENTITY), anAgent()],
    transcript: lines.slice(-200),
    ...overrides,
  })

async function showRoom({ page, events }: OpenedPage, room: RoomView): Promise<void> {
  await startConversation(page)
  await expect.poll(() => events.sockets.length).toBe(1)
  events.send({ type: 'snapshot', room })
}

const notice = (page: Page) => page.getByText(/^Earlier lines: \d+ not shown\./)
const downloadButton = (page: Page) =>
  page.getByRole('button', { name: 'Download the whole transcript' })

/** Presses the download button from the keyboard; the file the browser was given. */
async function downloadByKeyboard(page: Page) {
  await downloadButton(page).focus()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.keyboard.press('Enter'),
  ])
  const path = await download.path()
  return { name: download.suggestedFilename(), text: await readFile(path, 'utf8') }
}

describe('the whole transcript', () => {
  it('says how many earlier lines are not shown, above the transcript, and not as news', async () => {
    const opened = await harness.open()
    await showRoom(opened, roomWith(wholeCall(612)))
    const { page } = opened
    await notice(page).waitFor()
    expect(await notice(page).textContent()).toMatch(/^Earlier lines: 412 not shown\./)
    // Above the log, in the transcript's region, and in no live region.
    const transcript = page.getByRole('region', { name: 'Transcript' })
    expect(await transcript.getByText(/^Earlier lines/).count()).toBe(1)
    // A string, as the page's DOM types are not this file's.
    const placed = await page.evaluate(
      `(() => {
        const notice = [...document.querySelectorAll('p')].find((p) =>
          p.textContent.startsWith('Earlier lines'),
        )
        const log = document.querySelector('[role="log"]')
        return {
          live: Boolean(notice.closest('[aria-live]:not([aria-live="off"]), [role="alert"], [role="status"]')),
          beforeLog: Boolean(log.compareDocumentPosition(notice) & Node.DOCUMENT_POSITION_PRECEDING),
        }
      })()`,
    )
    expect(placed).toEqual({ live: false, beforeLog: true })
  })

  it('says nothing of earlier lines while the transcript shows them all', async () => {
    const opened = await harness.open()
    await showRoom(opened, roomWith(wholeCall(200)))
    await opened.page.getByRole('log').getByText('line 199').waitFor()
    expect(await notice(opened.page).count()).toBe(0)
    expect(await downloadButton(opened.page).count()).toBe(0)
  })

  it('downloads every line as a text file named for the conference and its day, with the access key', async () => {
    const key = 'k3y-for-the-page'
    const api = new FakeApi()
    api.lockWith(key)
    api.on('GET', TRANSCRIPT_PATH, ok({ conferenceId: CONFERENCE_ID, transcript: wholeCall(612) }))
    const opened = await harness.open(api)
    const { page, events } = opened
    await page.getByRole('button', { name: 'Start conversation' }).click()
    const form = page.getByRole('form', { name: 'Access key needed' })
    await form.getByLabel('Access key').fill(key)
    await form.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: roomWith(wholeCall(612)) })

    const file = await downloadByKeyboard(page)
    expect(file.name).toBe(`transcript-${CONFERENCE_ID}-2026-01-01.txt`)
    const lines = file.text.trimEnd().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^Conference ${CONFERENCE_ID}, 2026-01-01 \\d\\d:00:00$`))
    expect(lines.slice(2)).toHaveLength(612)
    expect(lines[2]).toMatch(/^\d\d:00:00 You: line 0$/)
    expect(lines.at(-1)).toMatch(/^\d\d:10:11 Agent: line 611$/)
    expect(api.to('GET', TRANSCRIPT_PATH).map((r) => r.authorization)).toEqual([`Bearer ${key}`])
  })

  it('downloads it once the conference has ended too', async () => {
    const api = new FakeApi()
    api.on('GET', TRANSCRIPT_PATH, ok({ conferenceId: CONFERENCE_ID, transcript: wholeCall(300) }))
    const opened = await harness.open(api)
    await showRoom(opened, roomWith(wholeCall(300)))
    const { page, events } = opened
    await notice(page).waitFor()
    events.send({
      type: 'snapshot',
      room: roomWith(wholeCall(300), { status: 'ended', endedReason: 'it was ended for everyone' }),
    })
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    const file = await downloadByKeyboard(page)
    expect(file.text.trimEnd().split('\n').slice(2)).toHaveLength(300)
  })

  it('says why the download failed, beside its button', async () => {
    const api = new FakeApi()
    api.on(
      'GET',
      TRANSCRIPT_PATH,
      apiError(404, 'not_found', 'No such conference, or its record has been freed.'),
    )
    const opened = await harness.open(api)
    await showRoom(opened, roomWith(wholeCall(300)))
    const { page } = opened
    await downloadButton(page).click()
    const alert = page.getByRole('alert').filter({ hasText: 'its record has been freed' })
    await alert.waitFor()
    expect(await downloadButton(page).getAttribute('aria-describedby')).toBe('download-error')
  })
})
