/**
 * What every browser test file shares: the built page on a local server,
 * one Chromium per file, and a fresh tab per test with the fake API, the fake
 * event socket and the fake Voice SDK installed before the page loads.
 */
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { type ServedPage, serveBuiltPage } from './built-page.ts'
import { type Browser, launchChromium } from './chromium.ts'
import { FakeApi, FakeEvents } from './fake-api.ts'
import { installFakeVoice } from './fake-voice.ts'

export interface OpenedPage {
  page: Page
  api: FakeApi
  events: FakeEvents
}

/** Registers the file's hooks; `open` loads the page in a new tab. */
export function pageHarness() {
  let served: ServedPage | undefined
  let browser: Browser | undefined
  const pages: Page[] = []

  beforeAll(async () => {
    ;[served, browser] = await Promise.all([serveBuiltPage(), launchChromium()])
  })
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()))
  })
  afterAll(async () => {
    await browser?.close()
    await served?.close()
  })

  return {
    assets: () => served?.assets() ?? [],
    async open(api = new FakeApi()): Promise<OpenedPage> {
      if (!browser || !served) throw new Error('the harness did not start')
      const page = await browser.context.newPage()
      pages.push(page)
      page.setDefaultTimeout(5000)
      const events = new FakeEvents()
      await installFakeVoice(page)
      await api.install(page)
      await events.install(page)
      await page.goto(served.url)
      return { page, api, events }
    },
  }
}

/** Starts a conversation from the form and waits until the page's call is connected. */
export async function startConversation(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Start conversation' }).click()
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
}

/**
 * The Start button once it can be used: it is disabled until the server's health has answered,
 * and a test that focuses it before then leaves the keyboard on the page's body, where Enter
 * does nothing. `click()` waits for a button to be enabled; `focus()` does not.
 */
export const enabledStart = (page: Page) =>
  page.getByRole('button', { name: 'Start conversation', disabled: false })

/** What has the keyboard focus: its accessible label, or its text. */
export const focused = (page: Page): Promise<string | undefined> =>
  // A string, as the page's DOM types are not this file's.
  page.evaluate(
    `(() => {
      const e = document.activeElement
      const by = e?.getAttribute('aria-labelledby')
      const labelledBy = by ? document.getElementById(by)?.textContent?.trim() : undefined
      return labelledBy ?? e?.getAttribute('aria-label') ?? e?.textContent?.trim()
    })()`,
  )
