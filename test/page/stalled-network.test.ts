/**
 * A network that stalls rather than fails: requests that never answer. Leaving the call
 * never waits on one, and every request gives up in time, saying what it may have done.
 */
import { describe, expect, it } from 'vitest'
import { REQUEST_TIMEOUT_MS, UNANSWERED } from '../../client/src/api/api-client.ts'
import { START_UNANSWERED } from '../../client/src/api/conference-api.ts'
import { HOST_LEFT_END_FAILED } from '../../client/src/components/call-bar-state.ts'
import { aBrowser, anAgent, aPhone, aRoom } from '../../client/src/room/room-fixtures.ts'
import { CONFERENCE_PATH, IDENTITY } from './fake-api.ts'
import { voiceRecord } from './fake-voice.ts'
import { pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

/** This page hosts the conference, run with END_CONFERENCE_ON_HOST_EXIT, a phone on it. */
const hosted = () =>
  aRoom({
    status: 'in-progress',
    endsWithHost: true,
    hostLabel: `web-${IDENTITY}`,
    participants: [anAgent(), aBrowser(IDENTITY), aPhone()],
  })

describe('a stalled network', () => {
  it("hangs the host's call up at once while ending the conference waits, and says when that failed", async () => {
    const { page, api, events } = await harness.open()
    await page.clock.install()
    api.startsWith(hosted())
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    // The end for everyone is sent and never answered.
    await page.route(`**${CONFERENCE_PATH}`, () => {})
    await page.getByRole('button', { name: 'Hang up and end the call for everyone' }).click()
    await expect.poll(async () => (await voiceRecord(page))?.hangUps).toBe(1)
    await page.getByRole('status').filter({ hasText: 'Ending the conversation…' }).waitFor()
    expect(await page.getByRole('button', { name: 'Mute microphone' }).count()).toBe(0)

    await page.clock.fastForward(REQUEST_TIMEOUT_MS)
    await page.getByRole('alert').filter({ hasText: UNANSWERED }).waitFor()
    await page.getByRole('status').filter({ hasText: HOST_LEFT_END_FAILED }).waitFor()
    // Ending it again is offered, and nothing to rejoin: the host's leaving ends it.
    await page.getByRole('button', { name: 'End conference for everyone' }).waitFor()
    expect(await page.getByRole('button', { name: 'Rejoin' }).count()).toBe(0)
  })

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
