import { describe, expect, it } from 'vitest'
import {
  clientToolResult,
  contextualUpdate,
  conversationInitiation,
  pong,
  userAudioChunk,
} from './client-messages.ts'

describe('client messages', () => {
  const decode = (json: string) => JSON.parse(json) as unknown

  it('sends audio as a bare user_audio_chunk without a type', () => {
    expect(decode(userAudioChunk('AAEC'))).toEqual({ user_audio_chunk: 'AAEC' })
  })

  it('answers a ping with a pong carrying its event id', () => {
    expect(decode(pong(12))).toEqual({ type: 'pong', event_id: 12 })
  })

  it('sends contextual updates with a context id only when given one', () => {
    expect(decode(contextualUpdate('Dana joined'))).toEqual({
      type: 'contextual_update',
      text: 'Dana joined',
    })
    expect(decode(contextualUpdate('Dana joined', 'roster'))).toEqual({
      type: 'contextual_update',
      text: 'Dana joined',
      context_id: 'roster',
    })
  })

  it('sends client_tool_result in the contract’s shape', () => {
    expect(decode(clientToolResult('call_1', 'done', false))).toEqual({
      type: 'client_tool_result',
      tool_call_id: 'call_1',
      result: 'done',
      is_error: false,
    })
  })

  it('sends a bare initiation when there is nothing to configure', () => {
    expect(decode(conversationInitiation())).toEqual({
      type: 'conversation_initiation_client_data',
    })
    expect(
      decode(conversationInitiation({ dynamicVariables: {}, conversationConfigOverride: {} })),
    ).toEqual({ type: 'conversation_initiation_client_data' })
  })

  it('puts dynamic variables at the top level, beside the override, not inside it', () => {
    const message = decode(
      conversationInitiation({
        dynamicVariables: { caller: 'Dana' },
        conversationConfigOverride: { agent: { first_message: 'Hello Dana' } },
      }),
    )
    expect(message).toEqual({
      type: 'conversation_initiation_client_data',
      conversation_config_override: { agent: { first_message: 'Hello Dana' } },
      dynamic_variables: { caller: 'Dana' },
    })
  })
})
