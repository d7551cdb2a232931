import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { ParticipantView } from '../../client/src/api/wire.ts'
import { anAgent, anUpdate, aPhone, aRoom } from '../../client/src/room/room-fixtures.ts'
import { apiError, CONFERENCE_PATH, type FakeEvents, ok } from './fake-api.ts'
import { focused, pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

const PHONE = aPhone()
const AGENT = anAgent()
const phonePath = `${CONFERENCE_PATH}/participants/${PHONE.callSid}`
const agentPath = `${CONFERENCE_PATH}/participants/${AGENT.callSid}`

/** Starts a conversation whose room has the agent and a phone caller joined. */
async function inConference(page: Page, events: FakeEvents) {
  await startConversation(page)
  await expect.poll(() => events.sockets.length).toBe(1)
  events.send({
    type: 'snapshot',
    room: aRoom({ status: 'in-progress', participants: [AGENT, PHONE] }),
  })
  await page.getByRole('button', { name: `Mute ${PHONE.phoneNumber}` }).waitFor()
}

const participant = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Participants' }).getByRole('listitem').filter({ hasText: name })

describe('adding a phone participant', () => {
  it("shows the server's validation message next to the input, then dials", async () => {
    const { page, api, events } = await harness.open()
    const message = '12 is not a valid phone number.'
    api.on(
      'POST',
      `${CONFERENCE_PATH}/participants`,
      apiError(400, 'invalid_phone_number', message),
      ok({ participant: aPhone({ status: 'dialing' }) }, 201),
    )
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    const input = page.getByLabel('Phone number, with country code')

    await input.fill('12')
    await page.getByRole('button', { name: 'Call', exact: true }).click()
    await page.locator('#dial-error').filter({ hasText: message }).waitFor()
    expect(await input.getAttribute('aria-invalid')).toBe('true')
    expect(await input.getAttribute('aria-describedby')).toBe('dial-error')

    // Corrected, the number is no longer the one refused.
    await input.fill('+972-52-6722216')
    await page.locator('#dial-error').waitFor({ state: 'detached' })
    expect(await input.getAttribute('aria-invalid')).toBeNull()
    await page.getByRole('button', { name: 'Call', exact: true }).click()
    await participant(page, '+972526722216').getByText('Calling…').waitFor()
    expect(await input.inputValue()).toBe('')
    expect(await page.locator('#dial-error').count()).toBe(0)
    expect(api.to('POST', `${CONFERENCE_PATH}/participants`).map((r) => r.body)).toEqual([
      { phoneNumber: '12' },
      { phoneNumber: '+972-52-6722216' },
    ])

    events.send({ type: 'update', room: anUpdate(aRoom({ participants: [aPhone()] })) })
    await participant(page, '+972526722216').getByText('Joined').waitFor()
  })

  it('shows a number as people read it, grouped, where the server gives one', async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    const phone = aPhone({ displayNumber: '+972 52 672 2216' })
    events.send({ type: 'snapshot', room: aRoom({ participants: [AGENT, phone] }) })
    await page.getByRole('button', { name: 'Mute +972 52 672 2216' }).waitFor()
    expect(await participant(page, '+972 52 672 2216').count()).toBe(1)
  })

  it('shows a failed call with its reason', async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({
      type: 'snapshot',
      room: aRoom({ participants: [aPhone({ status: 'failed', error: 'no answer' })] }),
    })
    await participant(page, '+972526722216').getByText('Failed: no answer').waitFor()
  })
})

describe('participant controls', () => {
  it('mutes and unmutes a phone participant by its CallSid', async () => {
    const { page, api, events } = await harness.open()
    api.on(
      'POST',
      phonePath,
      ok({ participant: { ...PHONE, muted: true } }),
      ok({ participant: PHONE }),
    )
    await inConference(page, events)
    await page.getByRole('button', { name: `Mute ${PHONE.phoneNumber}` }).click()
    await participant(page, '+972526722216').getByText('muted').waitFor()
    await page.getByRole('button', { name: `Unmute ${PHONE.phoneNumber}` }).click()
    await page.getByRole('button', { name: `Mute ${PHONE.phoneNumber}` }).waitFor()
    expect(api.to('POST', phonePath).map((r) => r.body)).toEqual([
      { muted: true },
      { muted: false },
    ])
  })

  it('puts a phone participant on hold', async () => {
    const { page, api, events } = await harness.open()
    api.on('POST', phonePath, ok({ participant: { ...PHONE, hold: true } }))
    await inConference(page, events)
    await page.getByRole('button', { name: `Hold ${PHONE.phoneNumber}` }).click()
    await participant(page, '+972526722216').getByText('on hold').waitFor()
    expect(api.to('POST', phonePath).map((r) => r.body)).toEqual([{ hold: true }])
    // Once they have left, the row no longer says they are held.
    const left = { ...PHONE, hold: true, muted: true, status: 'left' } as const
    events.send({ type: 'update', room: anUpdate(aRoom({ participants: [AGENT, left] })) })
    await participant(page, '+972526722216').getByText('Left').waitFor()
    expect(await participant(page, '+972526722216').locator('.badge').count()).toBe(0)
  })

  /**
   * A conversation whose room has the agent and a phone whose call failed; a dial answers
   * with `dialled`. Presses the failed row's "Call again" and returns what was dialled.
   */
  async function callAgain(failed: ParticipantView, dialled: ParticipantView) {
    const { page, api, events } = await harness.open()
    api.on('POST', `${CONFERENCE_PATH}/participants`, ok({ participant: dialled }, 201))
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({
      type: 'snapshot',
      room: aRoom({ status: 'in-progress', participants: [AGENT, failed] }),
    })
    await page.getByRole('button', { name: `Call again ${failed.phoneNumber}` }).click()
    await expect
      .poll(() => api.to('POST', `${CONFERENCE_PATH}/participants`).map((r) => r.body))
      .toEqual([{ phoneNumber: failed.phoneNumber }])
    return page
  }

  it('calls a phone that was busy again with one press, and offers it no more while it rings', async () => {
    const again = aPhone({ label: 'phone-2', callSid: `CA${'8'.repeat(32)}`, status: 'dialing' })
    const page = await callAgain(aPhone({ status: 'failed', error: 'busy' }), again)
    await page.getByText('Calling…').waitFor()
    // The number is being called: the failed call's row offers it no more.
    expect(await page.getByRole('button', { name: /^Call again/ }).count()).toBe(0)
  })

  it('calls a phone that hung up or dropped again with one press, but not one removed', async () => {
    const again = aPhone({ label: 'phone-2', callSid: `CA${'8'.repeat(32)}`, status: 'dialing' })
    const page = await callAgain(aPhone({ status: 'left' }), again)
    await page.getByText('Calling…').waitFor()
    expect(await page.getByRole('button', { name: /^Call again/ }).count()).toBe(0)

    const { page: other, events } = await harness.open()
    await inConference(other, events)
    const removed = { ...PHONE, status: 'left', removed: true } as const
    events.send({ type: 'update', room: anUpdate(aRoom({ participants: [AGENT, removed] })) })
    await participant(other, '+972526722216').getByText('Removed').waitFor()
    expect(await other.getByRole('button', { name: /^Call again/ }).count()).toBe(0)
  })

  it('calls again a number whose dial Twilio refused, which has no call of its own', async () => {
    const { callSid: _none, ...refused } = aPhone({ status: 'failed', error: 'the dial failed' })
    await callAgain(refused, aPhone())
  })

  it('removes a phone participant', async () => {
    const { page, api, events } = await harness.open()
    // As the server answers a removal: left, by someone's doing.
    api.on('DELETE', phonePath, ok({ participant: { ...PHONE, status: 'left', removed: true } }))
    await inConference(page, events)
    await page.getByRole('button', { name: `Remove ${PHONE.phoneNumber}` }).click()
    await participant(page, '+972526722216').getByText('Removed').waitFor()
    expect(api.to('DELETE', phonePath)).toHaveLength(1)
    // The button went with the call: the keyboard's place stays on the row.
    await expect.poll(() => focused(page)).toMatch(/^\+972526722216/)
  })

  it('calls off a phone that is still ringing', async () => {
    const { page, api, events } = await harness.open()
    const ringing = { ...PHONE, status: 'ringing' as const }
    api.on(
      'DELETE',
      phonePath,
      ok({
        participant: {
          ...PHONE,
          status: 'failed',
          error: 'called off before they answered',
          removed: true,
        },
      }),
    )
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({
      type: 'snapshot',
      room: aRoom({ status: 'in-progress', participants: [AGENT, ringing] }),
    })
    const row = participant(page, '+972526722216')
    // Not in the conference yet: nothing to mute or hold, only a call to stop.
    expect(await row.getByRole('button', { name: /^Mute/ }).count()).toBe(0)
    await page.getByRole('button', { name: `Cancel call to ${PHONE.phoneNumber}` }).click()
    // Called off, as the person meant: not shown, nor said, as a call that failed.
    await row.getByText('Called off', { exact: true }).waitFor()
    expect(await row.getAttribute('class')).not.toMatch(/status-failed/)
    expect(api.to('DELETE', phonePath)).toHaveLength(1)
    // "Call again" took the place of the button pressed: the keyboard's place stays on the row.
    await row.getByRole('button', { name: `Call again ${PHONE.phoneNumber}` }).waitFor()
    await expect.poll(() => focused(page)).toMatch(/^\+972526722216/)
  })

  it('tells a screen reader who rings, joins and fails, as it happens', async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    const spoken = page.getByRole('region', { name: 'Participants' }).getByRole('status')
    const other = aPhone({
      label: 'phone-2',
      callSid: `CA${'2'.repeat(32)}`,
      phoneNumber: '+15551234567',
    })
    events.send({
      type: 'snapshot',
      room: aRoom({
        status: 'in-progress',
        participants: [AGENT, { ...PHONE, status: 'ringing' }],
      }),
    })
    await participant(page, PHONE.phoneNumber ?? '')
      .getByText('Ringing')
      .waitFor()
    await expect
      .poll(() => spoken.textContent())
      // The agent's leg joining is its panel's to say, when its conversation is ready.
      .toBe(`${PHONE.phoneNumber} is ringing.`)
    events.send({
      type: 'update',
      room: anUpdate(
        aRoom({
          status: 'in-progress',
          participants: [AGENT, PHONE, { ...other, status: 'failed', error: 'busy' }],
        }),
      ),
    })
    await expect
      .poll(() => spoken.textContent())
      .toBe(`${PHONE.phoneNumber} joined. +15551234567 could not be reached (busy).`)
  })

  it('tells a screen reader who is muted, held, unmuted and resumed, whoever did it', async () => {
    const { page, events } = await harness.open()
    await inConference(page, events)
    const spoken = page.getByRole('region', { name: 'Participants' }).getByRole('status')
    const says = async (participants: ParticipantView[], words: string) => {
      events.send({
        type: 'update',
        room: anUpdate(aRoom({ status: 'in-progress', participants })),
      })
      await expect.poll(() => spoken.textContent()).toBe(words)
    }
    const name = PHONE.phoneNumber
    await says([AGENT, { ...PHONE, muted: true }], `${name} muted.`)
    await says([AGENT, { ...PHONE, muted: true, hold: true }], `${name} on hold.`)
    await says(
      [
        { ...AGENT, muted: true },
        { ...PHONE, hold: true },
      ],
      `AI agent muted. ${name} unmuted.`,
    )
    await says([{ ...AGENT, muted: true }, PHONE], `${name} resumed.`)
  })

  it('leaves the keyboard where it is when someone hangs up on their own', async () => {
    const { page, events } = await harness.open()
    await inConference(page, events)
    await page.evaluate('document.activeElement?.blur()')
    events.send({
      type: 'update',
      room: anUpdate(
        aRoom({ status: 'in-progress', participants: [AGENT, { ...PHONE, status: 'left' }] }),
      ),
    })
    await participant(page, '+972526722216').getByText('Left').waitFor()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await focused(page)).not.toMatch(/^\+972526722216/)
  })

  it('silences the agent by muting it, and offers no hold for it', async () => {
    const { page, api, events } = await harness.open()
    api.on('POST', agentPath, ok({ participant: { ...AGENT, muted: true } }))
    await inConference(page, events)
    await page.getByRole('button', { name: 'Mute AI agent' }).click()
    await participant(page, 'AI agent').getByText('muted').waitFor()
    expect(api.to('POST', agentPath).map((r) => r.body)).toEqual([{ muted: true }])
    expect(await page.getByRole('button', { name: 'Hold AI agent' }).count()).toBe(0)
  })

  it("shows the server's refusal in the participant's row", async () => {
    const { page, api, events } = await harness.open()
    const message = 'Twilio has not started this conference yet; try again in a moment.'
    api.on('POST', phonePath, apiError(409, 'conflict', message))
    await inConference(page, events)
    await page.getByRole('button', { name: `Mute ${PHONE.phoneNumber}` }).click()
    await participant(page, '+972526722216')
      .getByRole('alert')
      .filter({ hasText: message })
      .waitFor()
  })
})
