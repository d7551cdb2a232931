import { describe, expect, it } from 'vitest'
import { refreshLeadMs } from './token-refresh.ts'

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
