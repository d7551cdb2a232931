import { describe, expect, it } from 'vitest'
import { HANG_UP_RETRY_MS, RETENTION_MS } from './alarm-schedule.ts'
import { callOffPendingDials, newCallOf, newLegs, settleRound } from './hang-ups.ts'
import { Roster } from './roster.ts'

const ENDED = Date.parse('2026-12-07T10:00:00.000Z')
const DIALED = '2026-12-07T09:59:50.000Z'
const leg = (n: number) => ({ label: `phone-${n}`, callSid: `CA${n}` })

describe('calling off the phones still ringing at the end', () => {
  it('marks each phone still on its way failed, and returns the calls it knows to hang up', () => {
    const roster = new Roster()
    const ringing = roster.upsert({
      label: 'phone-1',
      kind: 'phone',
      status: 'ringing',
      callSid: 'CA1',
      dialedAt: DIALED,
    })
    const unknown = roster.upsert({
      label: 'phone-2',
      kind: 'phone',
      status: 'dialing',
      dialedAt: DIALED,
    })
    roster.upsert({
      label: 'phone-3',
      kind: 'phone',
      status: 'joined',
      callSid: 'CA3',
      dialedAt: DIALED,
    })
    expect(callOffPendingDials(roster.participants)).toEqual([leg(1)])
    // Called off by the end, someone's doing: the page shows it so, not as a failure.
    expect(ringing).toMatchObject({
      status: 'failed',
      error: 'the conference ended before they answered',
      removed: true,
    })
    // Its call not known yet: shown called off all the same, its call hung up once known.
    expect(unknown).toMatchObject({
      status: 'failed',
      error: 'the conference ended before they answered',
    })
    expect(newCallOf(unknown, false)).toBeUndefined()
    unknown.callSid = 'CA2'
    expect(newCallOf(unknown, false)).toEqual(leg(2))
    // Known before this news: its hang-up was asked for already.
    expect(newCallOf(unknown, true)).toBeUndefined()
  })
})

describe('settling a round of hang-ups', () => {
  it('keeps a refused leg for another try while it may still ring, and frees the record once none is left', () => {
    const pending = [leg(1), leg(2)]
    const soon = settleRound(
      pending,
      [
        { leg: leg(1), retry: true },
        { leg: leg(2), retry: false },
      ],
      ENDED + 1000,
      ENDED,
    )
    expect(soon).toEqual({
      pending: [leg(1)],
      gaveUp: [],
      alarmAt: ENDED + 1000 + HANG_UP_RETRY_MS,
    })
    const done = settleRound(soon.pending, [{ leg: leg(1), retry: false }], ENDED + 11_000, ENDED)
    expect(done).toEqual({ pending: undefined, gaveUp: [], alarmAt: ENDED + RETENTION_MS })
  })

  it('gives a refused leg up once it can ring no longer', () => {
    const late = ENDED + 40_000
    expect(settleRound([leg(1)], [{ leg: leg(1), retry: true }], late, ENDED)).toEqual({
      pending: undefined,
      gaveUp: [leg(1)],
      alarmAt: ENDED + RETENTION_MS,
    })
  })

  it('leaves the legs another round holds: only those it tried are settled', () => {
    const round = settleRound([leg(1), leg(2)], [{ leg: leg(2), retry: false }], ENDED, ENDED)
    expect(round.pending).toEqual([leg(1)])
  })

  it('adds a leg once however many rounds name it', () => {
    expect(newLegs([leg(1)], [leg(1), leg(2)])).toEqual([leg(2)])
    expect(newLegs(undefined, [leg(1)])).toEqual([leg(1)])
  })
})
