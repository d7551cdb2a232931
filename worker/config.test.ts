import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ApiError } from './api-error.ts'
import { roomFor } from './conference/conference-id.ts'
import {
  agentInitiation,
  dialAllowlist,
  type Env,
  requireSettings,
  roomLocationHint,
  webhookBaseUrl,
} from './config.ts'
import { conversationInitiation } from './elevenlabs/client-messages.ts'
import { settingsStatus } from './settings.ts'

/** What the settings check says of a WEBHOOK_BASE_URL, if anything. */
const webhookBaseProblem = (value: string) =>
  settingsStatus({ WEBHOOK_BASE_URL: value }).find((s) => s.name === 'WEBHOOK_BASE_URL')?.problem

describe('configuration', () => {
  it('puts the configured override and dynamic variables into the agent initiation', () => {
    const initiation = conversationInitiation(
      agentInitiation({
        ...env,
        ELEVENLABS_CONVERSATION_OVERRIDE: '{"agent":{"language":"he"}}',
        ELEVENLABS_DYNAMIC_VARIABLES: '{"customer":"Dana"}',
      }),
    )
    expect(JSON.parse(initiation)).toEqual({
      type: 'conversation_initiation_client_data',
      conversation_config_override: { agent: { language: 'he' } },
      dynamic_variables: { customer: 'Dana' },
    })
  })

  it('refuses an override that would leave the agent unable to talk on a call', () => {
    const problem = (override: object) =>
      settingsStatus({ ELEVENLABS_CONVERSATION_OVERRIDE: JSON.stringify(override) }).find(
        (setting) => setting.name === 'ELEVENLABS_CONVERSATION_OVERRIDE',
      )?.problem
    expect(problem({ conversation: { client_events: ['audio', 'agent_response'] } })).toBe(
      'ELEVENLABS_CONVERSATION_OVERRIDE conversation.client_events must include conversation_initiation_metadata, interruption, ping, which the call needs',
    )
    expect(problem({ conversation: { text_only: true } })).toMatch(
      /must not set conversation\.text_only/,
    )
    const enough = ['conversation_initiation_metadata', 'audio', 'interruption', 'ping']
    expect(problem({ conversation: { client_events: enough } })).toBeUndefined()
    // Refused, it is not sent: the agent's own settings stand.
    const refused = {
      ...env,
      ELEVENLABS_CONVERSATION_OVERRIDE: '{"conversation":{"text_only":true}}',
    }
    expect(agentInitiation(refused)).toEqual({})
  })

  it('sends neither when they are not configured', () => {
    const { ELEVENLABS_CONVERSATION_OVERRIDE, ELEVENLABS_DYNAMIC_VARIABLES, ...rest } = env
    expect(JSON.parse(conversationInitiation(agentInitiation(rest)))).toEqual({
      type: 'conversation_initiation_client_data',
    })
  })

  it('reads DIAL_ALLOWLIST, and refuses rather than ignores an invalid one', () => {
    expect(dialAllowlist({ ...env, DIAL_ALLOWLIST: ' +1, +972 ' })).toEqual(['+1', '+972'])
    expect(dialAllowlist({ ...env, DIAL_ALLOWLIST: '' })).toEqual([])
    expect(() => dialAllowlist({ ...env, DIAL_ALLOWLIST: '1,44' })).toThrow(ApiError)
    // Set to nothing but separators: a typo, not "any number".
    expect(() => dialAllowlist({ ...env, DIAL_ALLOWLIST: ' , ' })).toThrow(ApiError)
  })

  it('refuses a WEBHOOK_BASE_URL with a user name or password, which TwiML and refusals would show', () => {
    expect(webhookBaseProblem('https://twilio:s3cret@bridge.example.test')).toBe(
      'WEBHOOK_BASE_URL must not carry a user name or password',
    )
    expect(webhookBaseProblem('http://bridge.example.test')).toMatch(/must be the public https/)
    expect(webhookBaseProblem('https://bridge.example.test/path@x')).toBeUndefined()
  })

  it('refuses a WEBHOOK_BASE_URL with a query or fragment, which the routes would be appended to', () => {
    for (const value of ['https://bridge.example.test?a=b', 'https://bridge.example.test/#f']) {
      expect(webhookBaseProblem(value)).toBe(
        'WEBHOOK_BASE_URL must not carry a query string or fragment: the routes are appended to it',
      )
    }
    expect(webhookBaseProblem('https://bridge.example.test/prefix')).toBeUndefined()
  })

  it('refuses a WEBHOOK_BASE_URL that names a route, as a pasted Voice URL does', () => {
    for (const value of [
      'https://bridge.example.test/api/twilio/conference-elevenlabs',
      'https://bridge.example.test/api/',
      'https://bridge.example.test/prefix/API',
    ]) {
      expect(webhookBaseProblem(value)).toBe(
        'WEBHOOK_BASE_URL must not name a route (…/api/…): it is the base the routes are appended to, e.g. https://name.workers.dev',
      )
    }
    expect(webhookBaseProblem('https://bridge.example.test/apiary')).toBeUndefined()
  })

  it('says add for a missing setting, fix for a wrong one, and it or them by how many', () => {
    const message = (overrides: Partial<Env>, names: Parameters<typeof requireSettings>[1]) => {
      try {
        requireSettings({ ...env, ...overrides }, names)
      } catch (error) {
        return (error as ApiError).message
      }
      return undefined
    }
    const { TWILIO_PHONE_NUMBER: _p, ...noNumber } = env
    expect(
      message({ ...noNumber, TWILIO_PHONE_NUMBER: '' }, [
        'TWILIO_ACCOUNT_SID',
        'TWILIO_PHONE_NUMBER',
      ]),
    ).toBe(
      'TWILIO_PHONE_NUMBER is not set: add it in .dev.vars (see .dev.vars.example) or set it with `wrangler secret put`.',
    )
    expect(
      message({ WEBHOOK_BASE_URL: 'http://bridge.example.test' }, ['WEBHOOK_BASE_URL']),
    ).toMatch(/^WEBHOOK_BASE_URL must be the public https.*: fix it in \.dev\.vars/)
    expect(
      message({ WEBHOOK_BASE_URL: 'http://x.test', TWILIO_PHONE_NUMBER: '' }, [
        'WEBHOOK_BASE_URL',
        'TWILIO_PHONE_NUMBER',
      ]),
    ).toMatch(/: add or fix them in \.dev\.vars .* set them with/)
  })

  it('refuses a WEBHOOK_BASE_URL on a port other than 443, where Twilio opens no media stream', () => {
    expect(webhookBaseProblem('https://bridge.example.test:8443')).toBe(
      "WEBHOOK_BASE_URL must use https's own port, 443: Twilio opens media streams on no other",
    )
    expect(webhookBaseProblem('https://bridge.example.test:443/prefix')).toBeUndefined()
  })

  it('writes the public base URL as Twilio is given it: no trailing slash, scheme in lower case', () => {
    expect(webhookBaseUrl({ ...env, WEBHOOK_BASE_URL: 'HTTPS://Bridge.example.test/' })).toBe(
      'https://Bridge.example.test',
    )
  })

  it("refuses a value over 5 KB, which Cloudflare's secrets cannot hold, though .dev.vars can", () => {
    // 2561 characters, which a count of characters would let through: 5122 bytes in UTF-8.
    const prompt = 'é'.repeat(2561)
    const override = JSON.stringify({ agent: { prompt: { prompt } } })
    const status = settingsStatus({ ELEVENLABS_CONVERSATION_OVERRIDE: override }).find(
      (s) => s.name === 'ELEVENLABS_CONVERSATION_OVERRIDE',
    )
    expect(status?.problem).toBe(
      'ELEVENLABS_CONVERSATION_OVERRIDE is over 5 KB, more than Cloudflare lets a variable or secret hold',
    )
    expect(agentInitiation({ ...env, ELEVENLABS_CONVERSATION_OVERRIDE: override })).toEqual({})
    const justUnder = JSON.stringify({ agent: { prompt: { prompt: 'a'.repeat(5000) } } })
    expect(
      agentInitiation({ ...env, ELEVENLABS_CONVERSATION_OVERRIDE: justUnder })
        .conversationConfigOverride,
    ).toBeDefined()
    expect(() =>
      requireSettings({ ...env, DIAL_ALLOWLIST: `+1,${'+44,'.repeat(1300)}` }, ['DIAL_ALLOWLIST']),
    ).toThrow(/DIAL_ALLOWLIST is over 5 KB/)
  })

  it('takes an agent id as ElevenLabs writes one, and says what is wrong with another', () => {
    const problem = (value: string) =>
      settingsStatus({ ELEVENLABS_AGENT_ID: value }).find((s) => s.name === 'ELEVENLABS_AGENT_ID')
        ?.problem
    expect(problem('agent_7101k5xq2f3ve9zt0vj2b1m9e8rw')).toBeUndefined()
    expect(problem('21m00Tcm4TlvDq8ikWAM')).toBeUndefined()
    expect(problem('agent_7101k5 # the sales agent')).toMatch(/^ELEVENLABS_AGENT_ID must be/)
  })

  it('asks for rooms in eastern North America, near Twilio US1, unless told where', () => {
    expect(roomLocationHint(env)).toBe('enam')
    expect(roomLocationHint({ ...env, ROOM_LOCATION_HINT: 'weur' })).toBe('weur')
    expect(roomLocationHint({ ...env, ROOM_LOCATION_HINT: 'europe' })).toBe('enam')
    expect(
      settingsStatus({ ROOM_LOCATION_HINT: 'europe' }).find((s) => s.name === 'ROOM_LOCATION_HINT')
        ?.problem,
    ).toMatch(/^ROOM_LOCATION_HINT must be one of wnam, enam, .*, me$/)
    // The hint goes with every get(): only the first, which makes the room, counts.
    const asked: unknown[] = []
    const namespace = {
      idFromName: (name: string) => name,
      get: (...args: unknown[]) => asked.push(args),
    }
    roomFor({ CONFERENCE_ROOM: namespace } as unknown as Env, 'conf-y')
    roomFor(
      { ...env, CONFERENCE_ROOM: namespace, ROOM_LOCATION_HINT: 'apac' } as unknown as Env,
      'conf-z',
    )
    expect(asked).toEqual([
      ['conf-y', { locationHint: 'enam' }],
      ['conf-z', { locationHint: 'apac' }],
    ])
  })
})
