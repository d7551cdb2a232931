import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { RoomView } from '../../client/src/api/wire.ts'
import { aBrowser, anAgent, anUpdate, aPhone, aRoom } from '../../client/src/room/room-fixtures.ts'
import { apiError, CONFERENCE_PATH, type FakeEvents, IDENTITY, ok, type Reply } from './fake-api.ts'
import { focused, pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

const AGENT_PATH = `${CONFERENCE_PATH}/agent`
const LEFT = { status: 'ended', speaking: false, reconnects: 0, agentId: 'agent_default' } as const
const leftRoom = (overrides: Partial<RoomView> = {}) =>
  aRoom({
    status: 'in-progress',
    participants: [anAgent({ status: 'left' })],
    agent: {
      ...LEFT,
      error:
        "The agent's maximum conversation length was reached (max_duration_seconds in its settings in ElevenLabs).",
    },
    ...overrides,
  })
/** The room as the route answers it: the agent's new leg on its way. */
const comingBack = aRoom({
  status: 'in-progress',
  participants: [
    anAgent({ status: 'left' }),
    anAgent({ label: 'agent-2', callSid: `CA${'9'.repeat(32)}`, status: 'dialing' }),
  ],
  agent: { status: 'waiting', speaking: false, reconnects: 0, agentId: 'agent_default' },
})

const bringBack = (page: Page) => page.getByRole('button', { name: 'Bring the agent back' })

async function inConference(page: Page, events: FakeEvents, room: RoomView) {
  await startConversation(page)
  await expect.poll(() => events.sockets.length).toBe(1)
  events.send({ type: 'snapshot', room })
}

describe('bringing the agent back', () => {
  it('is offered only once the agent has left a call still going on', async () => {
    const { page, events } = await harness.open()
    await inConference(page, events, aRoom({ status: 'in-progress', participants: [anAgent()] }))
    const panel = page.getByRole('region', { name: 'AI agent' })
    await panel.getByText('Waiting for the call to connect', { exact: true }).waitFor()
    expect(await bringBack(page).count()).toBe(0)

    events.send({ type: 'update', room: anUpdate(leftRoom()) })
    await bringBack(page).waitFor()
    expect(await bringBack(page).count()).toBe(1)

    events.send({
      type: 'update',
      room: anUpdate(leftRoom({ status: 'ended', endedReason: 'everyone left' })),
    })
    await bringBack(page).waitFor({ state: 'detached' })
  })

  it('asks the API, is marked busy meanwhile, then follows the agent back, the focus kept', async () => {
    const { page, api, events } = await harness.open()
    let answer: (reply: Reply) => void = () => undefined
    api.on('POST', AGENT_PATH, () => new Promise<Reply>((resolve) => (answer = resolve)))
    await inConference(page, events, leftRoom())
    await bringBack(page).click()
    await expect.poll(() => bringBack(page).getAttribute('aria-disabled')).toBe('true')
    // A second press while the first is under way sends nothing more (forced: Playwright
    // itself waits for a button marked busy).
    await bringBack(page).click({ force: true })
    expect(api.to('POST', AGENT_PATH)).toHaveLength(1)
    expect(api.to('POST', AGENT_PATH)[0]?.body).toEqual({})

    answer(ok({ room: comingBack }, 201))
    await bringBack(page).waitFor({ state: 'detached' })
    const panel = page.getByRole('region', { name: 'AI agent' })
    await panel.getByText('Waiting for the call to connect', { exact: true }).waitFor()
    expect(await focused(page)).toBe('AI agent')

    events.send({
      type: 'update',
      room: anUpdate({
        ...comingBack,
        agent: { status: 'ready', speaking: false, reconnects: 0, agentId: 'agent_default' },
      }),
    })
    await panel.getByText('Listening', { exact: true }).waitFor()
  })

  it("shows the API's refusal beside the button, which stays for another try", async () => {
    const { page, api, events } = await harness.open()
    const message = 'The agent is on its way into the call already.'
    api.on('POST', AGENT_PATH, apiError(409, 'conflict', message), ok({ room: comingBack }, 201))
    await inConference(page, events, leftRoom())
    await bringBack(page).click()
    const error = page.getByRole('alert').filter({ hasText: message })
    await error.waitFor()
    expect(await bringBack(page).getAttribute('aria-describedby')).toBe(
      await error.getAttribute('id'),
    )
    expect(await bringBack(page).getAttribute('aria-disabled')).toBeNull()
    expect(await focused(page)).toBe('Bring the agent back')

    await bringBack(page).click()
    await bringBack(page).waitFor({ state: 'detached' })
    expect(await error.count()).toBe(0)
  })

  it('is not offered once the host hung up, the conference ending with its call', async () => {
    const { page, api, events } = await harness.open()
    api.startsWith(
      leftRoom({
        endsWithHost: true,
        hostLabel: `web-${IDENTITY}`,
        participants: [anAgent({ status: 'left' }), aBrowser(IDENTITY), aPhone()],
      }),
    )
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    await bringBack(page).waitFor()
    // The end's answer held: Twilio's conference ended with the host's leg all the same, and
    // a new agent leg would open a new, empty one of its name.
    await page.route(`**${CONFERENCE_PATH}`, () => {})
    await page.getByRole('button', { name: 'Hang up and end the call for everyone' }).click()
    await page.getByRole('status').filter({ hasText: 'Ending the conversation…' }).waitFor()
    expect(await bringBack(page).count()).toBe(0)
    // Nor is a dial, or a phone's controls: the room's end would hang them up.
    expect(await page.getByRole('button', { name: 'Call', exact: true }).count()).toBe(0)
    expect(await page.getByRole('button', { name: /^(Mute|Remove)/ }).count()).toBe(0)
  })
})
