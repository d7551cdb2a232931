import { describe, expect, it } from 'vitest'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import { devPlan } from './plan.ts'

describe('npm run dev', () => {
  it('with no .dev.vars: says so, turns on local calls and starts the local agent', () => {
    const plan = devPlan(undefined)
    expect(plan.vars).toEqual({ LOCAL_CALLS: 'true' })
    expect(plan.localAgent).toBe(true)
    const text = plan.lines.join('\n')
    expect(text).toMatch(/No \.dev\.vars yet: copy \.dev\.vars\.example/)
    expect(text).toMatch(/TWILIO_AUTH_TOKEN is not set: checking Twilio signatures/)
    expect(text).toMatch(/Local calls are on/)
    expect(text).toMatch(/ElevenLabs is not configured, so a local agent answers instead/)
    expect(text).toMatch(/APP_ACCESS_KEY is not set/)
    expect(text).not.toMatch(/ELEVENLABS_API_KEY is not set/)
  })

  it('with everything configured: starts nothing and changes nothing', () => {
    const plan = devPlan({ ...TEST_CREDENTIALS, APP_ACCESS_KEY: 'k'.repeat(32) })
    expect(plan).toMatchObject({ vars: {}, localAgent: false })
    expect(plan.lines.join('\n')).toMatch(/Twilio and ElevenLabs are configured\./)
    expect(plan.lines.join('\n')).not.toMatch(/APP_ACCESS_KEY/)
  })

  it('with ElevenLabs but no Twilio: local calls to the real agent', () => {
    const { ELEVENLABS_API_KEY, ELEVENLABS_AGENT_ID } = TEST_CREDENTIALS
    const plan = devPlan({ ELEVENLABS_API_KEY, ELEVENLABS_AGENT_ID })
    expect(plan).toMatchObject({ vars: { LOCAL_CALLS: 'true' }, localAgent: false })
  })

  it('with Twilio but no ElevenLabs key: the local agent, and no local calls', () => {
    const { ELEVENLABS_API_KEY: _key, ELEVENLABS_AGENT_ID: _agent, ...twilio } = TEST_CREDENTIALS
    expect(devPlan(twilio)).toMatchObject({ vars: {}, localAgent: true })
  })

  it("leaves the developer's own choices alone", () => {
    const plan = devPlan({ LOCAL_CALLS: 'false', ELEVENLABS_API_BASE: 'http://127.0.0.1:8790' })
    expect(plan).toMatchObject({ vars: {}, localAgent: false })
  })

  it('treats an invalid Twilio setting as missing', () => {
    const plan = devPlan({ ...TEST_CREDENTIALS, TWILIO_ACCOUNT_SID: 'nope' })
    expect(plan.vars).toEqual({ LOCAL_CALLS: 'true' })
    expect(plan.lines.join('\n')).toMatch(/TWILIO_ACCOUNT_SID must look like AC/)
  })

  it('says what an invalid optional setting means: its fallback, or a refusal', () => {
    const lines = devPlan({
      ...TEST_CREDENTIALS,
      DIAL_ALLOWLIST: '1,44',
      ROOM_LOCATION_HINT: 'eu',
    }).lines.join('\n')
    expect(lines).toMatch(
      /DIAL_ALLOWLIST must be [^\n]*: every dial is refused until it is fixed\./,
    )
    expect(lines).toMatch(/ROOM_LOCATION_HINT must be [^\n]*: the default, enam, is used until/)
    expect(lines).not.toMatch(/any valid number may be dialled|nothing \(/)
  })
})
