/**
 * A call that drops may have taken the conference with it (the host's does) and the live
 * updates with it (the same network): the page asks the API before it says the
 * conversation is still on, and before it rejoins.
 */
import { describe, expect, it } from 'vitest'
import { UNKNOWN_AFTER_DROP } from '../../client/src/components/call-bar-state.ts'
import { aBrowser, anAgent, aPhone, aRoom } from '../../client/src/room/room-fixtures.ts'
import { apiError, CONFERENCE_PATH, IDENTITY, ok } from './fake-api.ts'
import { playCallEvent, voiceRecord } from './fake-voice.ts'
import { pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

const live = (overrides: Parameters<typeof aRoom>[0] = {}) =>
  aRoom({
    status: 'in-progress',
    participants: [anAgent(), aBrowser(IDENTITY), aPhone()],
    ...overrides,
  })
const hosted = () => live({ endsWithHost: true, hostLabel: `web-${IDENTITY}` })
const endedByHost = () => aRoom({ ...hosted(), status: 'ended', endedReason: 'the host left' })

const dropCall = async (page: Parameters<typeof playCallEvent>[0]) => {
  await playCallEvent(page, { type: 'reconnecting' })
  await playCallEvent(page, { type: 'disconnected' })
}

describe('a call that drops', () => {
  it("shows the host's conversation ended when the API says so, the live updates silent, with no Rejoin", async () => {
    const { page, api, events } = await harness.open()
    await page.clock.install()
    api.startsWith(hosted())
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: hosted() })
    // Twilio ended the conference with the host's leg; the room's update never came.
    api.on('GET', CONFERENCE_PATH, ok(endedByHost()))
    await dropCall(page)
    await page
      .getByRole('status')
      .filter({ hasText: 'Conversation ended (the host left).' })
      .waitFor()
    await page.clock.fastForward(2500)
    expect(await page.getByRole('button', { name: 'Rejoin' }).count()).toBe(0)
  })

  it('does not rejoin a conference that ended meanwhile, and says it ended', async () => {
    const { page, api, events } = await harness.open()
    api.startsWith(live())
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    await dropCall(page)
    await page.getByRole('status').filter({ hasText: 'the conference goes on' }).waitFor()
    api.on(
      'GET',
      CONFERENCE_PATH,
      ok(aRoom({ ...live(), status: 'ended', endedReason: 'the host left' })),
    )
    await page.getByRole('button', { name: 'Rejoin' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: 'Conversation ended (the host left).' })
      .waitFor()
    expect((await voiceRecord(page))?.connects).toHaveLength(1)
  })

  it('does not say the conversation is still on when neither the live updates nor the API can tell', async () => {
    const { page, api, events } = await harness.open()
    await page.clock.install()
    api.startsWith(hosted())
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'snapshot', room: hosted() })
    api.on('GET', CONFERENCE_PATH, apiError(503, 'unavailable', 'Try again.'))
    await events.sockets[0]?.close({ code: 1006 })
    await page.getByText('Live updates were interrupted').waitFor()
    await dropCall(page)
    await page.clock.fastForward(2500)
    await page.getByRole('status').filter({ hasText: UNKNOWN_AFTER_DROP }).waitFor()
    expect(await page.getByText('still on:').count()).toBe(0)
  })
})
