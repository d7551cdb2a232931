/**
 * What the agent socket's close code means for the bridge: a normal end, a
 * failure worth reconnecting, or a refusal of what we sent.
 */

/** Close codes of the conversation socket (contract: WebSocketCloseCode), plus 1006. */
export const AGENT_CLOSE_CODES = {
  /** The agent ended the conversation, or its maximum duration passed. */
  ended: 1000,
  /** Timeouts (60 s without user input), LLM/TTS/ASR failures. */
  operationalError: 1002,
  /** No close frame at all: the connection dropped. */
  abnormal: 1006,
  /** Our message, override or dynamic variable was rejected. */
  rejected: 1008,
  internalError: 1011,
} as const

/**
 * What to do after the agent's socket closed: `ended` is a normal end, `retry` a
 * failure worth reconnecting, `rejected` means the server refused what we sent,
 * so reconnecting with the same initiation would fail again.
 */
export type AgentCloseOutcome = 'ended' | 'retry' | 'rejected'

/**
 * `errorType` is the `error_type` of an `error` message the conversation sent before it
 * closed, if any. A safety violation closes with 1002 like a passing failure (contract:
 * ErrorType), but a new conversation, given the transcript so far, would meet it again.
 * `began`: whether the conversation had begun (its initiation metadata came). A normal
 * close before that is a failed connection, not the agent hanging up (ElevenLabs' own
 * client rejects it so: "Connection closed normally before session could be established",
 * packages/client WebSocketConnection), unless the error it gave would meet a new one too.
 */
export function classifyAgentClose(
  code: number,
  errorType?: string,
  began = true,
): AgentCloseOutcome {
  if (code === AGENT_CLOSE_CODES.ended) {
    if (began) return 'ended'
    const refused =
      errorType === 'safety_violation' ||
      (errorType !== undefined && INITIATION_ERROR_TYPES.includes(errorType))
    return refused ? 'rejected' : 'retry'
  }
  if (code === AGENT_CLOSE_CODES.rejected) return 'rejected'
  if (errorType === 'safety_violation') return 'rejected'
  return 'retry'
}

/**
 * The error types of a 1008 that what we sent causes: the initiation's override and
 * dynamic variables, or a message the server could not take.
 */
export const INITIATION_ERROR_TYPES: readonly string[] = [
  'override_error',
  'missing_dynamic_variable',
  'missing_dynamic_variable_transfer',
  'invalid_message',
  'missing_fields',
  'value_error',
]
