/**
 * Oracle: twilio-node's `validateRequest`, `validateRequestWithBody` and
 * `getExpectedTwilioSignature`, on generated requests, in both directions.
 */
import { createHash } from 'node:crypto'
import querystring from 'node:querystring'
import twilio from 'twilio'
import { describe, expect, it } from 'vitest'
import {
  bodySha256,
  isValidTwilioSignature,
  isValidTwilioSignatureWithBody,
  type TwilioParams,
  twilioSignature,
} from './signature.ts'

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef'

/** A seeded generator, so a failing case can be reproduced from its index. */
function generator(seed: number) {
  let state = seed
  const next = () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  return { next, pick }
}

const HOSTS = ['bridge.example.test', 'abc123.ngrok.app', '127.0.0.1', 'bücher.example']
const PORTS = ['', '', ':443', ':80', ':8787']
const SEGMENTS = ['api', 'twilio', 'status', 'conf-7f3a', 'caf%C3%A9', 'ünï', "it's", 'a%20b']
const NAMES = ['CallSid', 'callsid', 'From', 'To', 'a', 'A', 'a1', '_x', 'Digits', 'ümlaut', '1']
const VALUES = ['', 'CA0123', '+14155550100', 'client:web_alice', 'a b&c=d', 'héllo 👋', '\'"<>']
const QUERIES = [
  '',
  '?',
  '?conferenceId=conf-1',
  '?a=1&a=2&b=',
  '?x=%27quoted%27&y=a+b',
  "?name='raw'&emoji=👋",
  '?k=%zz&v=%E2%82',
  '?bodySHA256=abc',
]

interface GeneratedRequest {
  url: string
  params: Record<string, string | string[]>
}

function generatedRequests(count: number): GeneratedRequest[] {
  const { next, pick } = generator(20260101)
  return Array.from({ length: count }, () => {
    const scheme = pick(['https://', 'http://'])
    const path = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(SEGMENTS)).join('/')
    const url = `${scheme}${pick(HOSTS)}${pick(PORTS)}/${path}${pick(QUERIES)}`
    const params: Record<string, string | string[]> = {}
    for (let i = Math.floor(next() * 6); i > 0; i--) {
      const name = pick(NAMES)
      params[name] = next() < 0.25 ? [pick(VALUES), pick(VALUES), pick(VALUES)] : pick(VALUES)
    }
    return { url, params }
  })
}

/** Every form of a URL twilio-node v6 may accept, plus an unrelated URL. */
function urlVariants(url: string): string[] {
  const portless = url.replace(/^(\w+:\/\/[^/:?#]+):\d+/, '$1')
  const ported = /^\w+:\/\/[^/?#]+:\d+/.test(url)
    ? url
    : url.replace(/^(https?):\/\/([^/?#]+)/, (_all, scheme, host) =>
        scheme === 'https' ? `https://${host}:443` : `http://${host}:80`,
      )
  const normalised = new URL(url).toString()
  const queryStart = normalised.indexOf('?')
  const legacy =
    queryStart === -1 || queryStart === normalised.length - 1
      ? normalised
      : `${normalised.slice(0, queryStart)}?${querystring.stringify(querystring.parse(normalised.slice(queryStart + 1)))}`
  return [url, portless, ported, normalised, legacy, `${url}/other`]
}

const cases = generatedRequests(250)

/**
 * Thousands of HMACs through both implementations, nothing awaited but the work: its time
 * grows with the machine's load (0.8 s for the URL variants alone on an idle 2-core machine,
 * over the node project's 5 s at a load of 12), so its bound is set by the work, not by the
 * default for tests that wait on something.
 */
describe('twilioSignature against twilio-node', { timeout: 30_000 }, () => {
  it('computes the same signature as getExpectedTwilioSignature', async () => {
    for (const [index, { url, params }] of cases.entries()) {
      const theirs = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params)
      expect(await twilioSignature(AUTH_TOKEN, url, params), `case ${index}: ${url}`).toBe(theirs)
    }
  })

  it('produces signatures that validateRequest accepts, and accepts theirs', async () => {
    for (const [index, { url, params }] of cases.entries()) {
      const ours = await twilioSignature(AUTH_TOKEN, url, params)
      const theirs = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params)
      expect(twilio.validateRequest(AUTH_TOKEN, ours, url, params), `case ${index}`).toBe(true)
      expect(await isValidTwilioSignature(AUTH_TOKEN, theirs, url, params), `case ${index}`).toBe(
        true,
      )
    }
  })

  it('accepts exactly the URL variants validateRequest accepts (ports, normalised, legacy query)', async () => {
    for (const [index, { url, params }] of cases.slice(0, 120).entries()) {
      const variants = urlVariants(url)
      for (const signedUrl of variants) {
        const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, signedUrl, params)
        for (const checkedUrl of variants) {
          const expected = twilio.validateRequest(AUTH_TOKEN, signature, checkedUrl, params)
          const actual = await isValidTwilioSignature(AUTH_TOKEN, signature, checkedUrl, params)
          expect(actual, `case ${index}: signed ${signedUrl}, checked ${checkedUrl}`).toBe(expected)
        }
      }
    }
  })

  it('rejects what validateRequest rejects: another token, a changed value, an added parameter', async () => {
    for (const [index, { url, params }] of cases.slice(0, 80).entries()) {
      const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params)
      const tampered: TwilioParams[] = [
        { ...params, CallSid: 'CAforged' },
        { ...params, Extra: 'x' },
      ]
      expect(await isValidTwilioSignature('another-token', signature, url, params)).toBe(false)
      for (const forged of tampered) {
        expect(twilio.validateRequest(AUTH_TOKEN, signature, url, forged)).toBe(
          await isValidTwilioSignature(AUTH_TOKEN, signature, url, forged),
        )
      }
      expect(
        await isValidTwilioSignature(AUTH_TOKEN, `${signature}x`, url, params),
        `${index}`,
      ).toBe(false)
      for (const cut of [
        signature.slice(0, 1),
        signature.slice(0, -1),
        `${signature.slice(0, -1)}x`,
      ]) {
        expect(twilio.validateRequest(AUTH_TOKEN, cut, url, params)).toBe(false)
        expect(await isValidTwilioSignature(AUTH_TOKEN, cut, url, params), `${index}: ${cut}`).toBe(
          false,
        )
      }
    }
  })
})

describe('isValidTwilioSignatureWithBody against validateRequestWithBody', () => {
  const bodies = ['{}', '{"event":"conference-end"}', '{"name":"Zoë 👋","n":[1,2]}', '']

  it('hashes bodies like getExpectedBodyHash', async () => {
    for (const body of bodies) {
      expect(await bodySha256(body)).toBe(twilio.getExpectedBodyHash(body))
    }
  })

  it('agrees on signed JSON bodies, tampered bodies and wrong hashes', async () => {
    for (const [index, body] of bodies.entries()) {
      const hash = createHash('sha256').update(body).digest('hex')
      const url = `https://bridge.example.test/api/twilio/events/${index}?bodySHA256=${hash}`
      const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, {})
      for (const received of [body, `${body} `, '{"forged":true}']) {
        expect(
          await isValidTwilioSignatureWithBody(AUTH_TOKEN, signature, url, received),
          `body ${index} received ${received}`,
        ).toBe(twilio.validateRequestWithBody(AUTH_TOKEN, signature, url, received))
      }
      const unsigned = url.replace(hash, '0'.repeat(64))
      expect(await isValidTwilioSignatureWithBody(AUTH_TOKEN, signature, unsigned, body)).toBe(
        false,
      )
    }
  })
})
