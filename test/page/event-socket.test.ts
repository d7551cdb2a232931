import { describe, expect, it } from 'vitest'
import { anAgent, anUpdate, aRoom } from '../../client/src/room/room-fixtures.ts'
import { voiceRecord } from './fake-voice.ts'
import { pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

describe('the event socket', () => {
  it('reconnects after a drop while the conference is live, and catches up from the snapshot', async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: aRoom({ status: 'in-progress' }) })
    await events.sockets[0]?.close({ code: 1011, reason: 'restarting' })
    await page.getByText('Live updates were interrupted').waitFor()

    await expect.poll(() => events.sockets.length).toBe(2)
    events.send({
      type: 'snapshot',
      room: aRoom({ status: 'in-progress', participants: [anAgent()] }),
    })
    await page.getByRole('button', { name: 'Mute AI agent' }).waitFor()
    await page.getByText('Live updates were interrupted').waitFor({ state: 'detached' })
  })

  it('stops reconnecting, and shows the conversation ended, once the API no longer has the conference', async () => {
    const { page, api, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: aRoom({ status: 'in-progress' }) })
    // Each refused upgrade is only a drop to the browser; the fake API has no such conference.
    await events.sockets[0]?.close({ code: 1006 })
    await expect.poll(() => events.sockets.length).toBe(2)
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
})
