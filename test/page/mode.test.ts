import { describe, expect, it } from 'vitest'
import type { Health } from '../../client/src/api/wire.ts'
import { FakeApi, ok, READY, type Reply } from './fake-api.ts'
import { focused, pageHarness } from './harness.ts'

const harness = pageHarness()

/** An API whose health check answers READY with `health` over it. */
function answeringHealth(health: Partial<Health>): FakeApi {
  const api = new FakeApi()
  api.on('GET', '/api/health', ok({ ...READY, ...health }))
  return api
}

describe('the mode banner', () => {
  it('lists each missing setting with what it disables, and the warnings', async () => {
    const api = answeringHealth({
      status: 'incomplete',
      missing: [
        { name: 'TWILIO_API_KEY', disables: 'browser access tokens and Twilio REST calls' },
        { name: 'ELEVENLABS_API_KEY', disables: 'connecting the ElevenLabs agent' },
      ],
      warnings: ['APP_ACCESS_KEY is not set: the JSON API is open to anyone.'],
    })
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

  it('tells a setting not set from one set but invalid, and says how to set them', async () => {
    // As the worker reports them: a problem comes with the setting's name first.
    const settings = [
      { name: 'TWILIO_ACCOUNT_SID', present: false },
      {
        name: 'WEBHOOK_BASE_URL',
        present: true,
        problem: 'WEBHOOK_BASE_URL must be the public https:// URL Twilio reaches this worker at',
      },
    ]
    const api = answeringHealth({
      status: 'incomplete',
      missing: [
        { name: 'TWILIO_ACCOUNT_SID', disables: 'every call through Twilio' },
        { name: 'WEBHOOK_BASE_URL', disables: 'Twilio reaching this server' },
      ],
      settings,
    })
    const { page } = await harness.open(api)
    const banner = page.getByRole('region', { name: 'Not configured' })
    await banner.waitFor()
    expect(await banner.locator('.missing li').allTextContents()).toEqual([
      'TWILIO_ACCOUNT_SID: not set. Off until it is set: every call through Twilio.',
      'WEBHOOK_BASE_URL: set but invalid: must be the public https:// URL Twilio reaches this worker at. Off until it is fixed: Twilio reaching this server.',
    ])
    const howTo = await banner.locator('.how-to').textContent()
    expect(howTo).toMatch(/copy \.dev\.vars\.example to \.dev\.vars, fill it in/)
    expect(howTo).toMatch(/restart npm run dev: it reads \.dev\.vars only as it starts/)
    expect(howTo).toMatch(/"Real calls" in the project's README\.md/)
  })

  it('offers no start while a setting every call needs is missing, but only then', async () => {
    const health = (missing: string[], localCalls = false) =>
      answeringHealth({
        status: 'incomplete',
        missing: missing.map((name) => ({ name, disables: 'something' })),
        localCalls,
      })
    const startButton = async (api: FakeApi) => {
      const { page } = await harness.open(api)
      const button = page.getByRole('button', { name: 'Start conversation' })
      await page.getByRole('heading', { name: 'Start a conversation' }).waitFor()
      await page.getByRole('region').first().getByRole('heading').waitFor()
      return { page, button }
    }
    const twilioMissing = await startButton(health(['TWILIO_API_KEY']))
    await expect.poll(() => twilioMissing.button.isDisabled()).toBe(true)
    expect(await twilioMissing.button.getAttribute('aria-describedby')).toBe('start-unavailable')
    expect(await twilioMissing.page.locator('#start-unavailable').textContent()).toBe(
      'A conversation needs the settings listed above first.',
    )
    // A local call does without Twilio; the form takes the agent's id.
    for (const api of [health(['TWILIO_API_KEY'], true), health(['ELEVENLABS_AGENT_ID'])]) {
      const { page, button } = await startButton(api)
      await expect.poll(() => button.isEnabled()).toBe(true)
      expect(await page.locator('#start-unavailable').count()).toBe(0)
    }
  })

  it('offers to read the configuration again when the server could not be reached', async () => {
    const api = new FakeApi()
    let answer = (_reply: Reply) => {}
    const second = new Promise<Reply>((resolve) => {
      answer = resolve
    })
    api.on('GET', '/api/health', { status: 502, body: 'Bad Gateway' }, () => second)
    const { page } = await harness.open(api)
    const failure = page
      .getByRole('alert')
      .filter({ hasText: "Could not read the server's configuration" })
    await failure.waitFor()
    await page.getByRole('button', { name: 'Try again' }).focus()
    await page.keyboard.press('Enter')
    // While it is asked again, the failure and its button stay, the keyboard on it.
    await expect.poll(() => api.to('GET', '/api/health').length).toBe(2)
    await expect.poll(() => focused(page)).toBe('Trying again…')
    expect(await failure.count()).toBe(1)
    answer(ok({ status: 'ok', missing: [], warnings: [] }))
    await page.getByRole('region', { name: 'Ready' }).waitFor()
    // Then the keyboard goes to what came of it.
    await expect.poll(() => focused(page)).toBe('Ready')
  })

  it('says a failure again when the configuration still cannot be read', async () => {
    const api = new FakeApi()
    api.on('GET', '/api/health', { status: 502, body: 'Bad Gateway' })
    const { page } = await harness.open(api)
    const failure = page
      .getByRole('alert')
      .filter({ hasText: "Could not read the server's configuration" })
    await failure.waitFor()
    // Marked, to tell the alert shown now from one put in its place.
    await failure.evaluate((alert) => alert.setAttribute('data-seen', ''))
    await page.getByRole('button', { name: 'Try again' }).click()
    await expect.poll(() => api.to('GET', '/api/health').length).toBe(2)
    await page.getByRole('button', { name: 'Try again', exact: true }).waitFor()
    // A new alert, which a screen reader reads out, not the old one left as it was.
    expect(await failure.count()).toBe(1)
    expect(await failure.getAttribute('data-seen')).toBeNull()
  })

  it('says it is ready when nothing is missing', async () => {
    const { page } = await harness.open()
    await page.getByRole('region', { name: 'Ready' }).waitFor()
    expect(await page.getByRole('region', { name: 'Not configured' }).count()).toBe(0)
  })
})
