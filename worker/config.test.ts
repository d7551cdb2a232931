import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ApiError } from './api-error.ts'
import { agentInitiation, dialAllowlist, webhookBaseUrl } from './config.ts'
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
})
