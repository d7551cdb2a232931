import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { describe, expect, it, vi } from 'vitest'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import type { Env } from '../config.ts'
import { bodySha256, formParams, twilioSignature } from './signature.ts'
import { type TwilioWebhookEnv, verifyTwilioSignature } from './signature-middleware.ts'

const PUBLIC_BASE = TEST_CREDENTIALS.WEBHOOK_BASE_URL
const AUTH_TOKEN = TEST_CREDENTIALS.TWILIO_AUTH_TOKEN
/** What the worker sees behind a tunnel: another scheme, host and port. */
const LOCAL_BASE = 'http://127.0.0.1:8787'

const app = new Hono<TwilioWebhookEnv>()
  .use('/hooks/*', verifyTwilioSignature)
  .post('/hooks/voice', (c) => c.json({ callSid: c.get('twilioParams').get('CallSid') }))
  .post('/hooks/parsed', async (c) => c.json(await c.req.parseBody()))
  .post('/hooks/events', async (c) => c.json(await c.req.json()))
  .get('/hooks/stream/:conference', (c) => c.text(`stream for ${c.req.param('conference')}`))

const send = (path: string, init: RequestInit = {}, bindings: Partial<Env> = {}) =>
  app.request(`${LOCAL_BASE}${path}`, init, { ...env, ...bindings })

async function signedForm(
  path: string,
  fields: Record<string, string> | string[][],
  url = PUBLIC_BASE + path,
) {
  const form = new URLSearchParams(fields)
  const signature = await twilioSignature(AUTH_TOKEN, url, formParams(form))
  return send(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: form.toString(),
  })
}

describe('verifyTwilioSignature', () => {
  it('lets a signed form webhook through and hands its fields to the route', async () => {
    const res = await signedForm('/hooks/voice?conferenceId=conf-1', { CallSid: 'CA123', To: 'x' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ callSid: 'CA123' })
  })

  it('leaves the form body readable by the route after checking it', async () => {
    const res = await signedForm('/hooks/parsed', { CallSid: 'CA9', Muted: 'false' })
    expect(await res.json()).toEqual({ CallSid: 'CA9', Muted: 'false' })
  })

  it('checks the URL built from WEBHOOK_BASE_URL, not the host the request arrived on', async () => {
    const signedForLocalUrl = await signedForm(
      '/hooks/voice',
      { CallSid: 'CA1' },
      `${LOCAL_BASE}/hooks/voice`,
    )
    expect(signedForLocalUrl.status).toBe(403)
    const signedForPublicUrl = await signedForm('/hooks/voice', { CallSid: 'CA1' })
    expect(signedForPublicUrl.status).toBe(200)
  })

  it('logs a refusal with the URL checked, and the host reached when it is not this machine', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await signedForm('/hooks/voice', { CallSid: 'CA1' }, `${LOCAL_BASE}/hooks/voice`)
    expect(warned).toHaveBeenLastCalledWith(
      `refused a request not signed for ${PUBLIC_BASE}/hooks/voice: check WEBHOOK_BASE_URL and TWILIO_AUTH_TOKEN`,
    )
    // Deployed under another name than WEBHOOK_BASE_URL's: the log names the one Twilio used.
    const res = await app.request(
      'https://conference-ai-bridge.example.workers.dev/hooks/voice',
      { method: 'POST', headers: { 'x-twilio-signature': 'AAAA' } },
      env,
    )
    expect(res.status).toBe(403)
    expect(warned).toHaveBeenLastCalledWith(
      expect.stringContaining(
        '(the request came to https://conference-ai-bridge.example.workers.dev)',
      ),
    )
    // A stream's upgrade was checked over its wss:// URL, and says so.
    await send('/hooks/stream/conf-1', {
      headers: { Upgrade: 'websocket', 'x-twilio-signature': 'AAAA' },
    })
    expect(warned).toHaveBeenLastCalledWith(
      expect.stringMatching(
        /^refused a request not signed for wss:\/\/bridge\.example\.test\/hooks\/stream\/conf-1:/,
      ),
    )
    warned.mockRestore()
  })

  it("names the query's parameters in a refusal, never their values (a leg's token is one)", async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const res = await signedForm(
      '/hooks/voice?conferenceId=conf-1&legToken=s3cret',
      { CallSid: 'CA1' },
      `${LOCAL_BASE}/hooks/voice?conferenceId=conf-1&legToken=s3cret`,
    )
    expect(res.status).toBe(403)
    const told = JSON.stringify(await res.json())
    const logged = String(warned.mock.lastCall?.[0])
    for (const text of [told, logged]) {
      expect(text).toContain(`${PUBLIC_BASE}/hooks/voice?conferenceId=…&legToken=…`)
      expect(text).not.toContain('s3cret')
    }
    warned.mockRestore()
  })

  it("checks forms whose field names are Object.prototype's, rather than failing", async () => {
    const form = [
      ['constructor', '1'],
      ['toString', '2'],
      ['__proto__', '3'],
      ['hasOwnProperty', '4'],
    ]
    const signed = await signedForm('/hooks/voice', form)
    expect(signed.status).toBe(200)
    const unsigned = await send('/hooks/voice', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
      body: new URLSearchParams(form).toString(),
    })
    expect(unsigned.status).toBe(403)
  })

  it('refuses a form whose fields were changed after signing', async () => {
    const signature = await twilioSignature(AUTH_TOKEN, `${PUBLIC_BASE}/hooks/voice`, {
      CallSid: 'CA1',
    })
    const res = await send('/hooks/voice', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
      },
      body: 'CallSid=CA2',
    })
    expect(res.status).toBe(403)
    const body = await res.json<{ error: { code: string; message: string } }>()
    expect(body.error.code).toBe('forbidden')
    expect(body.error.message).toContain(`${PUBLIC_BASE}/hooks/voice`)
  })

  it("names a Webhooks Rule's signature, which it cannot check, rather than blaming the settings", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const res = await send('/hooks/voice', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': 'c2lnbmVkIHdpdGggdGhlIHJ1bGUncyBrZXk=',
        'x-twilio-webhooks-signature-settings': 'key=,algorithm=HMAC_SHA256',
      },
      body: 'CallSid=CA1',
    })
    warn.mockRestore()
    expect(res.status).toBe(403)
    const body = await res.json<{ error: { message: string } }>()
    expect(body.error.message).toMatch(/Webhooks Rule's shared key/)
    expect(body.error.message).not.toMatch(/WEBHOOK_BASE_URL/)
  })

  it('refuses a request with no signature and says why', async () => {
    const res = await send('/hooks/voice', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'CallSid=CA1',
    })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      error: {
        code: 'forbidden',
        message: 'Only Twilio may call this endpoint: the X-Twilio-Signature header is missing.',
      },
    })
  })

  it('accepts the WebSocket upgrade signed over its wss:// URL with no parameters', async () => {
    const path = '/hooks/stream/conf-42'
    const upgrade = (signature: string) =>
      send(path, { headers: { upgrade: 'websocket', 'x-twilio-signature': signature } })
    const wssSignature = await twilioSignature(AUTH_TOKEN, `wss://bridge.example.test${path}`)
    const res = await upgrade(wssSignature)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('stream for conf-42')
    const httpsSignature = await twilioSignature(AUTH_TOKEN, `${PUBLIC_BASE}${path}`)
    expect((await upgrade(httpsSignature)).status).toBe(403)
  })

  it('accepts a JSON callback whose body matches its signed bodySHA256, and nothing else', async () => {
    const body = JSON.stringify({ event: 'participant-join', name: 'Zoë' })
    const path = `/hooks/events?bodySHA256=${await bodySha256(body)}`
    const signature = await twilioSignature(AUTH_TOKEN, PUBLIC_BASE + path)
    const post = (payload: string) =>
      send(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-twilio-signature': signature },
        body: payload,
      })
    const res = await post(body)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ event: 'participant-join', name: 'Zoë' })
    expect((await post(body.replace('Zoë', 'Eve'))).status).toBe(403)
  })

  it('answers 503 not_configured, naming the setting, without an auth token', async () => {
    const res = await send(
      '/hooks/voice',
      { method: 'POST', headers: { 'x-twilio-signature': 'x' } },
      { TWILIO_AUTH_TOKEN: undefined },
    )
    expect(res.status).toBe(503)
    const body = await res.json<{ error: { code: string; message: string } }>()
    expect(body.error.code).toBe('not_configured')
    expect(body.error.message).toMatch(/TWILIO_AUTH_TOKEN is not set/)
  })

  it('answers 503 not_configured without a webhook base URL', async () => {
    const res = await send(
      '/hooks/voice',
      { method: 'POST', headers: { 'x-twilio-signature': 'x' } },
      { WEBHOOK_BASE_URL: '' },
    )
    expect(res.status).toBe(503)
    expect(await res.text()).toMatch(/WEBHOOK_BASE_URL is not set/)
  })
})
