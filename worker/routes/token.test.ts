import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import app from '../index.ts'
import { api } from '../testing/conference-call.ts'

const claims = (token: string) =>
  JSON.parse(atob(token.split('.')[1]?.replaceAll('-', '+').replaceAll('_', '/') ?? ''))

describe('GET /api/twilio/token', () => {
  it('issues a Voice token for a fresh identity that may call the TwiML App, and only that', async () => {
    const res = await api('/api/twilio/token')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { token: string; identity: string; expiresAt: string }
    expect(body.identity).toMatch(/^web_[0-9a-f]{24}$/)
    const payload = claims(body.token)
    expect(payload).toMatchObject({
      iss: env.TWILIO_API_KEY,
      sub: env.TWILIO_ACCOUNT_SID,
      grants: {
        identity: body.identity,
        voice: { outgoing: { application_sid: env.TWILIO_TWIML_APP_SID } },
      },
    })
    // Only what the page needs: it never registers to receive calls.
    expect(payload.grants.voice.incoming).toBeUndefined()
    expect(payload.exp - payload.iat).toBe(3600)
    expect(new Date(body.expiresAt).getTime()).toBe(payload.exp * 1000)
  })

  it('keeps an identity the page asks for when it is valid, and refuses an invalid one', async () => {
    const kept = (await (await api('/api/twilio/token?identity=dana_1')).json()) as {
      identity: string
    }
    expect(kept.identity).toBe('dana_1')
    const refused = await api('/api/twilio/token?identity=dana%20smith')
    expect(refused.status).toBe(400)
  })

  it('names the missing setting when the API key is not configured', async () => {
    const res = await app.fetch(new Request('http://localhost/api/twilio/token'), {
      ...env,
      TWILIO_API_KEY: '',
    })
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({
      error: {
        code: 'not_configured',
        message: expect.stringContaining('TWILIO_API_KEY is not set'),
      },
    })
  })
})
