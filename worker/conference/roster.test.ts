import { describe, expect, it } from 'vitest'
import { ENDED_WITH_HOST, MAX_KEPT, noticeText, Roster } from './roster.ts'

const NOW = '2026-12-06T10:00:00.000Z'

/** A conference callback about the page `web-ada`'s call `callSid`. */
const event = (event: string, callSid: string, sequence: number) => ({
  StatusCallbackEvent: `participant-${event}`,
  CallSid: callSid,
  ParticipantLabel: 'web-ada',
  SequenceNumber: String(sequence),
})

/** A roster with one phone participant being dialled, its CallSid not known yet. */
function dialling() {
  const roster = new Roster()
  const phone = roster.upsert({ label: 'phone-1', kind: 'phone', phoneNumber: '+14155552671' })
  return { roster, phone }
}

describe('Roster call progress', () => {
  it("applies a dialled call's callback that came before its CallSid was known, by its label", async () => {
    const { roster, phone } = dialling()
    const call = { CallSid: 'CA9', CallStatus: 'busy', SequenceNumber: '0' }
    expect(roster.applyCallEvent(call, NOW)).toEqual([])
    expect(phone.status).toBe('dialing')
    expect(roster.applyCallEvent(call, NOW, 'phone-1')).toEqual([
      { kind: 'failed', participant: phone },
    ])
    expect(phone).toMatchObject({ status: 'failed', error: 'busy', callSid: 'CA9' })
  })

  it('shows a phone ringing once Twilio says it rings, not as Twilio starts to dial it', () => {
    const { roster, phone } = dialling()
    const progress = (CallStatus: string, SequenceNumber: string) =>
      roster.applyCallEvent({ CallSid: 'CA1', CallStatus, SequenceNumber }, NOW, 'phone-1')
    expect(progress('initiated', '0')).toEqual([])
    expect(phone).toMatchObject({ status: 'dialing', callSid: 'CA1' })
    expect(progress('ringing', '1')).toEqual([])
    expect(phone.status).toBe('ringing')
  })

  it("never takes another call's callback for a participant whose CallSid it knows", async () => {
    const { roster, phone } = dialling()
    phone.callSid = 'CA1'
    roster.applyCallEvent(
      { CallSid: 'CA2', CallStatus: 'failed', SequenceNumber: '0' },
      NOW,
      'phone-1',
    )
    expect(phone).toMatchObject({ status: 'dialing', callSid: 'CA1' })
  })

  it('lets a call that ends mid-sentence leave, no longer speaking', async () => {
    const { roster, phone } = dialling()
    phone.callSid = 'CA1'
    Object.assign(phone, { status: 'joined', speaking: true })
    const notices = roster.applyCallEvent(
      { CallSid: 'CA1', CallStatus: 'completed', SequenceNumber: '3' },
      NOW,
    )
    expect(notices).toEqual([{ kind: 'left', participant: phone }])
    expect(phone).toMatchObject({ status: 'left', speaking: false, leftAt: NOW })
  })

  it('leaves joining to the join callback, but takes an answered call for one when Twilio is asked', async () => {
    const { roster, phone } = dialling()
    Object.assign(phone, { callSid: 'CA1', dialedAt: NOW })
    const answered = { CallSid: 'CA1', CallStatus: 'in-progress', SequenceNumber: '2' }
    expect(roster.applyCallEvent(answered, NOW)).toEqual([])
    expect(phone.status).toBe('dialing')
    expect(roster.applyLookedUpCall(phone, { status: 'in-progress' }, NOW)).toEqual([
      { kind: 'joined', participant: phone },
    ])
    expect(phone).toMatchObject({ status: 'joined', joinedAt: NOW })
    const join = { StatusCallbackEvent: 'participant-join', CallSid: 'CA1', SequenceNumber: '4' }
    expect(roster.applyConferenceEvent(join, '2026-12-06T10:00:01.000Z')).toEqual([])
    expect(phone.joinedAt).toBe(NOW)
  })

  it('tells nothing new when Twilio, asked, says the call of someone shown joined goes on', () => {
    const roster = new Roster()
    roster.applyConferenceEvent(event('join', 'CA1', 1), NOW)
    const ada = roster.find('web-ada')
    if (!ada) throw new Error('web-ada never joined')
    expect(roster.applyLookedUpCall(ada, { status: 'in-progress' }, NOW)).toEqual([])
  })

  it('does not show someone speaking whose call had ended before their speech-start came', () => {
    const { roster, phone } = dialling()
    Object.assign(phone, { callSid: 'CA1', status: 'joined' })
    roster.applyCallEvent({ CallSid: 'CA1', CallStatus: 'completed', SequenceNumber: '3' }, NOW)
    const speech = { StatusCallbackEvent: 'participant-speech-start', CallSid: 'CA1' }
    roster.applyConferenceEvent({ ...speech, SequenceNumber: '2' }, NOW)
    expect(phone).toMatchObject({ status: 'left', speaking: false })
  })

  it('does not fail a participant twice when a late callback comes after it was failed', async () => {
    const { roster, phone } = dialling()
    Object.assign(phone, { callSid: 'CA1', status: 'failed', error: 'Twilio never said' })
    const busy = { CallSid: 'CA1', CallStatus: 'busy', SequenceNumber: '3' }
    expect(roster.applyCallEvent(busy, NOW)).toEqual([])
    expect(phone).toMatchObject({ status: 'failed', error: 'Twilio never said' })
  })

  it("keeps a rejoin's call when the old call's leave comes late", async () => {
    const roster = new Roster()
    const join = (callSid: string, sequence: number) => ({
      StatusCallbackEvent: 'participant-join',
      CallSid: callSid,
      ParticipantLabel: 'web-ada',
      SequenceNumber: String(sequence),
    })
    roster.applyConferenceEvent(join('CA1', 1), NOW)
    roster.applyConferenceEvent(
      { ...join('CA1', 2), StatusCallbackEvent: 'participant-leave' },
      NOW,
    )
    roster.applyConferenceEvent(join('CA2', 4), NOW)
    // The old call's speech-stop, sent before the rejoin, arrives after it.
    roster.applyConferenceEvent(
      { ...join('CA1', 3), StatusCallbackEvent: 'participant-speech-stop' },
      NOW,
    )
    expect(roster.find('web-ada')).toMatchObject({ status: 'joined', callSid: 'CA2' })
  })

  it('keeps when someone first joined through a rejoin', () => {
    const roster = new Roster()
    roster.applyConferenceEvent(event('join', 'CA1', 1), NOW)
    roster.applyConferenceEvent(event('leave', 'CA1', 2), NOW)
    roster.applyConferenceEvent(event('join', 'CA2', 3), '2026-12-06T10:05:00.000Z')
    expect(roster.find('web-ada')).toMatchObject({ status: 'joined', joinedAt: NOW })
  })

  it('forgets that someone was removed once they join again', () => {
    const roster = new Roster()
    roster.applyConferenceEvent(event('join', 'CA1', 1), NOW)
    const ada = roster.find('web-ada')
    if (!ada) throw new Error('web-ada never joined')
    ada.removed = true
    roster.applyConferenceEvent(event('leave', 'CA1', 2), NOW)
    expect(ada).toMatchObject({ status: 'left', removed: true })
    roster.applyConferenceEvent(event('join', 'CA2', 3), NOW)
    expect(ada).toMatchObject({ status: 'joined', callSid: 'CA2' })
    expect(ada.removed).toBeUndefined()
  })

  it("keeps a rejoin's call when the old call's leave arrives after the new join", async () => {
    const roster = new Roster()
    roster.applyConferenceEvent(event('join', 'CA1', 1), NOW)
    // Twilio lets the new call in only once the old one has left the label (error 16025),
    // so the old leave always comes first in Twilio's order, whatever order they arrive in.
    expect(roster.applyConferenceEvent(event('join', 'CA2', 3), NOW)).toEqual([])
    expect(roster.applyConferenceEvent(event('leave', 'CA1', 2), NOW)).toEqual([])
    expect(roster.find('web-ada')).toMatchObject({ status: 'joined', callSid: 'CA2' })
  })

  describe("a phone that joined and hung up, its callbacks in Twilio's disorder", () => {
    const CALL = { CallSid: 'CA1', ConferenceSid: 'CF1' }
    const calls = {
      ringing: { ...CALL, CallStatus: 'ringing', SequenceNumber: '1' },
      answered: { ...CALL, CallStatus: 'in-progress', SequenceNumber: '2' },
      completed: { ...CALL, CallStatus: 'completed', SequenceNumber: '3' },
    }
    const conference = {
      join: { ...CALL, StatusCallbackEvent: 'participant-join', SequenceNumber: '4' },
      leave: { ...CALL, StatusCallbackEvent: 'participant-leave', SequenceNumber: '5' },
    }
    const apply = (roster: Roster, name: string) =>
      name in calls
        ? roster.applyCallEvent(calls[name as keyof typeof calls], NOW)
        : roster.applyConferenceEvent(conference[name as keyof typeof conference], NOW)

    it.each([
      [['completed', 'leave', 'join', 'answered', 'ringing']],
      [['completed', 'join', 'leave']],
      [['leave', 'completed', 'join']],
      [['ringing', 'completed', 'join']], // the leave lost
      [['ringing', 'answered', 'join', 'leave', 'completed']], // as they happened
    ])('ends left, told once, whatever order: %j', (order) => {
      const { roster, phone } = dialling()
      Object.assign(phone, { callSid: 'CA1', dialedAt: NOW })
      const notices = order.flatMap((name) => apply(roster, name).map((notice) => notice.kind))
      expect(phone).toMatchObject({ status: 'left', leftAt: NOW })
      expect(phone.error).toBeUndefined()
      expect(notices.filter((kind) => kind !== 'joined')).toEqual(['left'])
    })
  })

  it('says a failed call as what Twilio means by it, to the page and to the agent', () => {
    const { roster, phone } = dialling()
    phone.callSid = 'CA1'
    const notices = roster.applyCallEvent(
      { CallSid: 'CA1', CallStatus: 'failed', SequenceNumber: '1' },
      NOW,
    )
    expect(phone).toMatchObject({ status: 'failed', error: 'the call could not be connected' })
    expect(notices.map((notice) => noticeText(notice))).toEqual([
      'Calling the number ending in 2671 (by phone) did not work: the call could not be connected.',
    ])
  })

  it.each([
    [['leave', 'no-answer'], 'no answer'],
    [['no-answer', 'leave'], 'no answer'],
    [['leave'], 'no answer'],
  ])(
    'takes the leave Twilio reports for a phone that never answered as its failure: %j',
    (order, error) => {
      const { roster, phone } = dialling()
      Object.assign(phone, { callSid: 'CA1', dialedAt: NOW })
      const callbacks: Record<string, () => unknown[]> = {
        leave: () =>
          roster.applyConferenceEvent(
            {
              StatusCallbackEvent: 'participant-leave',
              CallSid: 'CA1',
              SequenceNumber: '4',
              ParticipantCallStatus: 'no-answer',
              ReasonParticipantLeft: 'participant_add_failed',
            },
            NOW,
          ),
        'no-answer': () =>
          roster.applyCallEvent(
            { CallSid: 'CA1', CallStatus: 'no-answer', SequenceNumber: '2' },
            NOW,
          ),
      }
      const notices = order.flatMap((name) => callbacks[name]?.() ?? [])
      expect(phone).toMatchObject({ status: 'failed', error })
      expect(phone.leftAt).toBeUndefined()
      expect(notices).toEqual([{ kind: 'failed', participant: phone }])
    },
  )

  it("keeps a page in whose rejoin Twilio refused: the failed leave is the new call's", () => {
    const roster = new Roster()
    const event = (name: string, callSid: string, sequence: number, extra = {}) => ({
      StatusCallbackEvent: `participant-${name}`,
      CallSid: callSid,
      ParticipantLabel: 'web-ada',
      SequenceNumber: String(sequence),
      ...extra,
    })
    roster.applyConferenceEvent(event('join', 'CA1', 1), NOW)
    const refused = event('leave', 'CA2', 2, {
      ParticipantCallStatus: 'failed',
      ReasonParticipantLeft: 'participant_add_failed',
    })
    expect(roster.applyConferenceEvent(refused, NOW)).toEqual([])
    expect(roster.find('web-ada')).toMatchObject({ status: 'joined', callSid: 'CA1' })
  })

  it('takes a participant shown failed who then leaves the conference for one who was in it', () => {
    const { roster, phone } = dialling()
    Object.assign(phone, { callSid: 'CA1', status: 'failed', error: 'Twilio never said' })
    const leave = { StatusCallbackEvent: 'participant-leave', CallSid: 'CA1', SequenceNumber: '5' }
    expect(roster.applyConferenceEvent(leave, NOW)).toEqual([{ kind: 'left', participant: phone }])
    expect(phone).toMatchObject({ status: 'left', leftAt: NOW })
    expect(phone.error).toBeUndefined()
  })

  it('takes a mute or speech of a call it has not heard join for its join, once, and not as a dial', () => {
    const roster = new Roster()
    const mute = {
      StatusCallbackEvent: 'participant-mute',
      CallSid: 'CA7',
      Muted: 'true',
      SequenceNumber: '4',
    }
    const [notice] = roster.applyConferenceEvent(mute, NOW)
    expect(notice).toMatchObject({ kind: 'joined', participant: { label: 'CA7', kind: 'phone' } })
    expect(roster.find('CA7')).toMatchObject({ status: 'joined', muted: true, joinedAt: NOW })
    // The join, arriving late, is not news; the leave still counts.
    const join = { StatusCallbackEvent: 'participant-join', CallSid: 'CA7', SequenceNumber: '3' }
    expect(roster.applyConferenceEvent(join, NOW)).toEqual([])
    const leave = { StatusCallbackEvent: 'participant-leave', CallSid: 'CA7', SequenceNumber: '5' }
    expect(roster.applyConferenceEvent(leave, NOW)).toEqual([
      { kind: 'left', participant: roster.find('CA7') },
    ])
    expect(roster.participants.filter((p) => p.status === 'dialing')).toEqual([])
    // Once the conference is over, such a report brings nobody in.
    roster.applyConferenceEvent({ StatusCallbackEvent: 'conference-end', SequenceNumber: '6' }, NOW)
    const late = { ...mute, CallSid: 'CA8', SequenceNumber: '7' }
    expect(roster.applyConferenceEvent(late, NOW)).toEqual([])
    expect(roster.find('CA8')).toBeUndefined()
  })

  it('dates the leave of a call found ended by when it ended', async () => {
    const { roster, phone } = dialling()
    Object.assign(phone, { callSid: 'CA1', status: 'joined' })
    const endTime = '2026-12-06T09:55:00.000Z'
    expect(roster.applyLookedUpCall(phone, { status: 'completed', endTime }, NOW)).toEqual([
      { kind: 'left', participant: phone },
    ])
    expect(phone.leftAt).toBe(endTime)
  })
})

describe('Roster size', () => {
  it('makes room by dropping the oldest who left or failed, never anyone still on the call', () => {
    const roster = new Roster()
    roster.upsert({ label: 'agent', kind: 'agent', status: 'joined' })
    roster.upsert({ label: 'phone-1', kind: 'phone', status: 'joined' })
    for (let n = 2; n < MAX_KEPT; n++) {
      roster.upsert({ label: `phone-${n}`, kind: 'phone', status: 'failed', error: 'busy' })
    }
    expect(roster.participants).toHaveLength(MAX_KEPT)
    roster.upsert({ label: `phone-${MAX_KEPT}`, kind: 'phone' })
    expect(roster.participants).toHaveLength(MAX_KEPT)
    expect(roster.participants.map((p) => p.label).slice(0, 3)).toEqual([
      'agent',
      'phone-1',
      'phone-3',
    ])
    expect(roster.find(`phone-${MAX_KEPT}`)?.status).toBe('dialing')
  })
})

describe('Roster people', () => {
  it('counts the agent neither as a person present nor in whom the agent is told is on the call', () => {
    const roster = new Roster()
    roster.upsert({ label: 'agent', kind: 'agent', status: 'joined' })
    expect(roster.humansPresent).toBe(false)
    expect(roster.summary()).toBe('Nobody else is on the call right now.')
    roster.upsert({
      label: 'phone-1',
      kind: 'phone',
      phoneNumber: '+14155552671',
      status: 'joined',
    })
    expect(roster.humansPresent).toBe(true)
    // Its last digits, not the whole number: the agent may say it, and ElevenLabs keeps it.
    expect(roster.summary()).toBe('On the call now: the number ending in 2671 (by phone).')
  })
})

describe('What the agent is told of people on the web page', () => {
  const HOST = 'web_3f9a1b2c4d5e6f708192a3b4'
  const GUEST = 'web_0123456789abcdef01234567'
  const joins = (roster: Roster, identity: string, sequence: number) =>
    roster.applyConferenceEvent(
      {
        StatusCallbackEvent: 'participant-join',
        CallSid: `CA${sequence}`,
        ParticipantLabel: `web-${identity}`,
        SequenceNumber: String(sequence),
      },
      NOW,
    )

  it('calls pages the host and a guest, not by the identity each was given, which names nobody', () => {
    const roster = new Roster()
    const hostLabel = `web-${HOST}`
    const [host] = joins(roster, HOST, 1)
    const [guest] = joins(roster, GUEST, 2)
    if (!host || !guest) throw new Error('no join notices')
    expect(noticeText(host, hostLabel)).toBe('The host (from the web page) joined the call.')
    expect(noticeText(guest, hostLabel)).toBe('A guest (from the web page) joined the call.')
    expect(roster.summary(hostLabel)).toBe(
      'On the call now: the host (from the web page), a guest (from the web page).',
    )
    expect(roster.summary(hostLabel)).not.toContain('web_')
  })

  it('says an identity someone chose, as it was chosen', () => {
    const roster = new Roster()
    const [notice] = joins(roster, 'dana_k', 1)
    if (!notice) throw new Error('no join notice')
    expect(noticeText(notice, 'web-dana_k')).toBe(
      'Dana_k, the host (from the web page) joined the call.',
    )
    expect(roster.summary('web-dana_k')).toBe(
      'On the call now: dana_k, the host (from the web page).',
    )
  })

  it("calls a local call's page, which has no identity, the host", () => {
    const roster = new Roster()
    roster.upsert({ label: 'local', kind: 'browser', status: 'joined' })
    expect(roster.summary()).toBe('On the call now: the host (from the web page).')
  })
})

describe('Roster conference events', () => {
  it('ends the conference on a leave that says so, though a look-up showed them left first', () => {
    const roster = new Roster()
    roster.applyConferenceEvent(event('join', 'CA1', 1), NOW)
    const host = roster.find('web-ada')
    if (!host) throw new Error('no host')
    host.status = 'left'
    roster.applyConferenceEvent({ ...event('leave', 'CA1', 2), EndConferenceOnExit: 'true' }, NOW)
    expect(roster.conference.status).toBe('ended')
  })

  it("keeps the reason the room gave for the end over Twilio's later word", () => {
    const roster = new Roster()
    roster.conference.endedReason = ENDED_WITH_HOST
    const end = { StatusCallbackEvent: 'conference-end', ConferenceSid: 'CF1', SequenceNumber: '5' }
    roster.applyConferenceEvent({ ...end, ReasonConferenceEnded: 'last-participant-left' }, NOW)
    expect(roster.conference).toMatchObject({ status: 'ended', endedReason: ENDED_WITH_HOST })
  })

  it('ignores the callbacks of another conference of the same name', () => {
    const roster = new Roster()
    const phone = roster.upsert({ label: 'phone-1', kind: 'phone', callSid: 'CA1' })
    roster.conference.conferenceSid = 'CF1'
    const join = { StatusCallbackEvent: 'participant-join', CallSid: 'CA1', SequenceNumber: '0' }
    expect(roster.applyConferenceEvent({ ...join, ConferenceSid: 'CF2' }, NOW)).toEqual([])
    expect(phone.status).toBe('dialing')
    expect(roster.applyConferenceEvent({ ...join, ConferenceSid: 'CF1' }, NOW)).toEqual([
      { kind: 'joined', participant: phone },
    ])
  })
})
