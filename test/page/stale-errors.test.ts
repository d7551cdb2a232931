/**
 * An error shown stays only while it still holds: a request that could not reach the
 * server, until live updates come back; anything about the call, until it has ended.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { aBrowser, anAgent, anUpdate, aPhone, aRoom } from '../../client/src/room/room-fixtures.ts'
import { IDENTITY } from './fake-api.ts'
import { playCallEvent } from './fake-voice.ts'
import { pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

const PHONE = aPhone()
const live = () =>
  aRoom({ status: 'in-progress', participants: [anAgent(), aBrowser(IDENTITY), PHONE] })
const UNREACHABLE = 'Could not reach the server'

/** The page's requests fail as with no network; the returned function brings it back. */
async function offline(page: Page) {
  const refuse = (route: { abort(code: string): Promise<void> }) =>
    route.abort('internetdisconnected')
  await page.route('**/api/**', refuse)
  return () => page.unroute('**/api/**', refuse)
}

describe('errors that no longer hold', () => {
  it("takes a row's failure to reach the server away once live updates come back", async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: live() })
    const online = await offline(page)
    await page.getByRole('button', { name: `Mute ${PHONE.phoneNumber}` }).click()
    const alert = page.getByRole('alert').filter({ hasText: UNREACHABLE })
    await alert.waitFor()
    await online()
    await events.sockets[0]?.close({ code: 1006 })
    await expect.poll(() => events.sockets.length, { timeout: 5000 }).toBe(2)
    events.send({ type: 'snapshot', room: live() })
    await alert.waitFor({ state: 'detached' })
  })

  it("says nothing more of the call's lost connection, or a failed Rejoin, once the conversation ended", async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: live() })
    const lost = 'The connection to Twilio failed or was lost (Twilio error 31003)'
    await playCallEvent(page, { type: 'reconnecting' })
    await playCallEvent(page, { type: 'error', message: lost })
    await playCallEvent(page, { type: 'disconnected' })
    await page.getByRole('alert').filter({ hasText: lost }).waitFor()
    const online = await offline(page)
    await page.getByRole('button', { name: 'Rejoin' }).click()
    await page.getByRole('alert').filter({ hasText: UNREACHABLE }).waitFor()
    await online()
    events.send({ type: 'update', room: anUpdate(aRoom({ ...live(), status: 'ended' })) })
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    await expect.poll(() => page.getByRole('alert').count()).toBe(0)
  })
})
