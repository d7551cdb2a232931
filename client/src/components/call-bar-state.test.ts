import { describe, expect, it } from 'vitest'
import type { RoomView } from '../api/wire.ts'
import type { CallState } from '../call/call-state.ts'
import { aBrowser, anAgent, aPhone, aRoom } from '../room/room-fixtures.ts'
import {
  type CallBarActions,
  type CallBarFacts,
  callBarState,
  HOST_LEFT_END_FAILED,
  UNKNOWN_AFTER_DROP,
} from './call-bar-state.ts'

const ME = 'web-me'
const CONNECTED: CallState = { phase: 'connected', muted: false, connectedAt: 0 }
const HUNG_UP: CallState = { phase: 'ended', muted: false, hungUp: true }
const DROPPED: CallState = { phase: 'ended', muted: false, dropped: true }
const ENDED_BY_SERVER: CallState = { phase: 'ended', muted: false }

/** A conference under way with the agent, this page and a phone. */
function aLiveRoom(overrides: Partial<RoomView> = {}): RoomView {
  return aRoom({
    status: 'in-progress',
    participants: [anAgent(), aBrowser('me'), aPhone()],
    ...overrides,
  })
}

/** A conference whose host this page is, run with END_CONFERENCE_ON_HOST_EXIT. */
const aHostedRoom = (overrides: Partial<RoomView> = {}) =>
  aLiveRoom({ endsWithHost: true, hostLabel: ME, ...overrides })

/** A local call: this page and the agent, no Twilio. */
const aLocalRoom = (overrides: Partial<RoomView> = {}) =>
  aRoom({ status: 'in-progress', local: true, participants: [anAgent()], ...overrides })

function barFor(facts: Partial<CallBarFacts> = {}) {
  return callBarState({
    call: CONNECTED,
    room: aLiveRoom(),
    you: ME,
    link: 'live',
    roomKnown: true,
    canRejoin: true,
    graceOver: false,
    endFailed: false,
    ...facts,
  })
}

/** The buttons offered, by name, in the bar's order. */
const offered = (facts: Partial<CallBarFacts> = {}) =>
  (Object.entries(barFor(facts).actions) as [keyof CallBarActions, boolean][])
    .filter(([, shown]) => shown)
    .map(([name]) => name)

describe('callBarState on a call', () => {
  it('offers a guest mute, hang up and ending the conference for everyone', () => {
    expect(offered()).toEqual(['mute', 'hangUp', 'endForEveryone'])
    expect(barFor().status).toBe('Connected')
  })

  it('offers the host one hang-up, which ends the conference for everyone', () => {
    expect(offered({ room: aHostedRoom() })).toEqual(['mute', 'hangUpForEveryone'])
  })

  it('tells a host whose end for everyone failed that they left, and offers to end it again', () => {
    const bar = barFor({ call: HUNG_UP, room: aHostedRoom(), endFailed: true })
    expect(bar.status).toBe(HOST_LEFT_END_FAILED)
    expect(offered({ call: HUNG_UP, room: aHostedRoom(), endFailed: true })).toEqual([
      'endForEveryone',
    ])
  })

  it('treats a page as a guest when another page is the host', () => {
    expect(offered({ room: aHostedRoom({ hostLabel: 'web-other' }) })).toEqual([
      'mute',
      'hangUp',
      'endForEveryone',
    ])
  })

  it('takes the page that started the conference as its host while no page has joined', () => {
    expect(offered({ room: aHostedRoom({ hostLabel: undefined }) })).toEqual([
      'mute',
      'hangUpForEveryone',
    ])
  })

  it('offers only mute and hang up in a local call, whose hang-up ends it', () => {
    expect(offered({ room: aLocalRoom({ endsWithHost: true }) })).toEqual(['mute', 'hangUp'])
  })

  it('counts the people ending it would cut off: not the agent, this page, or who has left', () => {
    const room = aLiveRoom({
      participants: [
        anAgent(),
        aBrowser('me'),
        aPhone({ status: 'ringing' }),
        aPhone({ label: 'phone-2', status: 'dialing' }),
        aBrowser('other'),
        aPhone({ label: 'phone-3', status: 'left' }),
      ],
    })
    expect(barFor({ room }).othersToAsk).toBe(3)
  })

  it("tells of the microphone's silence before a poor connection", () => {
    const call = { ...CONNECTED, warnings: ['high-rtt', 'constant-audio-input-level'] }
    expect(barFor({ call }).quality).toMatch(/microphone seems silent/)
    expect(barFor({ call: { ...CONNECTED, warnings: ['high-rtt'] } }).quality).toMatch(/poor/)
    expect(barFor().quality).toBeUndefined()
  })

  it('asks for the access key when live updates are locked', () => {
    const locked = barFor({ link: 'locked' })
    expect(locked.linkNotice).toBe('Live updates need the access key.')
    expect(locked.actions.giveKey).toBe(true)
    expect(barFor({ link: 'reconnecting' }).linkNotice).toMatch(/reconnecting/)
  })
})

describe('callBarState after the call', () => {
  it('offers a guest who left Rejoin at once, the conference going on', () => {
    expect(offered({ call: HUNG_UP })).toEqual(['rejoin', 'endForEveryone'])
    expect(barFor({ call: HUNG_UP }).status).toBe('You left; the conference goes on without you.')
  })

  it('offers a guest whose connection dropped Rejoin at once', () => {
    const bar = barFor({ call: DROPPED })
    expect(bar.serverEnded).toBe(false)
    expect(bar.actions.rejoin).toBe(true)
    expect(bar.status).toBe('Your call dropped; the conference goes on. Rejoin to come back.')
  })

  it('waits for the room to say why before offering Rejoin on a call the server ended', () => {
    const waiting = barFor({ call: ENDED_BY_SERVER })
    expect(waiting.serverEnded).toBe(true)
    expect(waiting.actions.rejoin).toBe(false)
    expect(waiting.status).toBe('Your call ended.')
    const settled = barFor({ call: ENDED_BY_SERVER, graceOver: true })
    expect(settled.actions.rejoin).toBe(true)
    expect(settled.status).toBe('Your call ended. Rejoin to come back.')
  })

  it("waits the same on the host's dropped call, which Twilio may end the conference with", () => {
    const waiting = barFor({ call: DROPPED, room: aHostedRoom() })
    expect(waiting.serverEnded).toBe(true)
    expect(waiting.actions.rejoin).toBe(false)
    const settled = barFor({ call: DROPPED, room: aHostedRoom(), graceOver: true })
    expect(settled.status).toBe(
      'Your call dropped, and the conversation is still on: rejoin to keep it going.',
    )
  })

  it('does not say the conversation is still on after a drop while nothing can tell', () => {
    for (const room of [aHostedRoom(), aLiveRoom()]) {
      const bar = barFor({
        call: DROPPED,
        room,
        graceOver: true,
        link: 'reconnecting',
        roomKnown: false,
      })
      expect(bar.status).toBe(UNKNOWN_AFTER_DROP)
      expect(bar.actions.rejoin).toBe(true)
    }
  })

  it('offers no Rejoin to a host who hung up: the conversation ends with their call', () => {
    const bar = barFor({ call: HUNG_UP, room: aHostedRoom(), graceOver: true })
    expect(bar.actions.rejoin).toBe(false)
    expect(bar.status).toBe('Ending the conversation…')
  })

  it('offers no Rejoin when the page has no way back in', () => {
    expect(barFor({ call: HUNG_UP, canRejoin: false }).actions.rejoin).toBe(false)
  })

  it('offers someone removed from the call a new conversation, not Rejoin', () => {
    const room = aLiveRoom({ participants: [anAgent(), aBrowser('me', { removed: true })] })
    const bar = barFor({ call: ENDED_BY_SERVER, room, graceOver: true })
    expect(bar.removed).toBe(true)
    expect(bar.status).toBe('Someone on the call removed you from it.')
    expect(offered({ call: ENDED_BY_SERVER, room, graceOver: true })).toEqual(['newConversation'])
  })

  it('does not count as removed while back on the call', () => {
    const room = aLiveRoom({ participants: [anAgent(), aBrowser('me', { removed: true })] })
    expect(barFor({ room }).removed).toBe(false)
  })

  it('offers a local call that could not connect only a fresh start', () => {
    const call: CallState = { phase: 'failed', muted: false, error: 'Permission denied' }
    const bar = barFor({ call, room: aLocalRoom(), canRejoin: false })
    expect(offered({ call, room: aLocalRoom(), canRejoin: false })).toEqual(['startOver'])
    expect(bar.status).toBe('Could not connect your call.')
    expect(bar.serverEnded).toBe(false)
  })

  it('says a local call is hanging up rather than offering Rejoin', () => {
    const bar = barFor({ call: ENDED_BY_SERVER, room: aLocalRoom(), canRejoin: false })
    expect(bar.serverEnded).toBe(false)
    expect(bar.status).toBe('Hanging up…')
  })

  it('says a local call was cut off, and offers a fresh start, when the server is out of reach', () => {
    for (const link of ['reconnecting', 'closed'] as const) {
      const facts = { call: ENDED_BY_SERVER, room: aLocalRoom(), canRejoin: false, link }
      expect(barFor(facts).status).toBe(
        'The call was cut off: the connection to the server was lost.',
      )
      expect(offered(facts)).toEqual(['startOver'])
    }
    // Hung up by the person, it is only on its way out.
    expect(barFor({ call: HUNG_UP, room: aLocalRoom(), link: 'reconnecting' }).status).toBe(
      'Hanging up…',
    )
  })
})

describe('callBarState back from a reload mid-call', () => {
  const RELOADED: CallState = { phase: 'ended', muted: false, reloaded: true }

  it('offers Rejoin at once: the page, not the server, ended the call', () => {
    const bar = barFor({ call: RELOADED })
    expect(bar.serverEnded).toBe(false)
    expect(bar.status).toBe('You left the call when the page was reloaded. Rejoin to come back.')
    expect(offered({ call: RELOADED })).toEqual(['rejoin', 'endForEveryone'])
  })

  it("offers the host Rejoin only once the room has had time to say the host's leaving ended it", () => {
    const room = aHostedRoom()
    const bar = barFor({ call: RELOADED, room })
    expect(bar.serverEnded).toBe(true)
    expect(bar.status).toBe(
      'You left the call when the page was reloaded, which ends the conversation for everyone.',
    )
    expect(offered({ call: RELOADED, room })).not.toContain('rejoin')
    expect(offered({ call: RELOADED, room, graceOver: true })).toContain('rejoin')
  })

  it('offers a local call only a fresh start: it cannot be rejoined', () => {
    const facts = { call: RELOADED, room: aLocalRoom(), canRejoin: false }
    expect(barFor(facts).status).toBe('Your call ended when the page was reloaded.')
    expect(offered(facts)).toEqual(['startOver'])
  })

  it('says why a conversation the reload ended ended, as for any end', () => {
    const room = aLiveRoom({
      status: 'ended',
      endedReason: 'the conference ended with its host',
      participants: [anAgent({ status: 'left' }), aBrowser('me', { status: 'left' })],
    })
    expect(barFor({ call: RELOADED, room }).status).toBe(
      'Conversation ended (the conference ended with its host).',
    )
    expect(offered({ call: RELOADED, room })).toEqual(['newConversation'])
  })
})

describe('callBarState once the conversation ended', () => {
  const ended = aLiveRoom({
    status: 'ended',
    endedReason: 'the host left',
    participants: [anAgent({ status: 'left' }), aBrowser('me', { status: 'left' })],
  })

  it('offers a new conversation and says why it ended, whatever the call', () => {
    const bar = barFor({ room: ended, link: 'reconnecting' })
    expect(bar.onCall).toBe(false)
    expect(bar.status).toBe('Conversation ended (the host left).')
    expect(bar.linkNotice).toBeUndefined()
    expect(offered({ room: ended, link: 'locked' })).toEqual(['newConversation'])
  })

  it('offers ending it again, unasked, while Twilio still holds people on the call', () => {
    const stillOn = { ...ended, participants: [...ended.participants, aPhone()] }
    expect(offered({ room: stillOn })).toEqual(['endForEveryone', 'newConversation'])
    expect(barFor({ room: stillOn }).othersToAsk).toBe(0)
  })

  it('does not offer ending a local call again: Twilio has no part in it', () => {
    const local = aLocalRoom({ status: 'ended', participants: [anAgent()] })
    expect(offered({ room: local })).toEqual(['newConversation'])
  })
})
