import { describe, expect, it } from 'vitest'
import { accessProtocol } from '../../worker/routes/access-protocol.ts'
import { FakeApi } from './fake-api.ts'
import { expireToken } from './fake-voice.ts'
import { enabledStart, focused, pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

describe('the access key', () => {
  it('is asked for on a 401, kept for the tab, and sent on every call and the event socket', async () => {
    // As `openssl rand -base64` makes them: `/`, `+` and `=` may not appear in a subprotocol
    // as they are, and the browser's WebSocket constructor throws on one that holds them.
    const key = 'q1/Zr+8w=='
    const api = new FakeApi()
    api.lockWith(key)
    const { page, events } = await harness.open(api)
    await page.getByRole('button', { name: 'Start conversation' }).click()

    const form = page.getByRole('form', { name: 'Access key needed' })
    await form.getByText('This server asks for its access key').waitFor()
    await form.getByLabel('Access key').fill('wrong')
    await form.getByRole('button', { name: 'Continue' }).click()
    await form.getByRole('alert').filter({ hasText: 'That access key was not accepted' }).waitFor()
    await form.getByLabel('Access key').fill(key)
    await form.getByRole('button', { name: 'Continue' }).click()

    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    expect(api.to('GET', '/api/twilio/token').map((r) => r.authorization)).toEqual([
      undefined,
      'Bearer wrong',
      `Bearer ${key}`,
    ])
    expect(api.to('POST', '/api/twilio/start-conference').map((r) => r.authorization)).toEqual([
      `Bearer ${key}`,
    ])
    await expect.poll(() => events.sockets.length).toBe(1)
    expect(events.sockets[0]?.protocols()).toEqual(['bridge.v1', accessProtocol(key)])
    // Kept for the tab, under its own name (the conversation is kept beside it, keyless).
    expect(await page.evaluate(() => ({ ...sessionStorage }) as Record<string, string>)).toEqual({
      'conference-bridge.access-key': key,
      'conference-bridge.conversation': expect.not.stringContaining(key),
    })
    expect(await form.count()).toBe(0)
  })

  it('says a wrong key is wrong, in words of its own, tied to the field', async () => {
    const api = new FakeApi()
    api.lockWith('k3y')
    const { page } = await harness.open(api)
    await page.getByRole('button', { name: 'Start conversation' }).click()
    const form = page.getByRole('form', { name: 'Access key needed' })
    const field = form.getByLabel('Access key')
    await field.waitFor()
    expect(await field.getAttribute('aria-invalid')).toBeNull()
    await field.fill('wrong')
    await form.getByRole('button', { name: 'Continue' }).click()
    const alert = form.getByRole('alert')
    await alert.waitFor()
    expect(await field.getAttribute('aria-invalid')).toBe('true')
    expect(await field.getAttribute('aria-describedby')).toContain('access-key-error')
    expect(await form.locator('#access-key-error').textContent()).toBe(await alert.textContent())
    // The server's words are for API clients: a header and a setting the person never sees.
    expect(await page.locator('main').textContent()).not.toMatch(/APP_ACCESS_KEY|Bearer/)
  })

  it('leaves the request failed when the person cancels, the keyboard back where it was', async () => {
    const api = new FakeApi()
    api.lockWith('k3y')
    const { page } = await harness.open(api)
    await enabledStart(page).focus()
    await page.keyboard.press('Enter')
    const form = page.getByRole('form', { name: 'Access key needed' })
    await form.getByLabel('Access key').fill('wrong')
    await form.getByRole('button', { name: 'Continue' }).click()
    await form.getByRole('alert').waitFor()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('alert').filter({ hasText: 'Not done without the access key' }).waitFor()
    await expect.poll(() => focused(page)).toBe('Start conversation')
    // Declined, not wrong: nothing on the page says the key was wrong.
    expect(
      await page
        .getByRole('alert')
        .filter({ hasText: /wrong|not accepted/ })
        .count(),
    ).toBe(0)
    expect(await page.locator('main').textContent()).not.toMatch(/APP_ACCESS_KEY|Bearer/)
    expect(api.to('POST', '/api/twilio/start-conference')).toHaveLength(0)
    // Asked again, the prompt does not open by calling the declined key wrong.
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await form.getByLabel('Access key').waitFor()
    expect(await form.getByRole('alert').count()).toBe(0)
  })

  it('is not asked for again by the call when the person declined it mid-call', async () => {
    const { page, api } = await harness.open()
    await page.clock.install()
    await startConversation(page)
    // The server's key changes mid-call; the token's renewal meets the prompt, declined.
    api.lockWith('n3w-k3y')
    await expireToken(page)
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('alert').filter({ hasText: "Renewing the call's access" }).waitFor()
    const asked = api.to('GET', '/api/twilio/token').length
    // Past the renewal's next tries: none is made, so the prompt does not come back.
    await page.clock.fastForward(60_000)
    expect(api.to('GET', '/api/twilio/token')).toHaveLength(asked)
    expect(await page.getByRole('form', { name: 'Access key needed' }).count()).toBe(0)
  })

  it('is not asked for when the API is open', async () => {
    const { page, api } = await harness.open()
    await startConversation(page)
    expect(api.requests.every((r) => r.authorization === undefined)).toBe(true)
    expect(await page.getByRole('form', { name: 'Access key needed' }).count()).toBe(0)
  })
})
