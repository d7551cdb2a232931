/** Oracle: the official `twilio` package's AccessToken + VoiceGrant, which needs Node. */
import { createHmac } from 'node:crypto'
import twilio from 'twilio'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import { createAccessToken } from './access-token.ts'

const { AccessToken } = twilio.jwt
const NOW_MS = Date.UTC(2026, 4, 6, 7, 8, 9)

function twilioToken(identity: string, ttl: number, incomingAllow: boolean): string {
  const token = new AccessToken(
    TEST_CREDENTIALS.TWILIO_ACCOUNT_SID,
    TEST_CREDENTIALS.TWILIO_API_KEY,
    TEST_CREDENTIALS.TWILIO_API_SECRET,
    { identity, ttl },
  )
  token.addGrant(
    new AccessToken.VoiceGrant({
      outgoingApplicationSid: TEST_CREDENTIALS.TWILIO_TWIML_APP_SID,
      incomingAllow,
    }),
  )
  return token.toJwt()
}

const ourToken = async (identity: string, ttlSeconds: number, incomingAllow: boolean) =>
  (
    await createAccessToken({
      accountSid: TEST_CREDENTIALS.TWILIO_ACCOUNT_SID,
      apiKey: TEST_CREDENTIALS.TWILIO_API_KEY,
      apiSecret: TEST_CREDENTIALS.TWILIO_API_SECRET,
      identity,
      ttlSeconds,
      outgoingApplicationSid: TEST_CREDENTIALS.TWILIO_TWIML_APP_SID,
      incomingAllow,
    })
  ).token

const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))

const signatureIsValid = (token: string, secret: string) => {
  const [header, payload, signature] = token.split('.')
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')
  return signature === expected
}

describe('createAccessToken against twilio.jwt.AccessToken', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(NOW_MS)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it.each([
    ['web_alice', 3600, true],
    ['web_0123456789abcdef01234567', 60, true],
    [`x${'_'.repeat(120)}`, 86_400, true],
    ['bob', 600, false],
  ])(
    'makes the same token as twilio for %s, ttl %i, incoming %s',
    async (identity, ttl, incoming) => {
      const theirs = twilioToken(identity, ttl, incoming)
      const ours = await ourToken(identity, ttl, incoming)
      expect(claims(ours)).toEqual(claims(theirs))
      expect(ours).toBe(theirs)
    },
  )

  it('signs a token that node:crypto verifies with the API secret', async () => {
    const token = await ourToken('web_alice', 3600, true)
    expect(signatureIsValid(token, TEST_CREDENTIALS.TWILIO_API_SECRET)).toBe(true)
    expect(signatureIsValid(token, 'another-secret')).toBe(false)
  })
})
