/**
 * The JSON of every client message the bridge sends to the agent, in the
 * shapes of the AsyncAPI contract (typed by `@elevenlabs/types`).
 */
import type {
  ClientToolResult,
  ContextualUpdate,
  ConversationConfigOverride,
  ConversationInitiation,
  McpToolApprovalResult,
  Pong,
} from '@elevenlabs/types'

const encode = <M>(message: M): string => JSON.stringify(message)

/**
 * Audio chunks are the one client message without a `type` (contract: UserAudioPayload).
 * Spliced rather than stringified: this runs for every 20 ms frame, and base64 needs
 * no escaping; `base64` must be base64.
 */
export const userAudioChunk = (base64: string): string => `{"user_audio_chunk":"${base64}"}`

export const pong = (eventId: number): string => encode<Pong>({ type: 'pong', event_id: eventId })

/** Non-interrupting; a later update with the same `contextId` replaces the earlier one. */
export const contextualUpdate = (text: string, contextId?: string): string =>
  encode<ContextualUpdate>({
    type: 'contextual_update',
    text,
    ...(contextId !== undefined && { context_id: contextId }),
  })

export const clientToolResult = (toolCallId: string, result: string, isError: boolean): string =>
  encode<ClientToolResult>({
    type: 'client_tool_result',
    tool_call_id: toolCallId,
    result,
    is_error: isError,
  })

export const mcpToolApprovalResult = (toolCallId: string, isApproved: boolean): string =>
  encode<McpToolApprovalResult>({
    type: 'mcp_tool_approval_result',
    tool_call_id: toolCallId,
    is_approved: isApproved,
  })

export interface AgentInitiation {
  dynamicVariables?: Record<string, unknown>
  conversationConfigOverride?: ConversationConfigOverride
}

const isEmpty = (value: object | undefined) => !value || Object.keys(value).length === 0

/**
 * The first message of a conversation. Only the fields given are sent: the server
 * closes with 1008 for an override the agent does not allow ("Override for field …
 * is not allowed by config"), so an empty one is left out rather than risked.
 * `dynamic_variables` sits at the top level, not inside the override (jambonz PR #1144
 * fixed a bridge that nested it).
 */
export function conversationInitiation(options: AgentInitiation = {}): string {
  const { dynamicVariables, conversationConfigOverride } = options
  return encode<ConversationInitiation>({
    type: 'conversation_initiation_client_data',
    ...(!isEmpty(conversationConfigOverride) && {
      conversation_config_override: conversationConfigOverride,
    }),
    ...(!isEmpty(dynamicVariables) && { dynamic_variables: dynamicVariables }),
  })
}
