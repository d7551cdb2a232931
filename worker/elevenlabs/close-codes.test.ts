import { describe, expect, it } from 'vitest'
import { classifyAgentClose } from './close-codes.ts'

describe('classifyAgentClose', () => {
  it('treats 1000 as the agent ending the conversation', () => {
    expect(classifyAgentClose(1000)).toBe('ended')
  })

  it('treats 1000 before the conversation began as a failed connection, unless it said why', () => {
    expect(classifyAgentClose(1000, undefined, false)).toBe('retry')
    expect(classifyAgentClose(1000, 'unknown', false)).toBe('retry')
    expect(classifyAgentClose(1000, 'override_error', false)).toBe('rejected')
    expect(classifyAgentClose(1000, 'safety_violation', false)).toBe('rejected')
  })

  it('treats 1008 as a rejection not to retry blindly', () => {
    expect(classifyAgentClose(1008)).toBe('rejected')
  })

  it('does not retry a safety violation, which the transcript would bring back', () => {
    expect(classifyAgentClose(1002, 'safety_violation')).toBe('rejected')
    expect(classifyAgentClose(1002, 'llm_timeout')).toBe('retry')
  })

  it('treats operational, internal and abnormal closes as worth a reconnect', () => {
    for (const code of [1001, 1002, 1005, 1006, 1011, 1012])
      expect(classifyAgentClose(code)).toBe('retry')
  })
})
