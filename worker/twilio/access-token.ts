/**
 * Twilio Voice access tokens for the browser's Voice SDK, signed with WebCrypto.
 *
 * Built by hand because `hono/jwt` cannot emit Twilio's `cty: twilio-fpa;v=1` header
 * and the `twilio` package does not run on Workers. Claims follow twilio-node's
 * `AccessToken` + `VoiceGrant` (https://www.twilio.com/docs/iam/access-tokens).
 *
 * @example
 * const { token, expiresAt } = await createAccessToken({
 *   accountSid, apiKey, apiSecret, identity: newIdentity(), ttlSeconds: 3600,
 *   outgoingApplicationSid: twimlAppSid,
 * })
 */

/** Twilio refuses tokens that live longer than 24 hours (errors 20157, 20104). */
export const MAX_TOKEN_TTL_SECONDS = 86_400

/** The Voice SDK accepts identities of letters, digits and underscores, at most 121 long. */
const IDENTITY = /^[A-Za-z0-9_]{1,121}$/

export interface AccessTokenOptions {
  accountSid: string
  /** API key SID (SK…): the token's issuer. Restricted keys are refused by Twilio (20160). */
  apiKey: string
  apiSecret: string
  identity: string
  ttlSeconds: number
  /** The TwiML App (AP…) whose Voice URL answers the browser's outgoing calls. */
  outgoingApplicationSid: string
  /** Lets the browser receive calls too; on unless set to false. */
  incomingAllow?: boolean
  /** Issue time in milliseconds since the epoch; defaults to the clock. */
  now?: number
}

export interface AccessToken {
  token: string
  /** When the token stops working, as an ISO 8601 timestamp. */
  expiresAt: string
}

export const isValidIdentity = (identity: string): boolean => IDENTITY.test(identity)

/** A fresh identity's form: it names no one, unlike one a caller of the API chose. */
const GENERATED_IDENTITY = /^web_[0-9a-f]{24}$/

/** Whether `identity` is one `newIdentity` made (not a name worth saying to anyone). */
export const isGeneratedIdentity = (identity: string): boolean => GENERATED_IDENTITY.test(identity)

/** A fresh identity for a browser user, e.g. `web_3f9a…` (28 characters). */
export function newIdentity(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return `web_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`
}

export async function createAccessToken(options: AccessTokenOptions): Promise<AccessToken> {
  checkOptions(options)
  const issuedAt = Math.floor((options.now ?? Date.now()) / 1000)
  const expires = issuedAt + options.ttlSeconds
  const header = { alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' }
  const payload = {
    jti: `${options.apiKey}-${issuedAt}`,
    grants: { identity: options.identity, voice: voiceGrant(options) },
    iat: issuedAt,
    exp: expires,
    iss: options.apiKey,
    sub: options.accountSid,
  }
  const signingInput = `${base64UrlJson(header)}.${base64UrlJson(payload)}`
  const signature = await hmacSha256(options.apiSecret, signingInput)
  return {
    token: `${signingInput}.${base64Url(signature)}`,
    expiresAt: new Date(expires * 1000).toISOString(),
  }
}

function checkOptions({ ttlSeconds, identity, apiSecret }: AccessTokenOptions): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
    throw new RangeError(
      `Access token TTL must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL_SECONDS} (Twilio refuses longer tokens); got ${ttlSeconds}.`,
    )
  }
  if (!isValidIdentity(identity)) {
    throw new RangeError(
      'Access token identity must be 1 to 121 letters, digits or underscores: the Voice SDK refuses anything else.',
    )
  }
  if (!apiSecret) throw new RangeError('Access token needs the API key secret to sign with.')
}

function voiceGrant(options: AccessTokenOptions) {
  return {
    ...(options.incomingAllow !== false && { incoming: { allow: true } }),
    outgoing: { application_sid: options.outgoingApplicationSid },
  }
}

const utf8 = new TextEncoder()

async function hmacSha256(secret: string, data: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    utf8.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(data)))
}

const base64UrlJson = (value: unknown) => base64Url(utf8.encode(JSON.stringify(value)))

const base64Url = (bytes: Uint8Array) =>
  btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
