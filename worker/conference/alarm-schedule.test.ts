import { describe, expect, it } from 'vitest'
import {
  DIAL_CHECK_MS,
  DIAL_RECHECK_MS,
  emptySince,
  mayStillRing,
  nextDialCheck,
  nextPresenceCheck,
  PRESENCE_CHECK_MS,
} from './alarm-schedule.ts'
import { newRecord } from './room-record.ts'
import { Roster } from './roster.ts'

const CREATED = '2026-12-07T10:00:00.000Z'
const at = (iso: string) => Date.parse(iso)

function room(local = false) {
  const record = { ...newRecord('c1', 'agent-1', CREATED), ...(local && { local: true as const }) }
  return {
    record,
    roster: new Roster({ participants: record.participants, conference: record.conference }),
  }
}

describe('emptySince', () => {
  it('counts a room nobody came to as empty since it was made', () => {
    const { record, roster } = room()
    roster.upsert({ label: 'agent', kind: 'agent', status: 'joined' })
    expect(emptySince(record, roster.participants, false)).toBe(at(CREATED))
  })

  it('is not empty while a phone rings, and is empty from when the last person left', () => {
    const { record, roster } = room()
    const phone = roster.upsert({ label: 'phone-1', kind: 'phone', status: 'ringing' })
    roster.upsert({
      label: 'web-ada',
      kind: 'browser',
      status: 'left',
      leftAt: '2026-12-07T10:05:00.000Z',
    })
    expect(emptySince(record, roster.participants, false)).toBeUndefined()
    Object.assign(phone, { status: 'left', leftAt: '2026-12-07T10:07:00.000Z' })
    expect(emptySince(record, roster.participants, false)).toBe(at('2026-12-07T10:07:00.000Z'))
  })

  it("counts a local call as empty only until the page's stream comes", () => {
    const { record, roster } = room(true)
    expect(emptySince(record, roster.participants, true)).toBe(at(CREATED))
    expect(emptySince(record, roster.participants, false)).toBeUndefined()
  })
})

describe('the checks of dialled phones and of people shown on the call', () => {
  it('asks about a dial DIAL_CHECK_MS after it, then every DIAL_RECHECK_MS while it is pending', () => {
    const { roster } = room()
    const dialed = at(CREATED)
    roster.upsert({ label: 'phone-1', kind: 'phone', status: 'dialing', dialedAt: CREATED })
    expect(nextDialCheck(roster.participants, dialed)).toBe(dialed + DIAL_CHECK_MS)
    const late = dialed + DIAL_CHECK_MS + 5000
    expect(nextDialCheck(roster.participants, late)).toBe(late + DIAL_RECHECK_MS)
  })

  it('never asks about a dial that was answered, nor checks presence while nobody is shown joined', () => {
    const { roster } = room()
    roster.upsert({ label: 'phone-1', kind: 'phone', status: 'left', dialedAt: CREATED })
    expect(nextDialCheck(roster.participants, at(CREATED))).toBe(Number.POSITIVE_INFINITY)
    expect(nextPresenceCheck(roster.participants, 0)).toBe(Number.POSITIVE_INFINITY)
    roster.upsert({ label: 'web-ada', kind: 'browser', status: 'joined', callSid: 'CA1' })
    expect(nextPresenceCheck(roster.participants, 1000)).toBe(1000 + PRESENCE_CHECK_MS)
  })

  it('holds that a phone may ring until 45 s after the end: its 30 s, the 5 s Twilio adds, and its queue', () => {
    const ended = at(CREATED)
    expect(mayStillRing(ended, ended + 44_999)).toBe(true)
    expect(mayStillRing(ended, ended + 45_000)).toBe(false)
  })
})
