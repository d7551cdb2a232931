/**
 * Decides whether a conversation_initiation_client_data is acceptable to the
 * agent, as the real server does before it answers with the metadata: every
 * override field must be one the agent allows ("Override for field 'voice_id'
 * is not allowed by config." closes with 1008, error_type override_error), and
 * every dynamic variable the first message or prompt needs must be given
 * (missing_dynamic_variable, 1008). Returns what the conversation then uses.
 */
import type { ConversationConfigOverrideConversationClientEventsItem as ServerEvent } from '@elevenlabs/types'
import type { AgentConfig } from './agent-config.ts'
import { isRecord, type Violation } from './client-messages.ts'

export interface Initiation {
  firstMessage: string
  /** Server events the client receives (contract: ConversationConfigOverride.client_events). */
  clientEvents: ReadonlySet<string>
  dynamicVariables: Record<string, string | number | boolean>
}

const SERVER_EVENTS: Record<ServerEvent, true> = {
  audio: true,
  agent_response: true,
  agent_response_correction: true,
  agent_chat_response_part: true,
  agent_reasoning_response_part: true,
  interruption: true,
  user_transcript: true,
  tentative_user_transcript: true,
  conversation_initiation_metadata: true,
  client_tool_call: true,
  rich_content: true,
  agent_tool_request: true,
  agent_tool_response: true,
  agent_tool_response_full_payload: true,
  mcp_tool_call: true,
  mcp_connection_status: true,
  vad_score: true,
  ping: true,
  context_usage: true,
  asr_initiation_metadata: true,
  guardrail_triggered: true,
  internal_turn_probability: true,
  internal_tentative_agent_response: true,
  agent_typing: true,
  external_agent_connected: true,
  external_agent_disconnected: true,
}

/** The contract's default client_events. */
const DEFAULT_CLIENT_EVENTS: ServerEvent[] = [
  'audio',
  'interruption',
  'agent_response',
  'user_transcript',
  'tentative_user_transcript',
  'conversation_initiation_metadata',
  'ping',
]

const text = (v: unknown) => typeof v === 'string'
const strings = (v: unknown) => Array.isArray(v) && v.every(text)
const between = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && v >= min && v <= max

/** Leaf fields of ConversationConfigClientOverride and how to check their values. */
const OVERRIDE_FIELDS: Record<string, (value: unknown) => boolean> = {
  'agent.first_message': text,
  'agent.language': text,
  'agent.prompt.prompt': text,
  'agent.prompt.llm': text,
  'agent.native_mcp_server_ids': (v) => strings(v) && (v as string[]).length <= 10,
  'asr.keywords': strings,
  'tts.voice_id': text,
  'tts.stability': between(0, 1),
  'tts.speed': between(0.7, 5),
  'tts.similarity_boost': between(0, 1),
  'conversation.text_only': (v) => typeof v === 'boolean',
  'conversation.client_events': (v) =>
    strings(v) &&
    (v as string[]).length > 0 &&
    (v as string[]).every((e) => Object.hasOwn(SERVER_EVENTS, e)),
}
const OVERRIDE_GROUPS = new Set(['agent', 'agent.prompt', 'asr', 'tts', 'conversation'])

/** Leaf paths and values of an override; null leaves mean "no override". */
function overrideLeaves(value: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(value).flatMap(([key, child]): [string, unknown][] => {
    const path = prefix + key
    if (OVERRIDE_GROUPS.has(path) && isRecord(child)) return overrideLeaves(child, `${path}.`)
    return child === null || child === undefined ? [] : [[path, child]]
  })
}

const fail = (errorType: Violation['errorType'], message: string) => ({
  violation: { errorType, message },
})

function checkOverride(
  override: unknown,
  agent: AgentConfig,
): { violation: Violation } | undefined {
  if (override === undefined) return undefined
  if (!isRecord(override))
    return fail('value_error', 'conversation_config_override must be an object')
  for (const [path, value] of overrideLeaves(override)) {
    const check = OVERRIDE_FIELDS[path]
    if (!check) return fail('value_error', `Unknown override field '${path}'`)
    if (!check(value)) return fail('value_error', `Invalid value for override field '${path}'`)
    if (!agent.allowedOverrides.includes(path)) {
      // The real message names the leaf field only.
      return fail(
        'override_error',
        `Override for field '${path.split('.').at(-1)}' is not allowed by config.`,
      )
    }
  }
  return undefined
}

type Variables = Initiation['dynamicVariables']

function checkVariables(
  given: unknown,
  agent: AgentConfig,
  firstMessage: string,
): { violation: Violation } | { variables: Variables } {
  if (given !== undefined && !isRecord(given))
    return fail('value_error', 'dynamic_variables must be an object')
  const variables = (given ?? {}) as Record<string, unknown>
  for (const [name, value] of Object.entries(variables)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      return fail('value_error', `Dynamic variable '${name}' must be a string, number or boolean`)
    }
    if (agent.allowedDynamicVariables && !agent.allowedDynamicVariables.includes(name)) {
      return fail('value_error', `Dynamic variable '${name}' is not defined for this agent`)
    }
  }
  const needed = new Set(agent.requiredDynamicVariables)
  for (const [, name] of firstMessage.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)) {
    if (name && !name.startsWith('system__')) needed.add(name)
  }
  const missing = [...needed].filter((name) => !(name in variables))
  if (missing.length > 0) {
    return fail(
      'missing_dynamic_variable',
      `Missing required dynamic variables: ${missing.join(', ')}`,
    )
  }
  return { variables: variables as Variables }
}

const fill = (template: string, variables: Variables) =>
  template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name: string) =>
    name in variables ? String(variables[name]) : whole,
  )

const TOP_LEVEL: Record<string, (value: unknown) => boolean> = {
  user_id: (v) => v === null || typeof v === 'string',
  source_info: isRecord,
  custom_llm_extra_body: isRecord,
  tool_mock_config: isRecord,
}

/** `payload` is undefined when the client started without an initiation message. */
export function acceptInitiation(
  payload: Record<string, unknown> | undefined,
  agent: AgentConfig,
): { violation: Violation } | { initiation: Initiation } {
  const given = payload ?? {}
  for (const [field, valid] of Object.entries(TOP_LEVEL)) {
    if (given[field] !== undefined && !valid(given[field])) {
      return fail('value_error', `${field} has the wrong type`)
    }
  }
  const override = given.conversation_config_override
  const overrideProblem = checkOverride(override, agent)
  if (overrideProblem) return overrideProblem
  const agentOverride = isRecord(override) && isRecord(override.agent) ? override.agent : {}
  const conversationOverride =
    isRecord(override) && isRecord(override.conversation) ? override.conversation : {}
  const template =
    typeof agentOverride.first_message === 'string'
      ? agentOverride.first_message
      : agent.firstMessage
  const checked = checkVariables(given.dynamic_variables, agent, template)
  if ('violation' in checked) return checked
  const events = conversationOverride.client_events
  return {
    initiation: {
      firstMessage: fill(template, checked.variables),
      clientEvents: new Set(Array.isArray(events) ? (events as string[]) : DEFAULT_CLIENT_EVENTS),
      dynamicVariables: checked.variables,
    },
  }
}
