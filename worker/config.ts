/**
 * The worker's typed environment and the one place that reads and validates
 * its configuration.
 *
 * Every setting is described once in `SETTINGS`: what it is for, how to check
 * it, and what stops working without it. `/api/health` reports from the same
 * table, and the `require*` helpers turn a missing setting into an error that
 * names it, so a user never sees "undefined" where a setting was forgotten.
 * Values never leave this module except to the code that uses them.
 */
import { ApiError } from './api-error.ts'
import type { ConferenceRoom } from './conference/room.ts'

/** Bindings and variables, as wrangler.toml and .dev.vars provide them. */
export interface Env {
  CONFERENCE_ROOM: DurableObjectNamespace<ConferenceRoom>
  ASSETS?: Fetcher
  TWILIO_ACCOUNT_SID?: string
  TWILIO_AUTH_TOKEN?: string
  TWILIO_API_KEY?: string
  TWILIO_API_SECRET?: string
  TWILIO_TWIML_APP_SID?: string
  TWILIO_PHONE_NUMBER?: string
  WEBHOOK_BASE_URL?: string
  ELEVENLABS_API_KEY?: string
  ELEVENLABS_AGENT_ID?: string
  APP_ACCESS_KEY?: string
  DIAL_ALLOWLIST?: string
  TWILIO_API_BASE?: string
  ELEVENLABS_API_BASE?: string
  ACCESS_TOKEN_TTL_SECONDS?: string
  MAX_PARTICIPANTS?: string
  END_CONFERENCE_ON_HOST_EXIT?: string
  ELEVENLABS_DYNAMIC_VARIABLES?: string
  ELEVENLABS_CONVERSATION_OVERRIDE?: string
}

export type SettingName = Exclude<keyof Env, 'CONFERENCE_ROOM' | 'ASSETS'>

interface SettingSpec {
  /** Required settings make the product incomplete when missing; optional ones have a default. */
  required: boolean
  /** What stops working while the setting is missing (or invalid). */
  disables: string
  /** Returns a problem with the value, or undefined when it is acceptable. */
  check?: (value: string) => string | undefined
}

const sid = (prefix: string) => (value: string) =>
  new RegExp(`^${prefix}[0-9a-f]{32}$`, 'i').test(value)
    ? undefined
    : `must look like ${prefix} followed by 32 hex digits`

const httpUrl = (value: string) => {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
      ? undefined
      : 'must be an http(s) URL'
  } catch {
    return 'must be an absolute URL'
  }
}

const e164 = (value: string) =>
  /^\+[1-9]\d{6,14}$/.test(value) ? undefined : 'must be an E.164 number like +14155550100'

const integerIn = (min: number, max: number) => (value: string) =>
  /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max
    ? undefined
    : `must be a whole number from ${min} to ${max}`

const jsonObject = (value: string) => {
  try {
    const parsed: unknown = JSON.parse(value)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? undefined
      : 'must be a JSON object'
  } catch {
    return 'must be valid JSON'
  }
}

export const SETTINGS: Record<SettingName, SettingSpec> = {
  TWILIO_ACCOUNT_SID: {
    required: true,
    disables: 'Twilio REST calls (starting conferences, dialling) and browser access tokens',
    check: sid('AC'),
  },
  TWILIO_AUTH_TOKEN: {
    required: true,
    disables: 'checking Twilio signatures, so every Twilio webhook and media stream is refused',
  },
  TWILIO_API_KEY: {
    required: true,
    disables: 'browser access tokens and Twilio REST calls',
    check: sid('SK'),
  },
  TWILIO_API_SECRET: {
    required: true,
    disables: 'browser access tokens and Twilio REST calls',
  },
  TWILIO_TWIML_APP_SID: {
    required: true,
    disables: 'browser calls and adding the agent to a conference',
    check: sid('AP'),
  },
  TWILIO_PHONE_NUMBER: {
    required: true,
    disables: 'adding the agent and phone participants (it is the caller ID)',
    check: e164,
  },
  WEBHOOK_BASE_URL: {
    required: true,
    disables: 'TwiML stream URLs, status callbacks and Twilio signature checks',
    check: httpUrl,
  },
  ELEVENLABS_API_KEY: {
    required: true,
    disables: 'connecting the ElevenLabs agent',
  },
  ELEVENLABS_AGENT_ID: {
    required: true,
    disables: 'the default agent (start-conference then needs an agentId)',
  },
  APP_ACCESS_KEY: {
    required: false,
    disables: 'API authentication: anyone who can reach the worker can start calls',
  },
  DIAL_ALLOWLIST: {
    required: false,
    disables: 'dialling restrictions: any valid number may be dialled',
    check: (value) =>
      value
        .split(',')
        .map((prefix) => prefix.trim())
        .filter(Boolean)
        .every((prefix) => /^\+\d{1,15}$/.test(prefix))
        ? undefined
        : 'must be comma-separated E.164 prefixes like +1,+44',
  },
  TWILIO_API_BASE: {
    required: false,
    disables: 'nothing (defaults to https://api.twilio.com)',
    check: httpUrl,
  },
  ELEVENLABS_API_BASE: {
    required: false,
    disables: 'nothing (defaults to https://api.elevenlabs.io)',
    check: httpUrl,
  },
  ACCESS_TOKEN_TTL_SECONDS: {
    required: false,
    disables: 'nothing (defaults to 3600)',
    check: integerIn(60, 86_400),
  },
  MAX_PARTICIPANTS: {
    required: false,
    disables: 'nothing (defaults to 6, agent included)',
    check: integerIn(2, 250),
  },
  END_CONFERENCE_ON_HOST_EXIT: {
    required: false,
    disables: 'nothing (defaults to true: the conference ends when the browser user leaves)',
    check: (value) => (value === 'true' || value === 'false' ? undefined : 'must be true or false'),
  },
  ELEVENLABS_DYNAMIC_VARIABLES: {
    required: false,
    disables: 'nothing (no dynamic variables are sent)',
    check: jsonObject,
  },
  ELEVENLABS_CONVERSATION_OVERRIDE: {
    required: false,
    disables: 'nothing (no overrides are sent)',
    check: jsonObject,
  },
}

export interface SettingStatus {
  name: SettingName
  required: boolean
  present: boolean
  /** Why a present value was rejected; the value itself is never reported. */
  problem?: string
  /** What is off while the setting is missing or invalid. */
  disables?: string
}

/** The state of every setting, without values: what `/api/health` reports. */
export function settingsStatus(env: Env): SettingStatus[] {
  return (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const spec = SETTINGS[name]
    const value = env[name]?.trim()
    const status: SettingStatus = { name, required: spec.required, present: Boolean(value) }
    const problem = value ? spec.check?.(value) : undefined
    if (problem) status.problem = `${name} ${problem}`
    if (!value || problem) status.disables = spec.disables
    return status
  })
}

/** A setting's value if it is present and valid, else undefined. */
function read(env: Env, name: SettingName): string | undefined {
  const value = env[name]?.trim()
  if (!value || SETTINGS[name].check?.(value)) return undefined
  return value
}

/**
 * Reads the named settings or throws one error naming every missing or invalid one.
 * @example const { TWILIO_AUTH_TOKEN } = requireSettings(env, ['TWILIO_AUTH_TOKEN'])
 */
export function requireSettings<const N extends SettingName>(
  env: Env,
  names: readonly N[],
): Record<N, string> {
  const values = {} as Record<N, string>
  const problems: string[] = []
  for (const name of names) {
    const value = env[name]?.trim()
    const problem = value ? SETTINGS[name].check?.(value) : undefined
    if (!value) problems.push(`${name} is not set`)
    else if (problem) problems.push(`${name} ${problem}`)
    else values[name] = value
  }
  if (problems.length > 0) {
    throw new ApiError(
      503,
      'not_configured',
      `${problems.join('; ')}: add ${names.length > 1 ? 'them' : 'it'} to .dev.vars (see .dev.vars.example) or set ${names.length > 1 ? 'them' : 'it'} with \`wrangler secret put\`.`,
      { missing: problems.map((problem) => problem.split(' ')[0]) },
    )
  }
  return values
}

export const twilioApiBase = (env: Env): string =>
  stripSlash(read(env, 'TWILIO_API_BASE') ?? 'https://api.twilio.com')

export const elevenLabsApiBase = (env: Env): string =>
  stripSlash(read(env, 'ELEVENLABS_API_BASE') ?? 'https://api.elevenlabs.io')

export const accessTokenTtlSeconds = (env: Env): number =>
  Number(read(env, 'ACCESS_TOKEN_TTL_SECONDS') ?? 3600)

export const maxParticipants = (env: Env): number => Number(read(env, 'MAX_PARTICIPANTS') ?? 6)

export const endConferenceOnHostExit = (env: Env): boolean =>
  read(env, 'END_CONFERENCE_ON_HOST_EXIT') !== 'false'

/** E.164 prefixes that may be dialled; empty means any number. */
export const dialAllowlist = (env: Env): string[] =>
  (read(env, 'DIAL_ALLOWLIST') ?? '')
    .split(',')
    .map((prefix) => prefix.trim())
    .filter(Boolean)

export const appAccessKey = (env: Env): string | undefined => read(env, 'APP_ACCESS_KEY')

/** The JSON-object settings that shape the agent's initiation message, parsed. */
export function agentInitiation(env: Env): {
  dynamicVariables?: Record<string, unknown>
  conversationOverride?: Record<string, unknown>
} {
  const dynamic = read(env, 'ELEVENLABS_DYNAMIC_VARIABLES')
  const override = read(env, 'ELEVENLABS_CONVERSATION_OVERRIDE')
  return {
    ...(dynamic && { dynamicVariables: JSON.parse(dynamic) }),
    ...(override && { conversationOverride: JSON.parse(override) }),
  }
}

/** The public base URL Twilio uses to reach us, without a trailing slash. */
export const webhookBaseUrl = (env: Env): string =>
  stripSlash(requireSettings(env, ['WEBHOOK_BASE_URL']).WEBHOOK_BASE_URL)

const stripSlash = (url: string) => url.replace(/\/+$/, '')
