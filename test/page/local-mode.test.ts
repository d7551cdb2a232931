import { describe, expect, it } from 'vitest'
import type { Health } from '../../client/src/api/wire.ts'
import { anAgent, aRoom, CONFERENCE_ID } from '../../client/src/room/room-fixtures.ts'
import { FakeApi, ok, type Reply } from './fake-api.ts'
import { audioStates, interruptAudio, setMicrophone, unplugMicrophone } from './fake-voice.ts'
import { pageHarness } from './harness.ts'

const harness = pageHarness()

/** `npm run dev` without Twilio, with the local agent. */
const LOCAL: Health = {
  status: 'incomplete',
  missing: [{ name: 'TWILIO_AUTH_TOKEN', disables: 'checking Twilio signatures' }],
  warnings: [],
  localCalls: true,
  settings: [{ name: 'ELEVENLABS_API_BASE', present: true }],
}

const localRoom = aRoom({
  local: true,
  status: 'in-progress',
  participants: [
    {
      label: 'web-local',
      kind: 'browser',
      status: 'joined',
      muted: false,
      hold: false,
      speaking: false,
    },
  ],
})

function localApi(): FakeApi {
  const api = new FakeApi()
  api.on('GET', '/api/health', ok(LOCAL))
  api.on(
    'POST',
    '/api/local/conversations',
    ok(
      { conferenceId: CONFERENCE_ID, streamToken: 'one-time', room: localRoom, warnings: [] },
      201,
    ),
  )
  return api
}

describe('local calls (no Twilio)', () => {
  it('say so, name what phone calls still need, and ask for no phone number', async () => {
    const { page } = await harness.open(localApi())
    const banner = page.getByRole('region', { name: 'Local calls' })
    await banner.waitFor()
    // First in plain words, as the local agent is (devtools/dev/plan.ts, LOCAL_AGENT).
    expect(await banner.locator('p').first().textContent()).toBe(
      'No phone service is set up, so you can talk only with a test agent on this computer. It greets you with a few tones, then plays back what you said (up to 5 seconds); it does not understand speech.',
    )
    // How it works is for developers: folded.
    const howItWorks = banner.getByText(/your microphone is streamed to the conference/)
    expect(await howItWorks.isVisible()).toBe(false)
    await banner.getByText('How local calls work, for developers').click()
    expect(await howItWorks.textContent()).toMatch(/The agent is the one at ELEVENLABS_API_BASE/)
    // Folded: local calls work without them, and a started call must not sit below them.
    const missing = banner.locator('.missing li')
    expect(await missing.first().isVisible()).toBe(false)
    await banner.getByText('Phone calls need Twilio: one setting to add').click()
    expect(await missing.first().isVisible()).toBe(true)
    expect(await missing.allTextContents()).toEqual([expect.stringMatching(/^TWILIO_AUTH_TOKEN/)])
    expect(await page.getByLabel('Phone number to call right away').count()).toBe(0)
    // Each fold's toggle is a target of at least 24 px (WCAG 2.5.8).
    const toggles = await page
      .locator('summary')
      .evaluateAll((all) => all.map((toggle) => toggle.getBoundingClientRect().height))
    expect(toggles.length).toBeGreaterThanOrEqual(3)
    for (const height of toggles) expect(height).toBeGreaterThanOrEqual(24)
  })

  it('keep in view a missing setting that local calls need too', async () => {
    const api = localApi()
    api.on(
      'GET',
      '/api/health',
      ok({
        ...LOCAL,
        missing: [
          ...LOCAL.missing,
          { name: 'ELEVENLABS_API_KEY', disables: 'connecting the ElevenLabs agent' },
        ],
      }),
    )
    const { page } = await harness.open(api)
    const banner = page.getByRole('region', { name: 'Local calls' })
    await banner.waitFor()
    expect(await banner.getByText('ELEVENLABS_API_KEY').isVisible()).toBe(true)
    expect(await banner.getByText('TWILIO_AUTH_TOKEN').isVisible()).toBe(false)
    expect(await banner.getByText('Phone calls need Twilio: one setting to add').count()).toBe(1)
  })

  it('say plainly when there is no microphone, before starting anything', async () => {
    const api = localApi()
    const { page } = await harness.open(api)
    await page.getByRole('region', { name: 'Local calls' }).waitFor()
    await setMicrophone(page, 'NotFoundError')
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('alert').filter({ hasText: 'No microphone was found' }).waitFor()
    expect(api.to('POST', '/api/local/conversations')).toEqual([])
  })

  it('start without Twilio, and say plainly when the microphone fails once started', async () => {
    const api = localApi()
    const { page } = await harness.open(api)
    await page.getByRole('region', { name: 'Local calls' }).waitFor()
    await page.getByText('More options').click()
    await page.getByLabel('ElevenLabs agent id').fill('agent_mine')
    await page.getByRole('button', { name: 'Start conversation' }).click()
    // The fake microphone is an empty stream, with no track to play from: the call fails.
    await page.getByRole('status').filter({ hasText: 'Could not connect your call.' }).waitFor()
    expect(await page.getByRole('alert').textContent()).toMatch(/The microphone is not available/)
    expect(api.to('POST', '/api/local/conversations')[0]?.body).toEqual({ agentId: 'agent_mine' })
    expect(api.to('GET', '/api/twilio/token')).toEqual([])
    expect(api.to('POST', '/api/twilio/start-conference')).toEqual([])
    expect(await page.getByRole('listitem').filter({ hasText: 'You' }).count()).toBe(1)
    expect(await page.getByRole('form', { name: 'Add someone by phone' }).count()).toBe(0)
    expect(await page.getByText('adding someone by phone needs Twilio').count()).toBe(1)
    // One way on: its room is ended, and the form is back to try again.
    expect(await page.getByRole('button', { name: 'End conference for everyone' }).count()).toBe(0)
    await page.getByRole('button', { name: 'Start over' }).click()
    await page.getByRole('button', { name: 'Start conversation' }).waitFor()
    await expect
      .poll(() => api.to('DELETE', `/api/twilio/conferences/${CONFERENCE_ID}`).length)
      .toBe(1)
  })

  it("leave the next conversation's call alone when the last one's end is answered late", async () => {
    const api = localApi()
    const next = 'conf-fedcba9876543210'
    api.on(
      'POST',
      '/api/local/conversations',
      ok({ conferenceId: CONFERENCE_ID, streamToken: 'one', room: localRoom, warnings: [] }, 201),
      ok({ conferenceId: next, streamToken: 'two', room: localRoom, warnings: [] }, 201),
    )
    let answer = (_reply: Reply) => {}
    api.on(
      'DELETE',
      `/api/twilio/conferences/${CONFERENCE_ID}`,
      () => new Promise<Reply>((resolve) => (answer = resolve)),
    )
    const { page } = await harness.open(api)
    await page.routeWebSocket('**/api/local/media-stream/**', () => {})
    await page.getByRole('region', { name: 'Local calls' }).waitFor()
    // The first call fails (an empty microphone); Start over ends its room, slowly.
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('button', { name: 'Start over' }).click()
    await setMicrophone(page, 'live')
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    answer(ok(aRoom({ ...localRoom, status: 'ended', endedReason: 'it was ended for everyone' })))
    await expect
      .poll(() => api.to('DELETE', `/api/twilio/conferences/${CONFERENCE_ID}`).length)
      .toBe(1)
    // Long enough for the late answer to have been taken, had it hung up.
    await page.waitForTimeout(300)
    expect(await page.getByRole('status').filter({ hasText: 'Connected' }).count()).toBe(1)
    expect(await page.getByRole('button', { name: 'Hang up' }).count()).toBe(1)
  })

  /** A local call under way, with a live microphone and a quiet stream, as the room's. */
  async function inLocalCall(api = localApi()) {
    const { page } = await harness.open(api)
    await page.routeWebSocket('**/api/local/media-stream/**', () => {})
    await page.getByRole('region', { name: 'Local calls' }).waitFor()
    await setMicrophone(page, 'live')
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    return page
  }

  it('say an agent that is unavailable leaves nothing to talk to: a local call has nobody else', async () => {
    const { page, events } = await harness.open(localApi())
    await page.routeWebSocket('**/api/local/media-stream/**', () => {})
    await setMicrophone(page, 'live')
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await expect.poll(() => events.sockets.length).toBe(1)
    const agent = { ...localRoom.agent, status: 'unavailable' as const, error: 'It hung up.' }
    events.send({ type: 'snapshot', room: { ...localRoom, agent } })
    const panel = page.getByRole('region', { name: 'AI agent' })
    await panel.getByText('Unavailable; start a new conversation', { exact: true }).waitFor()
    expect(await panel.getByText(/goes on without it/).count()).toBe(0)
  })

  it('end their room when hung up before the stream started, which would not end it', async () => {
    const api = localApi()
    const { page } = await harness.open(api)
    // The local call's code is loaded when the call starts: held, the call stays connecting.
    let load = () => {}
    const loading = new Promise<void>((resolve) => (load = resolve))
    await page.route('**/assets/local-device-*.js', async (route) => {
      await loading
      await route.continue()
    })
    await page.routeWebSocket('**/api/local/media-stream/**', () => {})
    await page.getByRole('region', { name: 'Local calls' }).waitFor()
    await setMicrophone(page, 'live')
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('status').filter({ hasText: 'Connecting…' }).waitFor()
    await page.getByRole('button', { name: 'Hang up' }).click()
    await expect
      .poll(() => api.to('DELETE', `/api/twilio/conferences/${CONFERENCE_ID}`).length)
      .toBe(1)
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    load()
  })

  it('leave ending a started call to its room: the stream closing ends it', async () => {
    const api = localApi()
    const page = await inLocalCall(api)
    await page.getByRole('button', { name: 'Hang up' }).click()
    await page.getByRole('status').filter({ hasText: 'Hanging up…' }).waitFor()
    expect(api.to('DELETE', `/api/twilio/conferences/${CONFERENCE_ID}`)).toEqual([])
  })

  it('end, saying why, when the microphone is unplugged mid-call', async () => {
    const page = await inLocalCall()
    await unplugMicrophone(page)
    await page.getByRole('alert').filter({ hasText: 'The microphone was disconnected.' }).waitFor()
    expect(await page.getByRole('button', { name: 'Hang up' }).count()).toBe(0)
  })

  it('take the audio back when the browser stops it', async () => {
    const page = await inLocalCall()
    await interruptAudio(page)
    await expect.poll(() => audioStates(page)).toContain('running')
  })

  it('are not mistaken for Twilio calls by a click before the health check answers', async () => {
    const api = localApi()
    let answer = (_reply: Reply) => {}
    api.on('GET', '/api/health', () => new Promise<Reply>((resolve) => (answer = resolve)))
    const { page } = await harness.open(api)
    const start = page.getByRole('button', { name: 'Start conversation' })
    await expect.poll(() => api.to('GET', '/api/health').length).toBe(1)
    expect(await start.isDisabled()).toBe(true)
    answer(ok(LOCAL))
    await page.getByRole('region', { name: 'Local calls' }).waitFor()
    await start.click()
    await expect.poll(() => api.to('POST', '/api/local/conversations').length).toBe(1)
    expect(api.to('GET', '/api/twilio/token')).toEqual([])
  })

  it('offer no Twilio controls for the agent: muting or removing it needs Twilio', async () => {
    const api = localApi()
    const withAgent = aRoom({
      ...localRoom,
      participants: [...localRoom.participants, anAgent()],
    })
    api.on(
      'POST',
      '/api/local/conversations',
      ok({ conferenceId: CONFERENCE_ID, streamToken: 't', room: withAgent, warnings: [] }, 201),
    )
    const { page } = await harness.open(api)
    await page.getByRole('region', { name: 'Local calls' }).waitFor()
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('listitem').filter({ hasText: 'AI agent' }).waitFor()
    const agent = page.getByRole('listitem').filter({ hasText: 'AI agent' })
    expect(await agent.getByRole('button').count()).toBe(0)
  })
})
