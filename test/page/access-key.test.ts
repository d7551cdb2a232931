import { describe, expect, it } from 'vitest'
import { accessProtocol } from '../../worker/routes/access-protocol.ts'
import { FakeApi } from './fake-api.ts'
import { expireToken } from './fake-voice.ts'
import { pageHarness, startConversation } from './harness.ts'

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
    await form.getByText('This API needs the access key').waitFor()
    await form.getByLabel('Access key').fill('wrong')
    await form.getByRole('button', { name: 'Continue' }).click()
    await form.getByText('The access key is wrong').waitFor()
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
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([key])
    expect(await form.count()).toBe(0)
  })

  it('leaves the request failed with the server message when the person cancels', async () => {
    const api = new FakeApi()
    api.lockWith('k3y')
    const { page } = await harness.open(api)
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('alert').filter({ hasText: 'This API needs the access key' }).waitFor()
    expect(api.to('POST', '/api/twilio/start-conference')).toHaveLength(0)
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
