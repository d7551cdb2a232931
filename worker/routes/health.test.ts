import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import { apiWith } from '../testing/conference-call.ts'

const warningsWith = async (overrides: Parameters<typeof apiWith>[0]) =>
  (await (await apiWith(overrides, '/api/health')).json<{ warnings: string[] }>()).warnings.join(
    '\n',
  )

describe('GET /api/health', () => {
  it('reports every setting as present without revealing any value', async () => {
    const res = await exports.default.fetch('http://localhost/api/health')
    expect(res.status).toBe(200)
    const text = await res.text()
    for (const value of Object.values(TEST_CREDENTIALS)) expect(text).not.toContain(value)
    const body = JSON.parse(text)
    expect(body.status).toBe('ok')
    expect(body.missing).toEqual([])
  })

  it('warns that the API is open while APP_ACCESS_KEY is unset', async () => {
    const body = await (await exports.default.fetch('http://localhost/api/health')).json<{
      warnings: string[]
    }>()
    expect(body.warnings.join('\n')).toMatch(/APP_ACCESS_KEY is not set/)
  })

  it('is not ready without APP_ACCESS_KEY when asked from elsewhere, where the API refuses everything', async () => {
    const health = async (url: string, overrides: Parameters<typeof apiWith>[0] = {}) =>
      (await apiWith(overrides, url)).json<{ status: string; missing: { name: string }[] }>()
    // On this machine the API answers without a key: ready.
    expect(await health('/api/health')).toMatchObject({ status: 'ok', missing: [] })
    // Deployed (another host), it answers nothing without one: the page must not offer a start.
    expect(await health('https://bridge.example.test/api/health')).toMatchObject({
      status: 'incomplete',
      missing: [{ name: 'APP_ACCESS_KEY' }],
    })
    const key = { APP_ACCESS_KEY: 'k3y-for-tests-k3y-for-tests-k3y-for-tests' }
    expect(await health('https://bridge.example.test/api/health', key)).toMatchObject({
      status: 'ok',
    })
    // Set but invalid, it refuses every request, on this machine too.
    expect(await health('/api/health', { APP_ACCESS_KEY: 'short' })).toMatchObject({
      status: 'incomplete',
      missing: [{ name: 'APP_ACCESS_KEY' }],
    })
  })

  it('warns that any number may be dialled while DIAL_ALLOWLIST is unset, and Twilio can dial', async () => {
    expect(await warningsWith({})).toMatch(/DIAL_ALLOWLIST is not set: the API may dial any/)
    expect(await warningsWith({ DIAL_ALLOWLIST: '+1' })).not.toMatch(/DIAL_ALLOWLIST/)
    // Invalid, it refuses every dial, and says so as a problem, not that any may be dialled.
    const invalid = await warningsWith({ DIAL_ALLOWLIST: '1,44' })
    expect(invalid).toMatch(
      /DIAL_ALLOWLIST must be comma-separated E\.164 prefixes like \+1,\+44: every dial is refused until it is fixed\./,
    )
    expect(invalid).not.toMatch(/may dial any|any valid number may be dialled/)
    // Without a caller ID nothing can be dialled: no warning about what may be.
    expect(await warningsWith({ TWILIO_PHONE_NUMBER: '' })).not.toMatch(/DIAL_ALLOWLIST/)
  })

  it('says what an invalid optional setting falls back to, not that nothing is off', async () => {
    const warnings = await warningsWith({
      MAX_PARTICIPANTS: '1',
      LOCAL_CALLS: 'yes',
      ELEVENLABS_CONVERSATION_OVERRIDE: '[',
    })
    expect(warnings).toMatch(
      /MAX_PARTICIPANTS must be a whole number from 2 to 250: the default, 6, is used until it is fixed\./,
    )
    expect(warnings).toMatch(/LOCAL_CALLS must be true or false: local calls stay off until/)
    expect(warnings).toMatch(
      /ELEVENLABS_CONVERSATION_OVERRIDE must be valid JSON: no override is sent/,
    )
    expect(warnings).not.toMatch(/nothing \(/)
  })

  it('says what an invalid required setting turns off, in a sentence that reads for two things', async () => {
    const warnings = await warningsWith({ TWILIO_API_KEY: 'SK-not-a-sid' })
    expect(warnings).toMatch(
      /TWILIO_API_KEY must look like SK followed by 32 hex digits\. Off until it is fixed: this page's call through Twilio, and dialling phones\./,
    )
    expect(warnings).not.toMatch(/is off until/)
  })

  it("says an invalid APP_ACCESS_KEY refuses the page's API, not Twilio's webhooks", async () => {
    expect(await warningsWith({ APP_ACCESS_KEY: 'short' })).toMatch(
      /APP_ACCESS_KEY must be at least 32 characters[^\n]*: the page's API refuses every request \(Twilio's webhooks and \/api\/health still answer\) until it is fixed\./,
    )
  })

  it('warns of an API base that would send its key over plain http, but not to this machine', async () => {
    const warnings = await warningsWith({
      TWILIO_API_BASE: 'http://api.twilio.example.test',
      ELEVENLABS_API_BASE: 'http://127.0.0.1:9000',
    })
    expect(warnings).toMatch(/TWILIO_API_BASE is http:\/\/api\.twilio\.example\.test: its API key/)
    expect(warnings).not.toMatch(/ELEVENLABS_API_BASE is http:\/\/127\.0\.0\.1:9000: its API key/)
    // On this machine, it says which agent that is: a stand-in, not ElevenLabs.
    expect(warnings).toMatch(
      /ELEVENLABS_API_BASE is http:\/\/127\.0\.0\.1:9000, on this machine: the agent is a stand-in there, not ElevenLabs/,
    )
    expect(warnings).not.toMatch(/TWILIO_API_BASE is \S+, on this machine/)
  })

  it('refuses an access key short enough to guess, saying how to make one', async () => {
    const res = await apiWith({ APP_ACCESS_KEY: 'short-but-printable' }, '/api/health')
    const body = await res.json<{ warnings: string[] }>()
    expect(body.warnings.join('\n')).toMatch(
      /APP_ACCESS_KEY must be at least 32 characters, e.g. from `openssl rand -base64 32`/,
    )
    expect(JSON.stringify(body)).not.toContain('short-but-printable')
  })
})
