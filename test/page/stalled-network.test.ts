/**
 * A network that stalls rather than fails: requests that never answer. Leaving the call
 * never waits on one, and every request gives up in time, saying what it may have done.
 */
import { describe, expect, it } from 'vitest'
import { REQUEST_TIMEOUT_MS } from '../../client/src/api/api-client.ts'
import { START_UNANSWERED } from '../../client/src/api/conference-api.ts'
import { pageHarness } from './harness.ts'

const harness = pageHarness()

describe('a stalled network', () => {
  it('gives up on a start the server does not answer, saying it may have started anyway', async () => {
    const { page } = await harness.open()
    await page.clock.install()
    let starts = 0
    await page.route('**/api/twilio/start-conference', () => {
      starts++
    })
    const start = page.getByRole('button', { name: 'Start conversation' })
    await start.click()
    await page.getByRole('button', { name: 'Starting…' }).waitFor()
    await page.clock.fastForward(REQUEST_TIMEOUT_MS)
    await page.getByRole('alert').filter({ hasText: START_UNANSWERED }).waitFor()
    await start.waitFor()
    expect(starts).toBe(1)
  })
})
