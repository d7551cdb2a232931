import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RENEWAL_CHECK_MS, refreshLeadMs, tokenRenewals } from './token-refresh.ts'

/** A token shaped like Twilio's: only its payload's iat and exp matter here. */
const tokenFor = (lifeSeconds: number) => {
  const payload = btoa(JSON.stringify({ iat: 1_800_000_000, exp: 1_800_000_000 + lifeSeconds }))
  return `header.${payload.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}.signature`
}

describe('refreshLeadMs', () => {
  it('asks for a new token a minute ahead of an hour-long one', () => {
    expect(refreshLeadMs(tokenFor(3600))).toBe(60_000)
  })

  it('asks half-way through a token shorter than two minutes, not at once', () => {
    expect(refreshLeadMs(tokenFor(60))).toBe(30_000)
    expect(refreshLeadMs(tokenFor(90))).toBe(45_000)
  })

  it("keeps the SDK's 10 s for a token it cannot read", () => {
    expect(refreshLeadMs('not-a-jwt')).toBe(10_000)
  })
})

describe('tokenRenewals', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('asks before every token expires, not only the first, timed by each one', () => {
    const renew = vi.fn()
    const renewals = tokenRenewals(tokenFor(3600), renew)
    vi.advanceTimersByTime(3540_000 - RENEWAL_CHECK_MS)
    expect(renew).not.toHaveBeenCalled()
    vi.advanceTimersByTime(RENEWAL_CHECK_MS)
    expect(renew).toHaveBeenCalledTimes(1)
    // The renewed token arrives a little later; the next ask is by its own life.
    vi.advanceTimersByTime(2_000)
    renewals?.next(tokenFor(120))
    vi.advanceTimersByTime(60_000 + RENEWAL_CHECK_MS)
    expect(renew).toHaveBeenCalledTimes(2)
    renewals?.next(tokenFor(3600))
    vi.advanceTimersByTime(3540_000 + RENEWAL_CHECK_MS)
    expect(renew).toHaveBeenCalledTimes(3)
  })

  it('asks at once after a sleep that held its timers back past the time to renew', () => {
    const renew = vi.fn()
    const renewals = tokenRenewals(tokenFor(3600), renew)
    vi.advanceTimersByTime(55 * 60_000)
    // The laptop sleeps ten minutes: the clock jumps, no timer runs meanwhile.
    vi.setSystemTime(Date.now() + 10 * 60_000)
    renewals?.check()
    expect(renew).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(RENEWAL_CHECK_MS * 4)
    expect(renew).toHaveBeenCalledTimes(1)
  })

  it('asks within a check of waking, unprompted', () => {
    const renew = vi.fn()
    tokenRenewals(tokenFor(3600), renew)
    vi.advanceTimersByTime(55 * 60_000)
    vi.setSystemTime(Date.now() + 10 * 60_000)
    vi.advanceTimersByTime(RENEWAL_CHECK_MS)
    expect(renew).toHaveBeenCalledTimes(1)
  })

  it('is not held back by a clock set back meanwhile', () => {
    const renew = vi.fn()
    tokenRenewals(tokenFor(3600), renew)
    vi.setSystemTime(Date.now() - 3600_000)
    vi.advanceTimersByTime(3540_000 + RENEWAL_CHECK_MS)
    expect(renew).toHaveBeenCalledTimes(1)
  })

  it('asks once a token even if a renewal comes early, and not after it stops', () => {
    const renew = vi.fn()
    const renewals = tokenRenewals(tokenFor(3600), renew)
    vi.advanceTimersByTime(1_000_000)
    renewals?.next(tokenFor(3600))
    vi.advanceTimersByTime(3000_000)
    expect(renew).not.toHaveBeenCalled()
    renewals?.stop()
    vi.advanceTimersByTime(10_000_000)
    expect(renew).not.toHaveBeenCalled()
  })

  it("leaves a token it cannot read to the SDK's own event", () => {
    expect(tokenRenewals('not-a-jwt', () => {})).toBeUndefined()
  })
})
