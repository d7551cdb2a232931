import { describe, expect, it } from 'vitest'
import { FakeApi, ok } from './fake-api.ts'
import { pageHarness } from './harness.ts'

const harness = pageHarness()

describe('the mode banner', () => {
  it('lists each missing setting with what it disables, and the warnings', async () => {
    const api = new FakeApi()
    api.on(
      'GET',
      '/api/health',
      ok({
        status: 'incomplete',
        missing: [
          { name: 'TWILIO_API_KEY', disables: 'browser access tokens and Twilio REST calls' },
          { name: 'ELEVENLABS_API_KEY', disables: 'connecting the ElevenLabs agent' },
        ],
        warnings: ['APP_ACCESS_KEY is not set: the JSON API is open to anyone.'],
      }),
    )
    const { page } = await harness.open(api)
    const banner = page.getByRole('region', { name: 'Not configured' })
    await banner.waitFor()
    // Nothing works without them, so they are not folded away.
    expect(await banner.locator('.missing li').first().isVisible()).toBe(true)
    const missing = await banner.locator('.missing li').allTextContents()
    expect(missing).toEqual([
      expect.stringMatching(/^TWILIO_API_KEY.*browser access tokens and Twilio REST calls/),
      expect.stringMatching(/^ELEVENLABS_API_KEY.*connecting the ElevenLabs agent/),
    ])
    // The warnings are for the server's operator: folded, and named with their count.
    const warnings = banner.locator('.warnings li').first()
    expect(await warnings.isVisible()).toBe(false)
    await banner.getByText('One warning for whoever runs this server').click()
    expect(await warnings.isVisible()).toBe(true)
    expect(await banner.getByRole('list', { name: 'Warnings' }).textContent()).toContain(
      'APP_ACCESS_KEY is not set',
    )
  })

  it('offers to read the configuration again when the server could not be reached', async () => {
    const api = new FakeApi()
    api.on(
      'GET',
      '/api/health',
      { status: 502, body: 'Bad Gateway' },
      ok({ status: 'ok', missing: [], warnings: [] }),
    )
    const { page } = await harness.open(api)
    await page
      .getByRole('alert')
      .filter({ hasText: "Could not read the server's configuration" })
      .waitFor()
    await page.getByRole('button', { name: 'Try again' }).click()
    await page.getByRole('region', { name: 'Ready' }).waitFor()
    expect(api.to('GET', '/api/health')).toHaveLength(2)
  })

  it('says it is ready when nothing is missing', async () => {
    const { page } = await harness.open()
    await page.getByRole('region', { name: 'Ready' }).waitFor()
    expect(await page.getByRole('region', { name: 'Not configured' }).count()).toBe(0)
  })
})
