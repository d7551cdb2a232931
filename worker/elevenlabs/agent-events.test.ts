import { describe, expect, it } from 'vitest'
import { type AgentEvent, parseAgentEvent } from './agent-events.ts'

const parse = (message: unknown) => parseAgentEvent(JSON.stringify(message))
const reasonOf = (event: AgentEvent) => (event.type === 'invalid' ? event.reason : undefined)

describe('parseAgentEvent: the events a bridge acts on', () => {
  it('reads conversation_initiation_metadata with both audio formats as given', () => {
    const event = parse({
      type: 'conversation_initiation_metadata',
      conversation_initiation_metadata_event: {
        conversation_id: 'conv_1',
        agent_output_audio_format: 'pcm_24000',
        user_input_audio_format: 'ulaw_8000',
      },
    })
    expect(event).toEqual({
      type: 'conversation_initiation_metadata',
      conversationId: 'conv_1',
      userInputAudioFormat: 'ulaw_8000',
      agentOutputAudioFormat: 'pcm_24000',
    })
  })

  it('assumes pcm_16000 input when the metadata leaves the input format out, as the official client does', () => {
    const event = parse({
      type: 'conversation_initiation_metadata',
      conversation_initiation_metadata_event: {
        conversation_id: 'conv_1',
        agent_output_audio_format: 'ulaw_8000',
      },
    })
    expect(event).toMatchObject({ userInputAudioFormat: 'pcm_16000' })
  })

  it('passes unknown format names through for the bridge to reject', () => {
    const event = parse({
      type: 'conversation_initiation_metadata',
      conversation_initiation_metadata_event: {
        conversation_id: 'conv_1',
        agent_output_audio_format: 'mp3_44100',
        user_input_audio_format: 'opus_48000',
      },
    })
    expect(event).toMatchObject({
      agentOutputAudioFormat: 'mp3_44100',
      userInputAudioFormat: 'opus_48000',
    })
  })

  it('reads audio with its event id and ignores the alignment', () => {
    const event = parse({
      type: 'audio',
      audio_event: {
        audio_base_64: 'AAA=',
        event_id: 7,
        alignment: { chars: ['a'], char_start_times_ms: [0], char_durations_ms: [10] },
      },
    })
    expect(event).toEqual({ type: 'audio', audioBase64: 'AAA=', eventId: 7 })
  })

  it('reads interruption with the event id it cuts off', () => {
    expect(parse({ type: 'interruption', interruption_event: { event_id: 9 } })).toEqual({
      type: 'interruption',
      eventId: 9,
    })
  })

  it('reads an interruption without a usable event id, which must still clear Twilio', () => {
    for (const message of [
      { type: 'interruption', interruption_event: {} },
      { type: 'interruption', interruption_event: { event_id: null } },
      { type: 'interruption', interruption_event: { event_id: '9' } },
      { type: 'interruption' },
    ]) {
      expect(parse(message), JSON.stringify(message)).toEqual({ type: 'interruption' })
    }
  })

  it('reads ping with ping_ms when the server has measured one', () => {
    expect(parse({ type: 'ping', ping_event: { event_id: 3, ping_ms: 42 } })).toEqual({
      type: 'ping',
      eventId: 3,
      pingMs: 42,
    })
  })

  it('reads ping without ping_ms when it is null or absent', () => {
    expect(parse({ type: 'ping', ping_event: { event_id: 1, ping_ms: null } })).toEqual({
      type: 'ping',
      eventId: 1,
    })
    expect(parse({ type: 'ping', ping_event: { event_id: 2 } })).toEqual({
      type: 'ping',
      eventId: 2,
    })
  })

  it('reads agent_response with and without an event id', () => {
    expect(
      parse({
        type: 'agent_response',
        agent_response_event: { agent_response: 'Hi', event_id: 4 },
      }),
    ).toEqual({ type: 'agent_response', text: 'Hi', eventId: 4 })
    expect(
      parse({ type: 'agent_response', agent_response_event: { agent_response: 'Hi' } }),
    ).toEqual({ type: 'agent_response', text: 'Hi' })
  })

  it('reads agent_response_correction as original and corrected text', () => {
    const event = parse({
      type: 'agent_response_correction',
      agent_response_correction_event: {
        original_agent_response: 'Hello there, how',
        corrected_agent_response: 'Hello there',
        event_id: 5,
      },
    })
    expect(event).toEqual({
      type: 'agent_response_correction',
      original: 'Hello there, how',
      corrected: 'Hello there',
      eventId: 5,
    })
  })

  it('reads user_transcript and tentative_user_transcript', () => {
    expect(
      parse({
        type: 'user_transcript',
        user_transcription_event: { user_transcript: 'yes', event_id: 6 },
      }),
    ).toEqual({ type: 'user_transcript', text: 'yes', eventId: 6 })
    expect(
      parse({
        type: 'tentative_user_transcript',
        tentative_user_transcription_event: { user_transcript: 'ye', event_id: 6 },
      }),
    ).toEqual({ type: 'tentative_user_transcript', text: 'ye', eventId: 6 })
  })

  it('reads vad_score', () => {
    expect(parse({ type: 'vad_score', vad_score_event: { vad_score: 0.93 } })).toEqual({
      type: 'vad_score',
      score: 0.93,
    })
  })

  it('reads client_tool_call with its parameters', () => {
    const event = parse({
      type: 'client_tool_call',
      client_tool_call: {
        tool_name: 'add_participant',
        tool_call_id: 'call_1',
        parameters: { phone: '+14155550100' },
        event_id: 8,
      },
    })
    expect(event).toEqual({
      type: 'client_tool_call',
      toolName: 'add_participant',
      toolCallId: 'call_1',
      parameters: { phone: '+14155550100' },
      eventId: 8,
    })
  })

  it('reads a client_tool_call it cannot run as malformed, keeping the id it must be answered with', () => {
    expect(
      parse({
        type: 'client_tool_call',
        client_tool_call: { tool_name: 'open_door', tool_call_id: 'call_2', parameters: [] },
      }),
    ).toEqual({
      type: 'malformed_tool_call',
      toolCallId: 'call_2',
      reason: 'open_door with parameters that are not an object',
    })
    expect(
      parse({ type: 'client_tool_call', client_tool_call: { tool_call_id: 'call_3' } }),
    ).toEqual({
      type: 'malformed_tool_call',
      toolCallId: 'call_3',
      reason: 'client_tool_call without a tool_name',
    })
  })

  it('reads error with whatever of code, error_type and message it carries', () => {
    expect(
      parse({
        type: 'error',
        error_event: { code: 1008, error_type: 'override_error', message: 'not allowed' },
      }),
    ).toEqual({ type: 'error', code: 1008, errorType: 'override_error', message: 'not allowed' })
    expect(parse({ type: 'error', error_event: {} })).toEqual({ type: 'error' })
  })

  it("reads an error's generic reason when it has no message", () => {
    expect(
      parseAgentEvent(
        JSON.stringify({
          type: 'error',
          error_event: {
            code: 1011,
            error_type: 'unknown',
            reason: 'Try again later',
            debug_message: 'x',
          },
        }),
      ),
    ).toEqual({ type: 'error', code: 1011, errorType: 'unknown', message: 'Try again later' })
  })

  it("prefers an error's message to its generic reason", () => {
    expect(
      parseAgentEvent(
        JSON.stringify({
          type: 'error',
          error_event: { message: 'Quota exceeded', reason: 'Error' },
        }),
      ),
    ).toEqual({ type: 'error', message: 'Quota exceeded' })
  })

  it('names the contract’s other server events so the bridge can ignore them', () => {
    for (const name of [
      'agent_chat_response_part',
      'agent_tool_response',
      'mcp_tool_call',
      'context_usage',
      'asr_initiation_metadata',
      'internal_tentative_agent_response',
      'agent_typing',
    ]) {
      expect(parse({ type: name })).toEqual({ type: 'other', name })
    }
  })
})

describe('parseAgentEvent: input it refuses without throwing', () => {
  it('refuses binary frames', () => {
    expect(parseAgentEvent(new Uint8Array([123, 125]).buffer)).toEqual({
      type: 'invalid',
      reason: 'binary frame',
    })
  })

  it('refuses text that is not JSON', () => {
    expect(reasonOf(parseAgentEvent('{"type":'))).toBe('not JSON')
    expect(reasonOf(parseAgentEvent(''))).toBe('not JSON')
  })

  it('refuses JSON that is not an object', () => {
    for (const text of ['null', '[]', '42', '"audio"', 'true']) {
      expect(reasonOf(parseAgentEvent(text))).toBe('not a JSON object')
    }
  })

  it('refuses objects without a string type', () => {
    expect(reasonOf(parse({ audio_event: { audio_base_64: 'AAA=', event_id: 1 } }))).toBe('no type')
    expect(reasonOf(parse({ type: 7 }))).toBe('no type')
  })

  it('tells types the contract does not name from bad input, names from Object.prototype too', () => {
    for (const type of ['audio_v2', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(parse({ type })).toEqual({ type: 'unknown', name: type, sample: 'keys type' })
    }
    expect(parse({ type: 'x'.repeat(100) })).toMatchObject({ name: 'x'.repeat(40) })
    // An error's body is kept for the log, cut short; another's values are not.
    const error = parse({ type: 'client_error', client_error_event: { message: 'y'.repeat(500) } })
    expect(error.type === 'unknown' && error.sample).toMatch(
      /^\{"type":"client_error","client_error_event"/,
    )
    expect(error.type === 'unknown' && error.sample).toHaveLength(200)
    expect(parse({ type: 'agent_mood', text: 'I said my card number' })).toMatchObject({
      sample: 'keys type, text',
    })
  })

  it('refuses each known event missing its required fields', () => {
    const broken: unknown[] = [
      { type: 'conversation_initiation_metadata' },
      {
        type: 'conversation_initiation_metadata',
        conversation_initiation_metadata_event: {
          conversation_id: 'c',
          user_input_audio_format: 'ulaw_8000',
        },
      },
      {
        type: 'conversation_initiation_metadata',
        conversation_initiation_metadata_event: { agent_output_audio_format: 'ulaw_8000' },
      },
      { type: 'audio', audio_event: { event_id: 1 } },
      { type: 'audio', audio_event: { audio_base_64: 'AAA=' } },
      { type: 'audio', audio_event: 'AAA=' },
      { type: 'ping', ping_event: { ping_ms: 5 } },
      { type: 'agent_response', agent_response_event: { event_id: 1 } },
      {
        type: 'agent_response_correction',
        agent_response_correction_event: { corrected_agent_response: 'x' },
      },
      { type: 'user_transcript', user_transcription_event: {} },
      { type: 'tentative_user_transcript' },
      { type: 'vad_score', vad_score_event: {} },
      { type: 'client_tool_call', client_tool_call: { tool_name: 'x' } },
      { type: 'client_tool_call', client_tool_call: { tool_name: 'x', tool_call_id: 7 } },
    ]
    for (const message of broken) {
      expect(reasonOf(parse(message)), JSON.stringify(message)).toMatch(
        /without its required fields$/,
      )
    }
  })

  it('refuses fields of the wrong type', () => {
    const wrong: unknown[] = [
      { type: 'audio', audio_event: { audio_base_64: 'AAA=', event_id: '7' } },
      { type: 'audio', audio_event: { audio_base_64: 'AAA=', event_id: 7.5 } },
      { type: 'audio', audio_event: { audio_base_64: 42, event_id: 7 } },
      { type: 'ping', ping_event: { event_id: '1' } },
      { type: 'vad_score', vad_score_event: { vad_score: '0.5' } },
      {
        type: 'conversation_initiation_metadata',
        conversation_initiation_metadata_event: {
          conversation_id: 'c',
          agent_output_audio_format: 'ulaw_8000',
          user_input_audio_format: 16000,
        },
      },
    ]
    for (const message of wrong) {
      expect(parse(message).type, JSON.stringify(message)).toBe('invalid')
    }
  })

  it('drops an optional event id of the wrong type instead of refusing the event', () => {
    expect(
      parse({
        type: 'agent_response',
        agent_response_event: { agent_response: 'Hi', event_id: 'x' },
      }),
    ).toEqual({ type: 'agent_response', text: 'Hi' })
  })
})
