import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ApiError } from './api-error.ts'
import { agentInitiation, dialAllowlist, webhookBaseUrl } from './config.ts'
import { conversationInitiation } from './elevenlabs/client-messages.ts'

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

  it('writes the public base URL as Twilio is given it: no trailing slash, scheme in lower case', () => {
    expect(webhookBaseUrl({ ...env, WEBHOOK_BASE_URL: 'HTTPS://Bridge.example.test/' })).toBe(
      'https://Bridge.example.test',
    )
  })
})
