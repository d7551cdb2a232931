import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { FakeApi, ok, READY } from './fake-api.ts'
import { pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

describe('the start form', () => {
  it('keeps the agent id folded under More options, below Start, and sends it when given', async () => {
    const { page, api } = await harness.open()
    const start = page.getByRole('button', { name: 'Start conversation' })
    const more = page.getByText('More options')
    const agentId = page.getByLabel('ElevenLabs agent id, if not the default')
    await start.waitFor()
    expect(await agentId.isVisible()).toBe(false)
    const [startBox, moreBox] = [await start.boundingBox(), await more.boundingBox()]
    expect(moreBox?.y).toBeGreaterThan((startBox?.y ?? Number.POSITIVE_INFINITY) + 1)

    await more.click()
    await agentId.fill('agent_custom')
    await startConversation(page)
    expect(api.to('POST', '/api/twilio/start-conference').map((r) => r.body)).toEqual([
      { agentId: 'agent_custom' },
    ])
  })

  it('asks for the agent id in the open when the server has no default agent', async () => {
    const api = new FakeApi()
    api.on(
      'GET',
      '/api/health',
      ok({
        ...READY,
        status: 'incomplete',
        missing: [{ name: 'ELEVENLABS_AGENT_ID', disables: 'the default agent' }],
      }),
    )
    const { page } = await harness.open(api)
    const agentId = page.getByLabel('ElevenLabs agent id (this server has no default agent)')
    await expect.poll(() => agentId.isVisible()).toBe(true)
  })

  it('says when another tab of the page is on a call, until that call ends', async () => {
    const inOtherTab = (page: Page) =>
      page.getByRole('status').filter({ hasText: 'This page is on a call in another tab' })
    const first = await harness.open()
    const second = await harness.open()
    await second.page.getByRole('button', { name: 'Start conversation' }).waitFor()
    expect(await inOtherTab(second.page).count()).toBe(0)
    await startConversation(first.page)
    await inOtherTab(second.page).waitFor()
    // A tab opened during the call asks, and is told.
    const third = await harness.open()
    await inOtherTab(third.page).waitFor()
    await first.page.getByRole('button', { name: 'Hang up' }).click()
    await first.page.getByRole('status').filter({ hasText: 'You left' }).waitFor()
    await inOtherTab(second.page).waitFor({ state: 'detached' })
    await inOtherTab(third.page).waitFor({ state: 'detached' })
  })

  it('stops saying so when the tab on the call crashes, which says nothing', async () => {
    const inOtherTab = (page: Page) =>
      page.getByRole('status').filter({ hasText: 'This page is on a call in another tab' })
    const first = await harness.open()
    const second = await harness.open()
    await startConversation(first.page)
    await inOtherTab(second.page).waitFor()
    const devtools = await first.page.context().newCDPSession(first.page)
    // The renderer dies at once: no pagehide, no message. (The command gets no answer.)
    void devtools.send('Page.crash').catch(() => undefined)
    // Its lock goes with it; the others look again every few seconds.
    await inOtherTab(second.page).waitFor({ state: 'detached', timeout: 10_000 })
  })
})
