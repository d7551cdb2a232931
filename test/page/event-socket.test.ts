import { describe, expect, it } from 'vitest'
import { DEAD_AFTER_PINGS, reconnectDelay } from '../../client/src/room/room-events.ts'
import { anAgent, anUpdate, aRoom, CONFERENCE_ID } from '../../client/src/room/room-fixtures.ts'
import { LIVENESS_PING, LIVENESS_PING_MS } from '../../worker/conference/event-liveness.ts'
import { accessProtocol } from '../../worker/routes/access-protocol.ts'
import { apiError, CONFERENCE_PATH, ok } from './fake-api.ts'
import { voiceRecord } from './fake-voice.ts'
import { pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

describe('the event socket', () => {
  it('reconnects after a drop while the conference is live, and catches up from the snapshot', async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: aRoom({ status: 'in-progress' }) })
    // The live region is there before its words: a screen reader reads out what changes in
    // a region, and may not read one that arrives with its text.
    const notice = page.locator('.call-bar .notice[role="status"]').nth(1)
    expect(await notice.textContent()).toBe('')
    await events.sockets[0]?.close({ code: 1011, reason: 'restarting' })
    await page.getByText('Live updates were interrupted').waitFor()
    expect(await notice.textContent()).toBe('Live updates were interrupted; reconnecting…')

    await expect.poll(() => events.sockets.length, { timeout: 5000 }).toBe(2)
    events.send({
      type: 'snapshot',
      room: aRoom({ status: 'in-progress', participants: [anAgent()] }),
    })
    await page.getByRole('button', { name: 'Mute AI agent' }).waitFor()
    await page.getByText('Live updates were interrupted').waitFor({ state: 'detached' })
  })

  it('stops reconnecting, and shows the conversation ended, once the API no longer has the conference', async () => {
    const { page, api, events } = await harness.open()
    api.on('GET', CONFERENCE_PATH, apiError(404, 'not_found', 'No such conference.'))
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: aRoom({ status: 'in-progress' }) })
    // Each refused upgrade is only a drop to the browser; the API has no such conference.
    await events.sockets[0]?.close({ code: 1006 })
    await expect.poll(() => events.sockets.length, { timeout: 5000 }).toBe(2)
    await events.sockets[1]?.close({ code: 1006 })
    await page
      .getByRole('status')
      .filter({ hasText: 'Conversation ended (the server no longer keeps its record).' })
      .waitFor()
    await page.getByRole('button', { name: 'New conversation' }).waitFor()
    expect(
      api.requests.filter((r) => r.method === 'GET' && /conferences\/[^/]+$/.test(r.path)),
    ).toHaveLength(1)
    await page.waitForTimeout(1500)
    expect(events.sockets).toHaveLength(2)
  })

  it('asks for the access key once when the look-up needs it, then offers to give it', async () => {
    const { page, api, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: aRoom({ status: 'in-progress' }) })
    // The server's key changed mid-call: the socket and the look-up are refused.
    api.lockWith('k3y-rotated')
    api.on('GET', `/api/twilio/conferences/${CONFERENCE_ID}`, ok(aRoom({ status: 'in-progress' })))
    await events.sockets[0]?.close({ code: 1006 })
    await expect.poll(() => events.sockets.length, { timeout: 5000 }).toBe(2)
    await events.sockets[1]?.close({ code: 1006 })
    const form = page.getByRole('form', { name: 'Access key needed' })
    await form.getByRole('button', { name: 'Cancel' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: 'Live updates need the access key.' })
      .waitFor()
    // Declined: later drops do not raise the prompt again.
    await expect.poll(() => events.sockets.length, { timeout: 10_000 }).toBe(3)
    await events.sockets[2]?.close({ code: 1006 })
    await page.waitForTimeout(300)
    expect(await form.count()).toBe(0)
    await page.getByRole('button', { name: 'Enter the access key' }).click()
    await form.getByLabel('Access key').fill('k3y-rotated')
    await form.getByRole('button', { name: 'Continue' }).click()
    await expect.poll(() => events.sockets.length, { timeout: 10_000 }).toBe(4)
    expect(events.sockets[3]?.protocols()).toEqual(['bridge.v1', accessProtocol('k3y-rotated')])
    events.send({ type: 'snapshot', room: aRoom({ status: 'in-progress' }) })
    await page.getByText('Live updates need the access key.').waitFor({ state: 'detached' })
  })

  it("ends the page's call when an update says the conference ended", async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({
      type: 'update',
      room: anUpdate(aRoom({ status: 'ended', endedReason: 'the host left' })),
    })
    await page
      .getByRole('status')
      .filter({ hasText: 'Conversation ended (the host left).' })
      .waitFor()
    await page.getByRole('button', { name: 'New conversation' }).waitFor()
    // The page hangs up in an effect, which may run a frame after the ended view is painted.
    await expect.poll(async () => (await voiceRecord(page))?.hangUps).toBe(1)
  })

  it('pings the room, and replaces a socket that stops answering', async () => {
    const { page, events } = await harness.open()
    await page.clock.install()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: aRoom({ status: 'in-progress' }) })
    await page.clock.runFor(LIVENESS_PING_MS)
    await expect.poll(() => events.received[0]).toEqual([LIVENESS_PING])
    // The network goes without a word: the browser keeps the socket open, nothing comes.
    events.answersPings = false
    await page.clock.runFor(LIVENESS_PING_MS * (DEAD_AFTER_PINGS + 1))
    await page.getByText('Live updates were interrupted').waitFor()
    await page.clock.runFor(reconnectDelay(0))
    await expect.poll(() => events.sockets.length).toBe(2)
  })

  it('opens a new socket at once when the browser is back online', async () => {
    const { page, events } = await harness.open()
    await page.clock.install()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: aRoom({ status: 'in-progress' }) })
    await page.evaluate(`dispatchEvent(new Event('online'))`)
    await expect.poll(() => events.sockets.length).toBe(2)
  })
})
