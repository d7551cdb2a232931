/**
 * Reads what a client sends on the conversation socket and checks it against
 * the contract (the AsyncAPI file in `@elevenlabs/types`): required fields,
 * field types, and audio that is strict base64 of whole samples in the
 * agent's input format. Anything else is a violation, which the real server
 * answers with an `error` event and close 1008 "Invalid message received"
 * (seen in elevenlabs/elevenlabs-python#567 for a message type it did not know).
 */
import type {
  ClientToolResult,
  ContextualUpdate,
  ErrorEventErrorType,
  McpToolApprovalResult,
  Pong,
  UserFeedback,
  UserMessage,
} from '@elevenlabs/types'
import type { AudioFormat } from './agent-config.ts'
import { decodeSamples, isBase64, isPcm } from './audio-codec.ts'

export type ClientMessage =
  | { type: 'user_audio_chunk'; samples: Int16Array; bytes: number; audio: Uint8Array }
  | { type: 'conversation_initiation_client_data'; payload: Record<string, unknown> }
  | { type: 'pong'; eventId: number }
  | { type: 'contextual_update'; text: string; contextId?: string }
  | { type: 'user_activity' }
  | { type: 'user_message'; text?: string }
  | { type: 'client_tool_result'; toolCallId: string; result: string; isError: boolean }
  | { type: 'feedback' | 'mcp_tool_approval_result' | 'multimodal_message' }

export interface Violation {
  errorType: ErrorEventErrorType
  message: string
}

type Read = { message: ClientMessage } | { violation: Violation }
type Fields<T> = { [K in keyof T]?: unknown }

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const violation = (errorType: Violation['errorType'], message: string): Read => ({
  violation: { errorType, message },
})

/** The first field that is missing or of the wrong kind, as a violation. */
function checkFields(
  type: string,
  message: Record<string, unknown>,
  checks: Record<string, { required: boolean; valid: (value: unknown) => boolean }>,
): Read | undefined {
  for (const [field, { required, valid }] of Object.entries(checks)) {
    const value = message[field]
    if (value === undefined && !required) continue
    if (value === undefined) return violation('missing_fields', `${type}: ${field} is required`)
    if (!valid(value)) return violation('value_error', `${type}: ${field} has the wrong type`)
  }
  return undefined
}

const string = { required: true, valid: (v: unknown) => typeof v === 'string' }
const optionalString = {
  required: false,
  valid: (v: unknown) => typeof v === 'string' || v === null,
}
const integer = { required: true, valid: Number.isInteger }
const boolean = { required: true, valid: (v: unknown) => typeof v === 'boolean' }

function readAudio(chunk: unknown, format: AudioFormat): Read {
  if (typeof chunk !== 'string')
    return violation('value_error', 'user_audio_chunk must be a string')
  if (!isBase64(chunk)) return violation('value_error', 'user_audio_chunk is not valid base64')
  const bytes = Buffer.from(chunk, 'base64')
  if (isPcm(format) && bytes.length % 2 !== 0) {
    return violation(
      'value_error',
      `user_audio_chunk of ${bytes.length} bytes is not whole ${format} samples`,
    )
  }
  return {
    message: {
      type: 'user_audio_chunk',
      samples: decodeSamples(bytes, format),
      bytes: bytes.length,
      audio: bytes,
    },
  }
}

const READERS: Record<string, (message: Record<string, unknown>) => Read> = {
  conversation_initiation_client_data: (message) => ({
    message: { type: 'conversation_initiation_client_data', payload: message },
  }),
  pong: (message: Fields<Pong>) =>
    checkFields('pong', message, { event_id: integer }) ?? {
      message: { type: 'pong', eventId: message.event_id as number },
    },
  contextual_update: (message: Fields<ContextualUpdate>) =>
    checkFields('contextual_update', message, { text: string, context_id: optionalString }) ?? {
      message: {
        type: 'contextual_update',
        text: message.text as string,
        ...(typeof message.context_id === 'string' && { contextId: message.context_id }),
      },
    },
  user_activity: () => ({ message: { type: 'user_activity' } }),
  user_message: (message: Fields<UserMessage>) =>
    checkFields('user_message', message, {
      text: optionalString,
      rich_content_id: optionalString,
    }) ?? {
      message: {
        type: 'user_message',
        ...(typeof message.text === 'string' && { text: message.text }),
      },
    },
  client_tool_result: (message: Fields<ClientToolResult>) =>
    checkFields('client_tool_result', message, {
      tool_call_id: string,
      result: string,
      is_error: boolean,
    }) ?? {
      message: {
        type: 'client_tool_result',
        toolCallId: message.tool_call_id as string,
        result: message.result as string,
        isError: message.is_error as boolean,
      },
    },
  feedback: (message: Fields<UserFeedback>) =>
    checkFields('feedback', message, {
      event_id: integer,
      score: { required: true, valid: (v) => v === 'like' || v === 'dislike' || v === null },
    }) ?? { message: { type: 'feedback' } },
  mcp_tool_approval_result: (message: Fields<McpToolApprovalResult>) =>
    checkFields('mcp_tool_approval_result', message, {
      tool_call_id: string,
      is_approved: boolean,
    }) ?? {
      message: { type: 'mcp_tool_approval_result' },
    },
  multimodal_message: () => ({ message: { type: 'multimodal_message' } }),
}

/** Reads one text frame; `inputFormat` is the agent's user_input_audio_format. */
export function readClientMessage(text: string, inputFormat: AudioFormat): Read {
  let message: unknown
  try {
    message = JSON.parse(text)
  } catch {
    return violation('invalid_message', 'Message is not valid JSON')
  }
  if (!isRecord(message)) return violation('invalid_message', 'Message is not a JSON object')
  // Audio chunks carry no type field (contract: UserAudioPayload).
  if (message.type === undefined && 'user_audio_chunk' in message) {
    return readAudio(message.user_audio_chunk, inputFormat)
  }
  const { type } = message
  if (typeof type !== 'string') return violation('invalid_message', 'Message has no type')
  const read = Object.hasOwn(READERS, type) ? READERS[type] : undefined
  return read
    ? read(message)
    : violation('invalid_message', `Unknown message type ${type.slice(0, 60)}`)
}
