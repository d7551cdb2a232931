import { describe, expect, it } from 'vitest'
import { REQUEST_TIMEOUT_MS, UNANSWERED } from '../../client/src/api/api-client.ts'
import {
  aBrowser,
  aLine,
  anAgent,
  anUpdate,
  aPhone,
  aRoom,
  CONFERENCE_ID,
} from '../../client/src/room/room-fixtures.ts'
import { apiError, CONFERENCE_PATH, IDENTITY, ok } from './fake-api.ts'
import {
  expireToken,
  holdAccept,
  playCallEvent,
  playDeviceError,
  setMicrophone,
  voiceRecord,
} from './fake-voice.ts'
import { focused, pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

/** A conference in full swing: you, the agent speaking, a muted phone caller. */
const liveRoom = () =>
  aRoom({
    status: 'in-progress',
    participants: [
      aBrowser(IDENTITY),
      anAgent({ speaking: true }),
      aPhone({ muted: true, speaking: true }),
    ],
    agent: { status: 'ready', speaking: true, reconnects: 0, agentId: 'agent_default' },
  })

describe('a conversation', () => {
  it('starts a conference and connects the Device to it with { params: { conferenceId } }', async () => {
    const { page, api } = await harness.open()
    await page.getByText('More options').click()
    await page.getByLabel('Agent id').fill('agent_custom')
    await page.getByLabel('Phone number to call right away').fill('+44 20 7946 0958')
    await startConversation(page)
    expect(api.to('POST', '/api/twilio/start-conference').map((r) => r.body)).toEqual([
      { agentId: 'agent_custom', phoneNumber: '+44 20 7946 0958' },
    ])
    const voice = await voiceRecord(page)
    expect(voice?.tokens).toEqual(['token-1'])
    expect(voice?.connects).toEqual([{ conferenceId: CONFERENCE_ID }])
    // The form is gone: the keyboard's place is the call that replaced it, which a screen
    // reader's list of headings names too.
    await expect.poll(() => focused(page)).toBe('Your call')
    expect(await page.getByRole('heading', { name: 'Your call' }).count()).toBe(1)
  })

  it('shows the participants, the agent and the transcript from the event socket', async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({
      type: 'snapshot',
      room: aRoom({ transcript: [aLine({ seq: 0, role: 'user', text: 'Hi there', eventId: 1 })] }),
    })
    events.send({ type: 'update', room: anUpdate(liveRoom()) })
    const reply = aLine({ seq: 1, text: 'Hello, I can help with tha', eventId: 2 })
    events.send({ type: 'transcript', entry: reply })
    events.send({
      type: 'transcript',
      entry: { ...reply, text: 'Hello, I can help.', corrected: true, interrupted: true },
    })

    const participants = page.getByRole('list', { name: 'Participants' }).getByRole('listitem')
    await participants.nth(2).waitFor()
    expect(await participants.allInnerTexts()).toEqual([
      expect.stringMatching(/You\s+Joined/),
      expect.stringMatching(/AI agent\s+Joined\s+speaking/),
      expect.stringMatching(/\+972526722216\s+Joined\s+muted\s+speaking/),
    ])
    const agentPanel = page.getByRole('region', { name: 'AI agent' })
    await agentPanel.getByText('Speaking').waitFor()
    // Shown, not read out: it flips with every turn, over the conversation.
    expect(await agentPanel.getByRole('status').textContent()).toBe('AI agent: listening')
    const lines = page.getByRole('log').getByRole('listitem')
    await expect
      .poll(() => lines.allInnerTexts())
      .toEqual([
        expect.stringMatching(/Caller\s+Hi there/),
        expect.stringMatching(/Agent\s+Hello, I can help\. \(corrected\) \(interrupted\)/),
      ])
  })

  it('shows why the agent is unavailable', async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    const agent = {
      status: 'unavailable',
      speaking: false,
      reconnects: 3,
      error: 'The agent socket kept closing.',
    } as const
    events.send({
      type: 'snapshot',
      room: aRoom({
        agent: { ...agent, agentId: 'agent_default' },
        participants: [aBrowser(IDENTITY), anAgent()],
      }),
    })
    const panel = page.getByRole('region', { name: 'AI agent' })
    await panel.getByText('The agent socket kept closing.', { exact: true }).waitFor()
    // Said with whose state it is, and why.
    expect(await panel.getByRole('status').textContent()).toBe(
      'AI agent: unavailable; the call goes on without it. The agent socket kept closing.',
    )
    // Its leg is in Twilio's conference, but nobody answers there: not shown as joined.
    const row = page
      .getByRole('list', { name: 'Participants' })
      .getByRole('listitem')
      .filter({ hasText: 'AI agent' })
    expect(await row.textContent()).toMatch(/AI agent\s*Unavailable/)
    expect(await row.getAttribute('class')).toMatch(/status-failed/)
  })

  it("calls the people's lines yours until someone else joins, and anyone's from then on", async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    const ringing = aPhone({ status: 'ringing' })
    const early = aLine({
      seq: 0,
      role: 'user',
      text: 'Is anyone there?',
      at: '2026-12-07T10:00:00.000Z',
    })
    const alone = aRoom({
      status: 'in-progress',
      participants: [aBrowser(IDENTITY), anAgent(), ringing],
      transcript: [early],
    })
    events.send({ type: 'snapshot', room: alone })
    const lines = page.getByRole('log').getByRole('listitem')
    await expect
      .poll(() => lines.allInnerTexts())
      .toEqual([expect.stringMatching(/^You\s+Is anyone there\?/)])
    const joined = { ...ringing, status: 'joined' as const, joinedAt: '2026-12-07T10:00:05.000Z' }
    events.send({
      type: 'update',
      room: anUpdate({ ...alone, participants: [aBrowser(IDENTITY), anAgent(), joined] }),
    })
    const later = aLine({
      seq: 1,
      role: 'user',
      text: 'Hello both',
      at: '2026-12-07T10:00:09.000Z',
    })
    events.send({ type: 'transcript', entry: later })
    // What was said before they joined stays the person's own.
    await expect
      .poll(() => lines.allInnerTexts())
      .toEqual([
        expect.stringMatching(/^You\s+Is anyone there\?/),
        expect.stringMatching(/^Caller\s+Hello both/),
      ])
  })

  it('reads new transcript lines aloud only when asked, a catch-up counted, a correction not news', async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    // Each saying added as an element of its own to a polite live region.
    const sayings = page.locator('#lines-said[aria-live="polite"] > p')
    const said = sayings.last()
    // Not a live region itself: the call's audio already says every line.
    expect(await page.getByRole('log').getAttribute('aria-live')).toBe('off')
    const greeting = aLine({ seq: 0, role: 'agent', text: 'Hello there.' })
    events.send({ type: 'snapshot', room: aRoom({ transcript: [greeting] }) })
    const lines = page.getByRole('log').getByRole('listitem')
    await expect.poll(() => lines.count()).toBe(1)
    events.send({ type: 'transcript', entry: aLine({ seq: 1, role: 'user', text: 'Hi.' }) })
    await expect.poll(() => lines.count()).toBe(2)
    expect(await sayings.count()).toBe(0)

    const readAloud = page.getByRole('checkbox', { name: 'Read new lines aloud' })
    await readAloud.check()
    const reply = aLine({ seq: 2, role: 'agent', text: 'How can I help?' })
    events.send({ type: 'transcript', entry: reply })
    await expect.poll(() => said.textContent()).toBe('Agent: How can I help?')
    events.send({ type: 'transcript', entry: { ...reply, interrupted: true } })
    events.send({ type: 'transcript', entry: aLine({ seq: 3, role: 'user', text: 'Thanks.' }) })
    await expect.poll(() => said.textContent()).toBe('You: Thanks.')
    // Said again, the same words are news again.
    events.send({ type: 'transcript', entry: aLine({ seq: 4, role: 'user', text: 'Thanks.' }) })
    await expect
      .poll(() => sayings.allTextContents())
      .toEqual(['Agent: How can I help?', 'You: Thanks.', 'You: Thanks.'])
    // Many lines at once (the events socket catching up) are counted, not read one by one.
    const catchUp = Array.from({ length: 6 }, (_, n) =>
      aLine({ seq: 5 + n, role: n % 2 ? 'user' : 'agent', text: `Line ${n}` }),
    )
    events.send({ type: 'snapshot', room: aRoom({ transcript: [greeting, ...catchUp] }) })
    await expect.poll(() => said.textContent()).toBe('6 new lines in the transcript.')

    // The choice is the browser's: another page of it keeps it, until it is turned off.
    const other = await harness.open()
    await startConversation(other.page)
    const there = other.page.getByRole('checkbox', { name: 'Read new lines aloud' })
    expect(await there.isChecked()).toBe(true)
    await there.uncheck()
    const third = await harness.open()
    await startConversation(third.page)
    expect(
      await third.page.getByRole('checkbox', { name: 'Read new lines aloud' }).isChecked(),
    ).toBe(false)
  })

  it("says the agent's state is the agent's, not the person's call's", async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    const agent = { ...aRoom().agent, status: 'connecting' } as const
    events.send({ type: 'snapshot', room: aRoom({ agent }) })
    const panel = page.getByRole('region', { name: 'AI agent' })
    await expect.poll(() => panel.getByRole('status').textContent()).toBe('AI agent: connecting')
  })

  it('mutes the microphone through the call, a toggle that says whether it is on', async () => {
    const { page } = await harness.open()
    await startConversation(page)
    const mute = page.getByRole('button', { name: 'Mute microphone' })
    expect(await mute.getAttribute('aria-pressed')).toBe('false')
    await mute.click()
    await expect.poll(() => mute.getAttribute('aria-pressed')).toBe('true')
    await mute.click()
    await expect.poll(() => mute.getAttribute('aria-pressed')).toBe('false')
    expect((await voiceRecord(page))?.mutes).toEqual([true, false])
  })

  it('renews the access token for the same identity when the SDK says it will expire', async () => {
    const { page, api } = await harness.open()
    await startConversation(page)
    await expireToken(page)
    await expect.poll(async () => (await voiceRecord(page))?.tokenUpdates).toEqual(['token-2'])
    expect(api.to('GET', '/api/twilio/token').map((r) => r.search)).toEqual([
      '',
      `?identity=${IDENTITY}`,
    ])
  })

  it('tries a failed token renewal again, without troubling the person', async () => {
    const { page, api } = await harness.open()
    const token = (n: number) =>
      ok({ token: `token-${n}`, identity: IDENTITY, expiresAt: '2026-01-01T11:00:00.000Z' })
    api.on(
      'GET',
      '/api/twilio/token',
      token(1),
      apiError(503, 'upstream_error', 'The network blinked.'),
      token(3),
    )
    await page.clock.install()
    await startConversation(page)
    await expireToken(page)
    await expect.poll(() => api.to('GET', '/api/twilio/token').length).toBe(2)
    // The page arms its retry once it has read the failure, which the test cannot see (the
    // request is recorded before it is answered): time moves on until the retry comes.
    await expect
      .poll(
        async () => {
          await page.clock.runFor(1000)
          return api.to('GET', '/api/twilio/token').length
        },
        { timeout: 10_000 },
      )
      .toBe(3)
    await expect.poll(async () => (await voiceRecord(page))?.tokenUpdates).toEqual(['token-3'])
    expect(await page.getByRole('alert').count()).toBe(0)
  })

  it("takes back the expired token's alert once a renewed token is taken", async () => {
    const { page, api } = await harness.open()
    await startConversation(page)
    // Woken from a sleep past the token's expiry: the SDK says so, the call carries on.
    const expired = "The call's access ran out before it could be renewed (Twilio error 20104)"
    await playDeviceError(page, expired, { token: true })
    await page.getByRole('alert').filter({ hasText: expired }).waitFor()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    await expireToken(page)
    await expect.poll(() => api.to('GET', '/api/twilio/token').length).toBe(2)
    await page.getByRole('alert').filter({ hasText: expired }).waitFor({ state: 'detached' })
  })

  it('ends the conference for everyone, hangs up, and offers a new conversation', async () => {
    const { page, api } = await harness.open()
    await startConversation(page)
    await page.getByRole('button', { name: 'End conference for everyone' }).click()
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    expect(api.to('DELETE', CONFERENCE_PATH)).toHaveLength(1)
    expect((await voiceRecord(page))?.hangUps).toBe(1)
    await page.getByRole('button', { name: 'New conversation' }).click()
    await page.getByRole('button', { name: 'Start conversation' }).waitFor()
    // The keyboard's place follows: to the form, not back to the top of the page.
    await expect.poll(() => focused(page)).toBe('Start a conversation')
  })

  it('asks before ending the conference for others on the call, and keeps it going if told to', async () => {
    const { page, api } = await harness.open()
    const withPhone = aRoom({ participants: [anAgent(), aPhone({ status: 'joined' })] })
    api.startsWith(withPhone)
    await startConversation(page)
    const end = page.getByRole('button', { name: 'End conference for everyone' })
    await end.click()
    const asked = page.getByRole('group', { name: 'End the conference for everyone?' })
    await asked.getByText('End it for the other person on the call too?').waitFor()
    // The choice has the keyboard, on its safe answer, and nothing has ended yet.
    await expect.poll(() => focused(page)).toBe('Keep it going')
    expect(api.to('DELETE', CONFERENCE_PATH)).toHaveLength(0)
    await page.getByRole('button', { name: 'Keep it going' }).click()
    // Back where the question came from.
    await expect.poll(() => focused(page)).toBe('End conference for everyone')
    // A key pressed twice asks and then keeps it going: it never ends the call for others.
    // (The second press waits for the focus to move: under load it comes a frame later, and
    // a press before it lands on the page's body, the button that asked being gone: lost.)
    await page.keyboard.press('Enter')
    await asked.waitFor()
    await expect.poll(() => focused(page)).toBe('Keep it going')
    await page.keyboard.press('Enter')
    await asked.waitFor({ state: 'detached' })
    await expect.poll(() => focused(page)).toBe('End conference for everyone')
    expect(api.to('DELETE', CONFERENCE_PATH)).toHaveLength(0)
    await end.click()
    await page.getByRole('button', { name: 'Yes, end it for everyone' }).click()
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    expect(api.to('DELETE', CONFERENCE_PATH)).toHaveLength(1)
  })

  it('keeps a guest on the call until the conference has ended for everyone, as asked', async () => {
    const { page, api, events } = await harness.open()
    await page.clock.install()
    api.startsWith(aRoom({ participants: [anAgent(), aPhone({ status: 'joined' })] }))
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    // The end's answer held, then lost to the timeout.
    await page.route(`**${CONFERENCE_PATH}`, () => {})
    await page.getByRole('button', { name: 'End conference for everyone' }).click()
    await page.getByRole('button', { name: 'Yes, end it for everyone' }).click()
    const status = page.locator('.call-status')
    await expect.poll(() => status.textContent()).toBe('Connected')
    expect((await voiceRecord(page))?.hangUps).toBe(0)
    await page.clock.fastForward(REQUEST_TIMEOUT_MS)
    await page.getByRole('alert').filter({ hasText: UNANSWERED }).waitFor()
    // Not hung up on a conference that goes on for the others: still on it, and told why.
    expect((await voiceRecord(page))?.hangUps).toBe(0)
    expect(await status.textContent()).toBe('Connected')
    expect(await page.getByRole('button', { name: 'Rejoin' }).count()).toBe(0)
  })

  it('keeps the conference going when the question is answered with Escape', async () => {
    const { page, api } = await harness.open()
    api.startsWith(aRoom({ participants: [anAgent(), aPhone({ status: 'joined' })] }))
    await startConversation(page)
    await page.getByRole('button', { name: 'End conference for everyone' }).click()
    const asked = page.getByRole('group', { name: 'End the conference for everyone?' })
    await expect.poll(() => focused(page)).toBe('Keep it going')
    await page.keyboard.press('Escape')
    await asked.waitFor({ state: 'detached' })
    await expect.poll(() => focused(page)).toBe('End conference for everyone')
    expect(api.to('DELETE', CONFERENCE_PATH)).toHaveLength(0)
  })

  it('drops the question when the conference ends meanwhile, offering the retry it needs', async () => {
    const { page, api, events } = await harness.open()
    const withPhone = aRoom({ participants: [anAgent(), aPhone({ status: 'joined' })] })
    api.startsWith(withPhone)
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    await page.getByRole('button', { name: 'End conference for everyone' }).click()
    await page.getByRole('button', { name: 'Yes, end it for everyone' }).waitFor()
    // Ended on the worker, the phone still on Twilio's conference: the question is moot.
    const stuck = aRoom({
      status: 'ended',
      participants: [aBrowser(IDENTITY, { status: 'left' }), aPhone({ status: 'joined' })],
    })
    events.send({ type: 'update', room: anUpdate(stuck) })
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    await page.getByRole('button', { name: 'End conference for everyone' }).waitFor()
    expect(
      await page.getByRole('group', { name: 'End the conference for everyone?' }).count(),
    ).toBe(0)
  })

  it('offers to end the conference again when Twilio would not end it, people still on it', async () => {
    const { page, api, events } = await harness.open()
    const stuck = aRoom({
      status: 'ended',
      participants: [aBrowser(IDENTITY, { status: 'left' }), aPhone({ status: 'joined' })],
    })
    api.on(
      'DELETE',
      CONFERENCE_PATH,
      apiError(
        502,
        'upstream_error',
        'ending the call on Twilio failed (ending it again tries again)',
      ),
      ok(aRoom({ status: 'ended', participants: [aPhone({ status: 'left' })] })),
    )
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    const end = page.getByRole('button', { name: 'End conference for everyone' })
    await end.click()
    await page.getByRole('alert').filter({ hasText: 'ending it again tries again' }).waitFor()
    // The room has ended on the worker; the phone is still in Twilio's conference.
    events.send({ type: 'update', room: anUpdate(stuck) })
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    // The phone is shown, but no longer controlled: the room would refuse, it has ended.
    await page.getByRole('listitem').filter({ hasText: 'Joined' }).waitFor()
    expect(await page.getByRole('button', { name: /^(Mute|Remove)/ }).count()).toBe(0)
    await end.click()
    await expect.poll(() => api.to('DELETE', CONFERENCE_PATH).length).toBe(2)
    await page.getByRole('button', { name: 'New conversation' }).waitFor()
    await expect.poll(() => end.count()).toBe(0)
  })

  it('ends, and does not fail, a call hung up while it is still connecting', async () => {
    const { page } = await harness.open()
    await holdAccept(page)
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('status').filter({ hasText: 'Connecting' }).waitFor()
    await page.getByRole('button', { name: 'Hang up' }).click()
    await page.getByRole('status').filter({ hasText: 'You left' }).waitFor()
    expect(await page.getByText('Could not connect').count()).toBe(0)
    expect((await voiceRecord(page))?.hangUps).toBe(1)
  })

  it('hangs up, leaving the conference going, and rejoins it with a fresh token', async () => {
    const { page, api } = await harness.open()
    await startConversation(page)
    await page.getByRole('button', { name: 'Hang up' }).click()
    await page.getByRole('status').filter({ hasText: 'You left' }).waitFor()
    expect(api.to('DELETE', CONFERENCE_PATH)).toHaveLength(0)
    await page.getByRole('button', { name: 'Rejoin' }).click()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    const voice = await voiceRecord(page)
    expect(voice?.hangUps).toBe(1)
    expect(voice?.tokens).toEqual(['token-1', 'token-2'])
    expect(voice?.connects).toEqual([
      { conferenceId: CONFERENCE_ID },
      { conferenceId: CONFERENCE_ID },
    ])
  })

  it('comes back from a reload mid-call to its conversation, its call gone, and rejoins it', async () => {
    const { page, api } = await harness.open()
    const room = aRoom({
      status: 'in-progress',
      participants: [aBrowser(IDENTITY, { status: 'left' }), anAgent()],
      transcript: [aLine({ seq: 0, role: 'user', text: 'Before the reload' })],
    })
    api.on('GET', CONFERENCE_PATH, ok(room))
    await startConversation(page)
    await page.reload()
    await page
      .getByRole('status')
      .filter({ hasText: 'You left the call when the page was reloaded' })
      .waitFor()
    await page.getByRole('log').getByText('Before the reload').waitFor()
    await page.getByRole('button', { name: 'Rejoin' }).click()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    // The same person, back in the same conference.
    expect((await voiceRecord(page))?.connects).toEqual([{ conferenceId: CONFERENCE_ID }])
    expect(api.to('GET', '/api/twilio/token').at(-1)?.search).toContain(`identity=${IDENTITY}`)
    expect(api.to('POST', '/api/twilio/start-conference')).toHaveLength(1)
  })

  it('shows a duplicated tab the form, not the conversation its original is still on', async () => {
    const { page, api } = await harness.open()
    api.on('GET', CONFERENCE_PATH, ok(aRoom({ status: 'in-progress' })))
    // A duplicated tab starts with a copy of its original's sessionStorage, kept by a page
    // that has not gone (so not marked left), before any of its own scripts run.
    await page.addInitScript(
      ({ conferenceId, identity }) =>
        sessionStorage.setItem(
          'conference-bridge.conversation',
          JSON.stringify({ conferenceId, you: `web-${identity}`, identity }),
        ),
      { conferenceId: CONFERENCE_ID, identity: IDENTITY },
    )
    await page.reload()
    await page.getByRole('button', { name: 'Start conversation' }).waitFor()
    expect(api.to('GET', CONFERENCE_PATH)).toEqual([])
    expect(
      await page.evaluate(() => sessionStorage.getItem('conference-bridge.conversation')),
    ).toBeNull()
  })

  it('comes back from a reload to the form when the conversation is gone', async () => {
    const { page, api } = await harness.open()
    api.on('GET', CONFERENCE_PATH, apiError(404, 'not_found', 'No such conference.'))
    await startConversation(page)
    await page.reload()
    await page.getByRole('button', { name: 'Start conversation' }).waitFor()
    await page.reload()
    await page.getByRole('button', { name: 'Start conversation' }).waitFor()
    // Asked once: a conversation found gone is forgotten.
    expect(api.to('GET', CONFERENCE_PATH)).toHaveLength(1)
  })

  it("says the host's Hang up ends the call for everyone, and ends it so when the server does", async () => {
    const { page, api } = await harness.open()
    // END_CONFERENCE_ON_HOST_EXIT (the default): this page, the first in, is the host.
    const hosted = aRoom({ endsWithHost: true, hostLabel: `web-${IDENTITY}` })
    api.startsWith(hosted)
    await startConversation(page)
    const hangUp = page.getByRole('button', { name: 'Hang up and end the call for everyone' })
    await hangUp.waitFor()
    // One way out while on the call, and it says what it does.
    expect(await page.getByRole('button', { name: 'Hang up', exact: true }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'End conference for everyone' }).count()).toBe(0)
    await hangUp.click()
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    expect(api.to('DELETE', CONFERENCE_PATH)).toHaveLength(1)
    expect((await voiceRecord(page))?.hangUps).toBe(1)
  })

  it("lets a guest hang up without ending the host's conference", async () => {
    const { page, api } = await harness.open()
    const guest = aRoom({ endsWithHost: true, hostLabel: 'web-someone_else' })
    api.startsWith(guest)
    await startConversation(page)
    await page.getByRole('button', { name: 'Hang up', exact: true }).click()
    await page.getByRole('status').filter({ hasText: 'You left' }).waitFor()
    expect(api.to('DELETE', CONFERENCE_PATH)).toHaveLength(0)
  })

  it('offers the host Rejoin after a drop only once the room has had time to say it ended', async () => {
    const { page, api, events } = await harness.open()
    await page.clock.install()
    api.startsWith(aRoom({ endsWithHost: true, hostLabel: `web-${IDENTITY}` }))
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    await playCallEvent(page, { type: 'reconnecting' })
    await playCallEvent(page, { type: 'disconnected' })
    await page
      .getByRole('status')
      .filter({ hasText: /^Your call ended\.$/ })
      .waitFor()
    // Twilio ends the conference with its host's leg, unless it still holds that leg: a
    // rejoin at once could start a new, empty conference before the room hears of the end.
    expect(await page.getByRole('button', { name: 'Rejoin' }).count()).toBe(0)
    await page.clock.fastForward(2500)
    await page.getByRole('button', { name: 'Rejoin' }).waitFor()
    await page.getByRole('status').filter({ hasText: 'rejoin to keep it going' }).waitFor()
    // The room says it ended after all: nothing to rejoin.
    events.send({ type: 'update', room: anUpdate(aRoom({ status: 'ended' })) })
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    expect(await page.getByRole('button', { name: 'Rejoin' }).count()).toBe(0)
  })

  it('keeps the keyboard in the call bar when the button it used goes', async () => {
    const { page } = await harness.open()
    await startConversation(page)
    const hangUp = page.getByRole('button', { name: 'Hang up' })
    await hangUp.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('status').filter({ hasText: 'You left' }).waitFor()
    await expect.poll(() => focused(page)).toBe('Your call')
    await page.getByRole('button', { name: 'Rejoin' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    await expect.poll(() => focused(page)).toBe('Your call')
  })

  it('tells a dropped call from hanging up, and offers to rejoin', async () => {
    const { page, api } = await harness.open()
    await startConversation(page)
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    await playCallEvent(page, { type: 'reconnecting' })
    await playCallEvent(page, { type: 'disconnected' })
    await page.getByRole('status').filter({ hasText: 'Your call dropped' }).waitFor()
    expect(await page.getByText('You left').count()).toBe(0)
    // Its call over, the device is let go: no connection to Twilio kept, no token renewed.
    await expect.poll(async () => (await voiceRecord(page))?.destroyed).toBe(1)
    await expireToken(page)
    expect(api.to('GET', '/api/twilio/token')).toHaveLength(1)
    await page.getByRole('button', { name: 'Rejoin' }).click()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    expect((await voiceRecord(page))?.destroyed).toBe(1)
  })

  it('starts nothing when the browser blocks the microphone, and says how to allow it', async () => {
    const { page, api } = await harness.open()
    await setMicrophone(page, 'NotAllowedError')
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('alert').filter({ hasText: 'The microphone is blocked' }).waitFor()
    expect(api.to('POST', '/api/twilio/start-conference')).toEqual([])
    expect((await voiceRecord(page))?.connects).toEqual([])
    // Allowed, the same click goes ahead.
    await setMicrophone(page, 'granted')
    await startConversation(page)
    expect(api.to('POST', '/api/twilio/start-conference')).toHaveLength(1)
  })

  it('starts nothing in a browser the Voice SDK cannot call from, and says so', async () => {
    const { page, api } = await harness.open()
    await page.evaluate(() => {
      ;(globalThis as { __voiceSupported?: boolean }).__voiceSupported = false
    })
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('alert').filter({ hasText: 'This browser cannot place calls' }).waitFor()
    expect(api.to('GET', '/api/twilio/token')).toEqual([])
    expect(api.to('POST', '/api/twilio/start-conference')).toEqual([])
  })

  it('says when the SDK finds the microphone silent, until it is heard again', async () => {
    const { page } = await harness.open()
    await startConversation(page)
    // The notices' live regions are in the accessibility tree while empty: one that
    // appeared with its text already in it would go unread by many screen readers.
    const regions = page.getByRole('region', { name: 'Your call' }).getByRole('status')
    expect(await regions.count()).toBe(3)
    await playCallEvent(page, { type: 'warning', name: 'constant-audio-input-level' })
    const notice = page.getByRole('status').filter({ hasText: 'Your microphone seems silent' })
    await notice.waitFor()
    await playCallEvent(page, { type: 'warning_cleared', name: 'constant-audio-input-level' })
    await notice.waitFor({ state: 'detached' })
  })

  it('keeps the poor-connection notice through a flapping warning, so it is said once', async () => {
    const { page } = await harness.open()
    await page.clock.install()
    await startConversation(page)
    const notice = page.locator('.call-bar .notice[role="status"]').first()
    // Every change of the region's text, as a screen reader would hear it. (A string: the
    // page's DOM types are not this file's.)
    await page.evaluate(`(() => {
      const region = document.querySelector('.call-bar .notice[role="status"]')
      window.__said = []
      new MutationObserver(() => window.__said.push(region.textContent)).observe(region, {
        childList: true,
        characterData: true,
        subtree: true,
      })
    })()`)
    const said = async () =>
      ((await page.evaluate('window.__said')) as string[]).filter((text) => text !== '')
    await playCallEvent(page, { type: 'warning', name: 'high-rtt' })
    await expect.poll(() => notice.textContent()).toMatch(/^The connection is poor/)
    await playCallEvent(page, { type: 'warning_cleared', name: 'high-rtt' })
    await page.clock.runFor(3000)
    await playCallEvent(page, { type: 'warning', name: 'high-rtt' })
    await playCallEvent(page, { type: 'warning_cleared', name: 'high-rtt' })
    await page.clock.runFor(5000)
    expect(await notice.textContent()).toMatch(/^The connection is poor/)
    expect(await said()).toHaveLength(1)
    // Ten seconds without the warning: it goes.
    await page.clock.runFor(10_000)
    await expect.poll(() => notice.textContent()).toBe('')
  })

  it('does not call a call the server ended a dropped one, and offers Rejoin once the room has had time to say why', async () => {
    const { page } = await harness.open()
    await page.clock.install()
    await startConversation(page)
    await playCallEvent(page, { type: 'disconnected' })
    await page
      .getByRole('status')
      .filter({ hasText: /^Your call ended\.$/ })
      .waitFor()
    expect(await page.getByText('dropped').count()).toBe(0)
    const rejoin = page.getByRole('button', { name: 'Rejoin' })
    expect(await page.getByText('Rejoin').count()).toBe(0)
    // No word from the room: the conference goes on without this page.
    await page.clock.fastForward(2500)
    await rejoin.waitFor()
    await page.getByRole('status').filter({ hasText: 'Rejoin to come back' }).waitFor()
  })

  it('says the conversation ended, with no Rejoin on the way, when the server ended the call with it', async () => {
    const { page, events } = await harness.open()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    await playCallEvent(page, { type: 'disconnected' })
    await page
      .getByRole('status')
      .filter({ hasText: /^Your call ended\.$/ })
      .waitFor()
    // Nothing says to rejoin a conversation the room is about to say has ended.
    expect(await page.getByText('Rejoin').count()).toBe(0)
    events.send({ type: 'update', room: anUpdate(aRoom({ status: 'ended' })) })
    await page.getByRole('status').filter({ hasText: 'Conversation ended' }).waitFor()
    expect(await page.getByText('Rejoin').count()).toBe(0)
  })

  it('tells a page that was removed so, with a new conversation in place of Rejoin', async () => {
    const { page, events } = await harness.open()
    await page.clock.install()
    await startConversation(page)
    await expect.poll(() => events.sockets.length).toBe(1)
    events.send({ type: 'update', room: anUpdate(liveRoom()) })
    await playCallEvent(page, { type: 'disconnected' })
    const removed = liveRoom()
    removed.participants[0] = aBrowser(IDENTITY, { status: 'left', removed: true })
    events.send({ type: 'update', room: anUpdate(removed) })
    await page
      .getByRole('status')
      .filter({ hasText: 'Someone on the call removed you from it.' })
      .waitFor()
    await page.getByRole('listitem').filter({ hasText: 'Removed' }).waitFor()
    // Not after the grace a call the server ended waits for either.
    await page.clock.fastForward(2500)
    expect(await page.getByText('Rejoin').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'End conference for everyone' }).count()).toBe(0)
    await page.getByRole('button', { name: 'New conversation' }).click()
    await page.getByRole('button', { name: 'Start conversation' }).waitFor()
  })

  it("shows the start's warnings, such as a number that could not be dialled", async () => {
    const { page, api } = await harness.open()
    const warning = 'Calling +442079460958 failed: the number is unreachable.'
    api.startsWith(aRoom(), [warning])
    await startConversation(page)
    await page.getByRole('alert').filter({ hasText: warning }).waitFor()
  })

  it('shows the reason when the server cannot start a conference', async () => {
    const { page, api } = await harness.open()
    const message = 'ELEVENLABS_AGENT_ID is not set: add it to .dev.vars, or pass agentId.'
    api.on('POST', '/api/twilio/start-conference', {
      status: 503,
      body: { error: { code: 'not_configured', message } },
    })
    await page.getByRole('button', { name: 'Start conversation' }).click()
    await page.getByRole('alert').filter({ hasText: message }).waitFor()
    expect((await voiceRecord(page))?.connects).toEqual([])
  })
})
