import { describe, expect, it } from 'vitest'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import {
  type AccessTokenOptions,
  createAccessToken,
  isValidIdentity,
  MAX_TOKEN_TTL_SECONDS,
  newIdentity,
} from './access-token.ts'

const ISSUED_AT_MS = Date.UTC(2026, 0, 2, 3, 4, 5)

const tokenOptions = (overrides: Partial<AccessTokenOptions> = {}): AccessTokenOptions => ({
  accountSid: TEST_CREDENTIALS.TWILIO_ACCOUNT_SID,
  apiKey: TEST_CREDENTIALS.TWILIO_API_KEY,
  apiSecret: TEST_CREDENTIALS.TWILIO_API_SECRET,
  identity: 'web_alice',
  ttlSeconds: 3600,
  outgoingApplicationSid: TEST_CREDENTIALS.TWILIO_TWIML_APP_SID,
  now: ISSUED_AT_MS,
  ...overrides,
})

const fromBase64Url = (part: string) =>
  Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0))

const decodePart = (part: string | undefined) =>
  JSON.parse(new TextDecoder().decode(fromBase64Url(part ?? '')))

async function verifiesWith(secret: string, token: string): Promise<boolean> {
  const [header, payload, signature] = token.split('.')
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  )
  return crypto.subtle.verify(
    'HMAC',
    key,
    fromBase64Url(signature ?? ''),
    new TextEncoder().encode(`${header}.${payload}`),
  )
}

describe('createAccessToken', () => {
  it('writes the Twilio header with the twilio-fpa content type', async () => {
    const { token } = await createAccessToken(tokenOptions())
    expect(decodePart(token.split('.')[0])).toEqual({
      alg: 'HS256',
      typ: 'JWT',
      cty: 'twilio-fpa;v=1',
    })
  })

  it('carries the issuer, subject, times and a voice grant for the TwiML App', async () => {
    const { token, expiresAt } = await createAccessToken(tokenOptions())
    const iat = ISSUED_AT_MS / 1000
    expect(decodePart(token.split('.')[1])).toEqual({
      jti: `${TEST_CREDENTIALS.TWILIO_API_KEY}-${iat}`,
      iss: TEST_CREDENTIALS.TWILIO_API_KEY,
      sub: TEST_CREDENTIALS.TWILIO_ACCOUNT_SID,
      iat,
      exp: iat + 3600,
      grants: {
        identity: 'web_alice',
        voice: {
          incoming: { allow: true },
          outgoing: { application_sid: TEST_CREDENTIALS.TWILIO_TWIML_APP_SID },
        },
      },
    })
    expect(expiresAt).toBe('2026-01-02T04:04:05.000Z')
  })

  it('dates a token from the second it was issued in, not the next', async () => {
    const { token } = await createAccessToken(tokenOptions({ now: ISSUED_AT_MS + 999 }))
    expect(decodePart(token.split('.')[1]).iat).toBe(ISSUED_AT_MS / 1000)
  })

  it('leaves out the incoming grant when incoming calls are not allowed', async () => {
    const { token } = await createAccessToken(tokenOptions({ incomingAllow: false }))
    expect(decodePart(token.split('.')[1]).grants.voice).toEqual({
      outgoing: { application_sid: TEST_CREDENTIALS.TWILIO_TWIML_APP_SID },
    })
  })

  it('is signed with HMAC-SHA256 under the API key secret and nothing else', async () => {
    const { token } = await createAccessToken(tokenOptions())
    expect(await verifiesWith(TEST_CREDENTIALS.TWILIO_API_SECRET, token)).toBe(true)
    expect(await verifiesWith(TEST_CREDENTIALS.TWILIO_AUTH_TOKEN, token)).toBe(false)
  })

  it('uses URL-safe base64 without padding in every part', async () => {
    const { token } = await createAccessToken(tokenOptions({ identity: `a${'_'.repeat(120)}` }))
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
  })

  it('accepts a TTL of exactly 24 hours and refuses a second more', async () => {
    const { token } = await createAccessToken(tokenOptions({ ttlSeconds: MAX_TOKEN_TTL_SECONDS }))
    const payload = decodePart(token.split('.')[1])
    expect(payload.exp - payload.iat).toBe(86_400)
    await expect(
      createAccessToken(tokenOptions({ ttlSeconds: MAX_TOKEN_TTL_SECONDS + 1 })),
    ).rejects.toThrow(/from 1 to 86400/)
  })

  it.each([0, -5, 1.5, Number.NaN])('refuses a TTL of %s seconds', async (ttlSeconds) => {
    await expect(createAccessToken(tokenOptions({ ttlSeconds }))).rejects.toThrow(RangeError)
  })

  it('refuses an identity the Voice SDK would reject', async () => {
    await expect(createAccessToken(tokenOptions({ identity: 'alice smith' }))).rejects.toThrow(
      /letters, digits or underscores/,
    )
  })
})

describe('isValidIdentity', () => {
  it.each(['a', 'web_123', 'A_b_9', 'x'.repeat(121)])('accepts %s', (identity) => {
    expect(isValidIdentity(identity)).toBe(true)
  })

  it.each(['', 'x'.repeat(122), 'alice smith', 'bob-1', 'ünï', 'a.b', 'client:bob'])(
    'rejects %j',
    (identity) => {
      expect(isValidIdentity(identity)).toBe(false)
    },
  )
})

describe('newIdentity', () => {
  it('makes valid identities that differ each time', () => {
    const identities = new Set(Array.from({ length: 50 }, newIdentity))
    expect(identities.size).toBe(50)
    for (const identity of identities) {
      expect(identity).toMatch(/^web_[0-9a-f]{24}$/)
      expect(isValidIdentity(identity)).toBe(true)
    }
  })
})
