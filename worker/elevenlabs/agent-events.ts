/**
 * Every message the ElevenLabs agent server sends, parsed once into a typed
 * `AgentEvent`, never throwing: anything unusable (binary, not JSON, no type, a
 * known type without its required fields) becomes `{ type: 'invalid' }`, and a type
 * the contract does not name `{ type: 'unknown' }`.
 * Field names are checked against the types generated from the AsyncAPI
 * contract in `@elevenlabs/types`. This runs for every audio event (up to
 * ~50/s per call), so it is one `JSON.parse` and a few field checks.
 */
import type {
  AgentResponse,
  AgentResponseCorrection,
  AudioClientEvent,
  ClientToolCallMessage,
  ConversationConfigOverrideConversationClientEventsItem as ContractEventName,
  ConversationMetadata,
  ErrorMessage,
  Interruption,
  McpToolCall,
  Ping,
  TentativeUserTranscript,
  UserTranscript,
  VadScore,
} from '@elevenlabs/types'
import { ShapeKeeper } from '../json-shapes.ts'

export type AgentEvent =
  | {
      type: 'conversation_initiation_metadata'
      conversationId: string
      /** Raw format names (pcm_8000 … pcm_48000, ulaw_8000): the bridge validates them. */
      userInputAudioFormat: string
      agentOutputAudioFormat: string
    }
  | { type: 'audio'; audioBase64: string; eventId: number }
  /**
   * Without a usable event id it still means "stop playing": the bridge clears Twilio and
   * takes it to reach the newest audio it has had.
   */
  | { type: 'interruption'; eventId?: number }
  | { type: 'ping'; eventId: number; pingMs?: number }
  | { type: 'agent_response'; text: string; eventId?: number }
  | { type: 'agent_response_correction'; original: string; corrected: string; eventId?: number }
  | { type: 'user_transcript'; text: string; eventId?: number }
  | { type: 'tentative_user_transcript'; text: string; eventId?: number }
  | { type: 'vad_score'; score: number }
  | {
      type: 'client_tool_call'
      toolName: string
      toolCallId: string
      parameters: Record<string, unknown>
      eventId?: number
    }
  /** A client_tool_call that cannot be run but names its call, so it can still be answered. */
  | { type: 'malformed_tool_call'; toolCallId: string; reason: string }
  /**
   * An MCP tool call the agent will not make until it is approved (`mcp_tool_call` in state
   * `awaiting_approval`); the agent waits for the answer up to `approval_timeout_secs`,
   * 300 by default. Its other states only report.
   */
  | { type: 'mcp_approval_request'; toolCallId: string; toolName: string }
  | { type: 'error'; code?: number; errorType?: string; message?: string }
  /** A server message the contract knows and the bridge may ignore (some states of one it reads). */
  | { type: 'other'; name: ContractEventName }
  /**
   * A well-formed message of a type the contract does not name: a newer server's, which a
   * client that does not ask for it is free to ignore. Not bad input. `sample`, for the
   * log: an error's start (a `client_error` says why in its body), or another's keys (its
   * values may be what someone said).
   */
  | { type: 'unknown'; name: string; sample: string }
  | { type: 'invalid'; reason: string }

type ParsedMessage =
  | ConversationMetadata
  | AudioClientEvent
  | Interruption
  | Ping
  | AgentResponse
  | AgentResponseCorrection
  | UserTranscript
  | TentativeUserTranscript
  | VadScore
  | ClientToolCallMessage
  | McpToolCall
  | ErrorMessage

export type OtherEventName = Exclude<ContractEventName, ParsedMessage['type']>

/** A received object before validation: any field may be missing or of another type. */
type Unchecked<T> = { [K in keyof T]?: unknown }
type Parser<M> = (message: Unchecked<M>) => AgentEvent | undefined

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const isString = (value: unknown): value is string => typeof value === 'string'
const isEventId = (value: unknown): value is number => Number.isInteger(value)
const part = <T>(value: unknown): Unchecked<T> => (isRecord(value) ? value : {})
const optionalEventId = (value: unknown) => (isEventId(value) ? { eventId: value } : {})

const PARSERS: { [T in ParsedMessage['type']]: Parser<Extract<ParsedMessage, { type: T }>> } = {
  conversation_initiation_metadata: (message) => {
    const data = part<ConversationMetadata['conversation_initiation_metadata_event']>(
      message.conversation_initiation_metadata_event,
    )
    const { conversation_id, agent_output_audio_format } = data
    // The official client assumes pcm_16000 when the server leaves the input format out
    // (elevenlabs/packages, packages/client/src/utils/WebSocketConnection.ts).
    const input = data.user_input_audio_format ?? 'pcm_16000'
    if (!isString(conversation_id) || !isString(agent_output_audio_format) || !isString(input)) {
      return undefined
    }
    return {
      type: 'conversation_initiation_metadata',
      conversationId: conversation_id,
      userInputAudioFormat: input,
      agentOutputAudioFormat: agent_output_audio_format,
    }
  },
  audio: (message) => {
    const { audio_base_64, event_id } = part<AudioClientEvent['audio_event']>(message.audio_event)
    if (!isString(audio_base_64) || !isEventId(event_id)) return undefined
    return { type: 'audio', audioBase64: audio_base_64, eventId: event_id }
  },
  interruption: (message) => {
    const { event_id } = part<Interruption['interruption_event']>(message.interruption_event)
    return { type: 'interruption', ...optionalEventId(event_id) }
  },
  ping: (message) => {
    const { event_id, ping_ms } = part<Ping['ping_event']>(message.ping_event)
    if (!isEventId(event_id)) return undefined
    // ping_ms is null until the server has timed a pong (contract: PingData.ping_ms).
    return {
      type: 'ping',
      eventId: event_id,
      ...(typeof ping_ms === 'number' && { pingMs: ping_ms }),
    }
  },
  agent_response: (message) => {
    const data = part<AgentResponse['agent_response_event']>(message.agent_response_event)
    if (!isString(data.agent_response)) return undefined
    return { type: 'agent_response', text: data.agent_response, ...optionalEventId(data.event_id) }
  },
  agent_response_correction: (message) => {
    const data = part<AgentResponseCorrection['agent_response_correction_event']>(
      message.agent_response_correction_event,
    )
    const { original_agent_response: original, corrected_agent_response: corrected } = data
    if (!isString(original) || !isString(corrected)) return undefined
    return {
      type: 'agent_response_correction',
      original,
      corrected,
      ...optionalEventId(data.event_id),
    }
  },
  user_transcript: (message) => {
    const data = part<UserTranscript['user_transcription_event']>(message.user_transcription_event)
    if (!isString(data.user_transcript)) return undefined
    return {
      type: 'user_transcript',
      text: data.user_transcript,
      ...optionalEventId(data.event_id),
    }
  },
  tentative_user_transcript: (message) => {
    const data = part<TentativeUserTranscript['tentative_user_transcription_event']>(
      message.tentative_user_transcription_event,
    )
    if (!isString(data.user_transcript)) return undefined
    const text = data.user_transcript
    return { type: 'tentative_user_transcript', text, ...optionalEventId(data.event_id) }
  },
  vad_score: (message) => {
    const { vad_score } = part<VadScore['vad_score_event']>(message.vad_score_event)
    return typeof vad_score === 'number' ? { type: 'vad_score', score: vad_score } : undefined
  },
  client_tool_call: (message) => {
    const data = part<ClientToolCallMessage['client_tool_call']>(message.client_tool_call)
    const { tool_name, tool_call_id, parameters } = data
    if (!isString(tool_call_id)) return undefined
    // The agent waits for the result of any call it named, so a malformed one is still answered.
    const malformed = (reason: string): AgentEvent => ({
      type: 'malformed_tool_call',
      toolCallId: tool_call_id,
      reason,
    })
    if (!isString(tool_name)) return malformed('client_tool_call without a tool_name')
    if (parameters !== undefined && !isRecord(parameters)) {
      return malformed(`${tool_name} with parameters that are not an object`)
    }
    return {
      type: 'client_tool_call',
      toolName: tool_name,
      toolCallId: tool_call_id,
      parameters: parameters ?? {},
      ...optionalEventId(data.event_id),
    }
  },
  mcp_tool_call: (message) => {
    const data = part<McpToolCall['mcp_tool_call']>(message.mcp_tool_call)
    if (data.state !== 'awaiting_approval') return { type: 'other', name: 'mcp_tool_call' }
    const { tool_call_id, tool_name } = data
    if (!isString(tool_call_id)) return undefined
    return {
      type: 'mcp_approval_request',
      toolCallId: tool_call_id,
      toolName: isString(tool_name) ? tool_name : 'unnamed',
    }
  },
  error: (message) => {
    const data = part<ErrorMessage['error_event']>(message.error_event)
    // `reason` is the contract's "generic reason without sensitive details (sent to all
    // clients)": what to show when there is no message.
    const text = isString(data.message) ? data.message : data.reason
    return {
      type: 'error',
      ...(typeof data.code === 'number' && { code: data.code }),
      ...(isString(data.error_type) && { errorType: data.error_type }),
      ...(isString(text) && { message: text }),
    }
  },
}

/** Exhaustive by construction: the contract's every other server event type. */
const OTHER_EVENTS: Record<OtherEventName, true> = {
  agent_chat_response_part: true,
  agent_reasoning_response_part: true,
  rich_content: true,
  agent_tool_request: true,
  agent_tool_response: true,
  agent_tool_response_full_payload: true,
  mcp_connection_status: true,
  context_usage: true,
  asr_initiation_metadata: true,
  guardrail_triggered: true,
  internal_turn_probability: true,
  internal_tentative_agent_response: true,
  agent_typing: true,
  external_agent_connected: true,
  external_agent_disconnected: true,
}

const invalid = (reason: string): AgentEvent => ({ type: 'invalid', reason })

/** Every kind the bridge reads, audio and pings above all (json-shapes.ts). */
export const agentMessageShapes = new ShapeKeeper<ParsedMessage['type']>()

/** How much of a message of a type the contract does not name is kept for the log. */
const UNKNOWN_SAMPLE_CHARS = 200

/** Parses one WebSocket message from the agent; anything unusable becomes `{ type: 'invalid' }`. */
export function parseAgentEvent(data: string | ArrayBuffer): AgentEvent {
  if (typeof data !== 'string') return invalid('binary frame')
  let message: unknown
  try {
    message = JSON.parse(data)
  } catch {
    return invalid('not JSON')
  }
  if (!isRecord(message)) return invalid('not a JSON object')
  const { type } = message
  if (!isString(type)) return invalid('no type')
  if (Object.hasOwn(PARSERS, type)) {
    const kind = type as ParsedMessage['type']
    const event = (PARSERS[kind] as Parser<ParsedMessage>)(message)
    if (!event) return invalid(`${type} without its required fields`)
    agentMessageShapes.keep(kind, message)
    return event
  }
  if (Object.hasOwn(OTHER_EVENTS, type)) return { type: 'other', name: type as OtherEventName }
  // An error's body says why; any other's may hold what was said, so only its keys.
  const sample = /error/i.test(type)
    ? data.slice(0, UNKNOWN_SAMPLE_CHARS)
    : `keys ${Object.keys(message).join(', ')}`.slice(0, UNKNOWN_SAMPLE_CHARS)
  return { type: 'unknown', name: type.slice(0, 40), sample }
}
