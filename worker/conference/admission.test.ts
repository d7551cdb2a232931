import { describe, expect, it } from 'vitest'
import { Admissions, hostLabelOf } from './admission.ts'
import { Roster } from './roster.ts'

describe('Admissions', () => {
  it('counts a leg let in until its join is reported, and not after 30 s without one', () => {
    const roster = new Roster()
    roster.upsert({ label: 'phone-1', kind: 'phone', status: 'ringing' })
    const admissions = new Admissions()
    admissions.admit('web-bob', 0)
    expect(admissions.present(roster, 1000)).toBe(2)
    expect(admissions.present(roster, 1000, 'web-bob')).toBe(1)
    expect(admissions.arriving(roster, 1000)).toBe(1)
    expect(admissions.present(roster, 30_001)).toBe(1)
    expect(admissions.arriving(roster, 30_001)).toBe(0)
  })

  it('counts a leg once when its join has reached the roster', () => {
    const roster = new Roster()
    const admissions = new Admissions()
    admissions.admit('web-bob', 0)
    roster.upsert({ label: 'web-bob', kind: 'browser', status: 'joined' })
    expect(admissions.present(roster, 10)).toBe(1)
    admissions.admit('web-cy', 10)
    admissions.settled('web-cy')
    expect(admissions.present(roster, 20)).toBe(1)
  })
})

describe('hostLabelOf', () => {
  it('keeps the host once chosen, else takes the first page on the roster, else the page joining', () => {
    const roster = new Roster()
    const joining = { label: 'web-bob', isPage: true }
    expect(hostLabelOf('web-ada', roster.participants, joining)).toBe('web-ada')
    expect(hostLabelOf(undefined, roster.participants, joining)).toBe('web-bob')
    expect(
      hostLabelOf(undefined, roster.participants, { label: 'phone-1', isPage: false }),
    ).toBeUndefined()
    roster.upsert({ label: 'web-cy', kind: 'browser', status: 'left' })
    expect(hostLabelOf(undefined, roster.participants, joining)).toBe('web-cy')
  })
})
