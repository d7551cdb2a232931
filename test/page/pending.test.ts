/**
 * A button whose request is under way keeps the keyboard focus (aria-disabled, not
 * disabled, which would drop it to the page's top) and ignores presses until it is done;
 * a refused number takes the keyboard back to its field.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { anAgent, aPhone, aRoom, CONFERENCE_ID } from '../../client/src/room/room-fixtures.ts'
import { apiError, CONFERENCE_PATH, type FakeEvents, IDENTITY, ok, type Reply } from './fake-api.ts'
import { enabledStart, focused, pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

const PHONE = aPhone()
const phonePath = `${CONFERENCE_PATH}/participants/${PHONE.callSid}`

/** An answer the test lets go of: until then the request is under way. */
function held(reply: Reply) {
  let release = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  return {
    answer: async () => {
      await released
      return reply
    },
    release,
  }
}

const token = (n: number) =>
  ok({ token: `token-${n}`, identity: IDENTITY, expiresAt: '2026-01-01T11:00:00.000Z' })

/** The element with the keyboard focus says it is busy. */
const focusedIsBusy = (page: Page) =>
  page.evaluate(`document.activeElement?.getAttribute('aria-disabled')`)

async function inConference(page: Page, events: FakeEvents) {
  await startConversation(page)
  await expect.poll(() => events.sockets.length).toBe(1)
  events.send({
    type: 'snapshot',
    room: aRoom({ status: 'in-progress', participants: [anAgent(), PHONE] }),
  })
  await page.getByRole('button', { name: `Mute ${PHONE.phoneNumber}` }).waitFor()
}

describe('a button whose request is under way', () => {
  it("keeps the keyboard on a participant's Mute, and sends one request for two presses", async () => {
    const { page, api, events } = await harness.open()
    const reply = held(ok({ participant: { ...PHONE, muted: true } }))
    api.on('POST', phonePath, reply.answer)
    await inConference(page, events)
    await page.getByRole('button', { name: `Mute ${PHONE.phoneNumber}` }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedIsBusy(page)).toBe('true')
    expect(await focused(page)).toBe(`Mute ${PHONE.phoneNumber}`)
    await page.keyboard.press('Enter')
    reply.release()
    await page.getByRole('button', { name: `Unmute ${PHONE.phoneNumber}` }).waitFor()
    expect(await focused(page)).toBe(`Unmute ${PHONE.phoneNumber}`)
    expect(api.to('POST', phonePath)).toHaveLength(1)
  })

  it('sends one request for a double click on Hold, and Remove keeps the keyboard too', async () => {
    const { page, api, events } = await harness.open()
    const hold = held(ok({ participant: { ...PHONE, hold: true } }))
    const remove = held(ok({ participant: { ...PHONE, status: 'left' } }))
    api.on('POST', phonePath, hold.answer)
    api.on('DELETE', phonePath, remove.answer)
    await inConference(page, events)
    await page.getByRole('button', { name: `Hold ${PHONE.phoneNumber}` }).dblclick()
    hold.release()
    await page.getByRole('button', { name: `Resume ${PHONE.phoneNumber}` }).waitFor()
    expect(api.to('POST', phonePath)).toHaveLength(1)

    await page.getByRole('button', { name: `Remove ${PHONE.phoneNumber}` }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedIsBusy(page)).toBe('true')
    expect(await focused(page)).toBe(`Remove ${PHONE.phoneNumber}`)
    remove.release()
    // The button went with the call: the keyboard's place stays on the row.
    await expect.poll(() => focused(page)).toMatch(/^\+972526722216/)
  })

  it('keeps the keyboard on Start, then gives it to the call that replaces the form', async () => {
    const { page, api } = await harness.open()
    const reply = held(ok({ conferenceId: CONFERENCE_ID, room: aRoom(), warnings: [] }, 201))
    api.on('POST', '/api/twilio/start-conference', reply.answer)
    await enabledStart(page).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedIsBusy(page)).toBe('true')
    expect(await focused(page)).toBe('Starting…')
    await page.keyboard.press('Enter')
    reply.release()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    await expect.poll(() => focused(page)).toBe('Your call')
    expect(api.to('POST', '/api/twilio/start-conference')).toHaveLength(1)
  })

  it('keeps the keyboard on Rejoin while the call comes back', async () => {
    const { page, api } = await harness.open()
    const second = held(token(2))
    api.on('GET', '/api/twilio/token', token(1), second.answer)
    await startConversation(page)
    await page.getByRole('button', { name: 'Hang up' }).click()
    await page.getByRole('button', { name: 'Rejoin' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedIsBusy(page)).toBe('true')
    expect(await focused(page)).toBe('Rejoin')
    second.release()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    await expect.poll(() => focused(page)).toBe('Your call')
  })

  it('keeps the keyboard on End conference for everyone while it ends', async () => {
    const { page, api } = await harness.open()
    const reply = held(ok(aRoom({ status: 'ended' })))
    api.on('DELETE', CONFERENCE_PATH, reply.answer)
    await startConversation(page)
    await page.getByRole('button', { name: 'End conference for everyone' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedIsBusy(page)).toBe('true')
    expect(await focused(page)).toBe('End conference for everyone')
    reply.release()
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    expect(api.to('DELETE', CONFERENCE_PATH)).toHaveLength(1)
  })
})

describe('a number the server refuses', () => {
  it('takes the keyboard back to the number to add, and to the emptied field once dialled', async () => {
    const { page, api, events } = await harness.open()
    const refused = held(apiError(400, 'invalid_phone_number', '12 is not a valid phone number.'))
    api.on(
      'POST',
      `${CONFERENCE_PATH}/participants`,
      refused.answer,
      ok({ participant: aPhone({ status: 'dialing' }) }, 201),
    )
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    const input = page.getByLabel('Phone number, with country code')
    const call = page.getByRole('button', { name: /^(Call|Calling…)$/ })
    await input.fill('12')
    await call.click()
    await expect.poll(() => focusedIsBusy(page)).toBe('true')
    expect(await focused(page)).toBe('Calling…')
    refused.release()
    await page.locator('#dial-error').waitFor()
    await expect.poll(() => page.evaluate(`document.activeElement?.id`)).toBe('dial-number')

    await input.fill('+972-52-6722216')
    await call.click()
    await page.getByRole('listitem').filter({ hasText: 'Calling…' }).waitFor()
    expect(await input.inputValue()).toBe('')
    await expect.poll(() => page.evaluate(`document.activeElement?.id`)).toBe('dial-number')
  })

  it('marks a number not allowed here as the field to correct, and nothing else as it', async () => {
    const { page, api, events } = await harness.open()
    api.on(
      'POST',
      `${CONFERENCE_PATH}/participants`,
      apiError(403, 'dial_not_allowed', 'Calls to +442079460958 are not allowed here.'),
      apiError(409, 'conflict', 'The conference has ended.'),
    )
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    const input = page.getByLabel('Phone number, with country code')
    const call = page.getByRole('button', { name: 'Call', exact: true })
    await input.fill('+44 20 7946 0958')
    await call.click()
    await page.locator('#dial-error').waitFor()
    await expect.poll(() => page.evaluate(`document.activeElement?.id`)).toBe('dial-number')
    expect(await input.getAttribute('aria-invalid')).toBe('true')
    // A refusal about the conference, not the number: shown, the field left as it is.
    await call.click()
    await page.locator('#dial-error').filter({ hasText: 'The conference has ended.' }).waitFor()
    expect(await input.getAttribute('aria-invalid')).toBeNull()
  })

  for (const [status, code, message] of [
    [400, 'invalid_phone_number', '12 is not a valid phone number.'],
    [
      403,
      'dial_not_allowed',
      'Calls to +12 are not allowed here: only numbers starting +44 may be dialled.',
    ],
  ] as const) {
    it(`ties the refusal to the number to call at start, and takes the keyboard there (${code})`, async () => {
      const { page, api } = await harness.open()
      api.on('POST', '/api/twilio/start-conference', apiError(status, code, message))
      const input = page.getByLabel('Phone number to call right away')
      await input.fill('12')
      await page.getByRole('button', { name: 'Start conversation' }).click()
      await page.getByRole('alert').filter({ hasText: message }).waitFor()
      expect(await input.getAttribute('aria-invalid')).toBe('true')
      const describedBy = await input.getAttribute('aria-describedby')
      expect(await page.locator(`#${describedBy}`).textContent()).toBe(message)
      await expect.poll(() => page.evaluate(`document.activeElement?.id`)).toBe('dial-at-start')
      // Being corrected, the number is no longer the one refused.
      await input.fill('+44 20 7946 0958')
      await page.getByRole('alert').filter({ hasText: message }).waitFor({ state: 'detached' })
      expect(await input.getAttribute('aria-invalid')).toBeNull()
    })
  }

  it('leaves the number to call at start alone for a refusal about something else', async () => {
    const { page, api } = await harness.open()
    const message = 'ELEVENLABS_AGENT_ID is not set: add it to .dev.vars, or pass agentId.'
    api.on('POST', '/api/twilio/start-conference', apiError(503, 'not_configured', message))
    const input = page.getByLabel('Phone number to call right away')
    await input.fill('+14155550199')
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('alert').filter({ hasText: message }).waitFor()
    expect(await input.getAttribute('aria-invalid')).toBeNull()
    expect(await focused(page)).toBe('Start conversation')
  })
})
