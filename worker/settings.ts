/**
 * Every setting the worker reads: what it is for, how to check it, and what
 * stops working without it. No imports and no runtime types, so the dev
 * launcher (Node) reports from the very table the worker checks.
 */

export type SettingName =
  | 'TWILIO_ACCOUNT_SID'
  | 'TWILIO_AUTH_TOKEN'
  | 'TWILIO_API_KEY'
  | 'TWILIO_API_SECRET'
  | 'TWILIO_TWIML_APP_SID'
  | 'TWILIO_PHONE_NUMBER'
  | 'WEBHOOK_BASE_URL'
  | 'ELEVENLABS_API_KEY'
  | 'ELEVENLABS_AGENT_ID'
  | 'APP_ACCESS_KEY'
  | 'DIAL_ALLOWLIST'
  | 'TWILIO_API_BASE'
  | 'ELEVENLABS_API_BASE'
  | 'ACCESS_TOKEN_TTL_SECONDS'
  | 'MAX_PARTICIPANTS'
  | 'END_CONFERENCE_ON_HOST_EXIT'
  | 'ELEVENLABS_DYNAMIC_VARIABLES'
  | 'ELEVENLABS_CONVERSATION_OVERRIDE'
  | 'LOCAL_CALLS'
  | 'ROOM_LOCATION_HINT'

/** The settings as the worker receives them: strings, any of them missing. */
export type Settings = { readonly [N in SettingName]?: string }

interface SettingSpec {
  /** Required settings make the product incomplete when missing; optional ones have a default. */
  required: boolean
  /** What stops working while the setting is missing (a required one's, or invalid). */
  disables: string
  /**
   * An optional setting's fallback while its value is invalid, as a clause that ends "…
   * until it is fixed": what the worker does instead. Not `disables`, which says what an
   * unset one means (DIAL_ALLOWLIST unset lets any number be dialled; invalid, none).
   */
  whileInvalid?: string
  /** Returns a problem with the value, or undefined when it is acceptable. */
  check?: (value: string) => string | undefined
}

const sid = (prefix: string) => (value: string) =>
  new RegExp(`^${prefix}[0-9a-f]{32}$`, 'i').test(value)
    ? undefined
    : `must look like ${prefix} followed by 32 hex digits`

const url = (protocols: string[], problem: string) => (value: string) => {
  try {
    return protocols.includes(new URL(value).protocol) ? undefined : problem
  } catch {
    return 'must be an absolute URL'
  }
}

const httpUrl = url(['https:', 'http:'], 'must be an http(s) URL')

const e164 = (value: string) =>
  /^\+[1-9]\d{6,14}$/.test(value) ? undefined : 'must be an E.164 number like +14155550100'

const integerIn = (min: number, max: number) => (value: string) =>
  /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max
    ? undefined
    : `must be a whole number from ${min} to ${max}`

const trueOrFalse = (value: string) =>
  value === 'true' || value === 'false' ? undefined : 'must be true or false'

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

/**
 * The events a phone call's bridge cannot do without, should an override choose the events
 * ElevenLabs sends (conversation.client_events; contract: ConversationConfigOverride): the
 * agent's readiness and formats, its audio, barge-in, and the pings that show it alive.
 */
const NEEDED_CLIENT_EVENTS = ['conversation_initiation_metadata', 'audio', 'interruption', 'ping']

/** A JSON object that leaves the agent able to talk on a call. */
const conversationOverride = (value: string) => {
  const problem = jsonObject(value)
  if (problem) return problem
  const { conversation } = JSON.parse(value) as {
    conversation?: { text_only?: unknown; client_events?: unknown }
  }
  if (conversation?.text_only === true) {
    return 'must not set conversation.text_only: a call needs the agent to speak'
  }
  const events = conversation?.client_events
  if (Array.isArray(events)) {
    const missing = NEEDED_CLIENT_EVENTS.filter((event) => !events.includes(event))
    if (missing.length > 0) {
      return `conversation.client_events must include ${missing.join(', ')}, which the call needs`
    }
  }
  return undefined
}

/** 32 characters of base64 carry 192 bits; even lowercase letters alone, over 150. */
export const MIN_ACCESS_KEY_LENGTH = 32
const KEY_RECIPE = '`openssl rand -base64 32`'

export const SETTINGS: Record<SettingName, SettingSpec> = {
  TWILIO_ACCOUNT_SID: {
    required: true,
    disables:
      "every call through Twilio (starting a conversation, dialling a phone, this page's own call)",
    check: sid('AC'),
  },
  TWILIO_AUTH_TOKEN: {
    required: true,
    disables:
      "checking Twilio signatures, so every request from Twilio (a call's events and audio) is refused",
  },
  TWILIO_API_KEY: {
    required: true,
    disables: "this page's call through Twilio, and dialling phones",
    check: sid('SK'),
  },
  TWILIO_API_SECRET: {
    required: true,
    disables: "this page's call through Twilio, and dialling phones",
  },
  TWILIO_TWIML_APP_SID: {
    required: true,
    disables: "this page's call through Twilio, and bringing the agent into it",
    check: sid('AP'),
  },
  TWILIO_PHONE_NUMBER: {
    required: true,
    disables: 'bringing the agent in and dialling phones (the calls come from this number)',
    check: e164,
  },
  WEBHOOK_BASE_URL: {
    required: true,
    disables: "Twilio reaching this server (for a call's audio and progress, and signature checks)",
    // Twilio calls webhooks on the public URL and accepts only wss:// media streams, on
    // port 443 alone (https://www.twilio.com/docs/api/errors/31910). No user:password in
    // it: the worker checks Twilio's signature instead, and the URL is written in TwiML
    // and in what a refused request is told. Nor a query or fragment: every route's path
    // is appended to it. A path is taken (a proxy in front that strips it), but not one of
    // the routes' own: a Voice URL pasted here made every callback
    // /api/twilio/conference-elevenlabs/api/…, each refused or not found.
    check: (value) =>
      url(['https:'], 'must be the public https:// URL Twilio reaches this worker at')(value) ??
      (/^https:\/\/[^/]*@/i.test(value)
        ? 'must not carry a user name or password'
        : /[?#]/.test(value)
          ? 'must not carry a query string or fragment: the routes are appended to it'
          : new URL(value).port !== ''
            ? "must use https's own port, 443: Twilio opens media streams on no other"
            : /\/api(\/|$)/i.test(new URL(value).pathname)
              ? 'must not name a route (…/api/…): it is the base the routes are appended to, e.g. https://name.workers.dev'
              : undefined),
  },
  ELEVENLABS_API_KEY: {
    required: true,
    disables: 'connecting the ElevenLabs agent',
  },
  ELEVENLABS_AGENT_ID: {
    required: true,
    disables: 'the default agent (each conversation then needs an agent id)',
    check: (value) =>
      /^[A-Za-z0-9_-]+$/.test(value)
        ? undefined
        : 'must be an ElevenLabs agent id: letters, digits, _ and - (agent_…)',
  },
  APP_ACCESS_KEY: {
    required: false,
    disables: 'the JSON API away from this machine (unset), or all of it (invalid)',
    // Only the routes it guards (index.ts): Twilio's signed webhooks go on, so calls do.
    whileInvalid:
      "the page's API refuses every request (Twilio's webhooks and /api/health still answer)",
    // It travels in an Authorization header, which a browser's fetch limits to ISO-8859-1
    // and the Bearer scheme to a token without spaces. It unlocks dialling on a public
    // URL, and nothing limits guesses: long enough that guessing is hopeless.
    check: (value) =>
      !/^[\x21-\x7e]+$/.test(value)
        ? `must be printable ASCII without spaces, e.g. from ${KEY_RECIPE}`
        : value.length < MIN_ACCESS_KEY_LENGTH
          ? `must be at least ${MIN_ACCESS_KEY_LENGTH} characters, e.g. from ${KEY_RECIPE}`
          : undefined,
  },
  DIAL_ALLOWLIST: {
    required: false,
    disables: 'dialling restrictions: any valid number may be dialled',
    whileInvalid: 'every dial is refused',
    // At least one prefix: "," read as no prefixes would mean any number, and a typo
    // must not lift the restriction.
    check: (value) => {
      const prefixes = value
        .split(',')
        .map((prefix) => prefix.trim())
        .filter(Boolean)
      return prefixes.length > 0 && prefixes.every((prefix) => /^\+\d{1,15}$/.test(prefix))
        ? undefined
        : 'must be comma-separated E.164 prefixes like +1,+44'
    },
  },
  TWILIO_API_BASE: {
    required: false,
    disables: 'nothing (defaults to https://api.twilio.com)',
    whileInvalid: 'https://api.twilio.com is used',
    check: httpUrl,
  },
  ELEVENLABS_API_BASE: {
    required: false,
    disables: 'nothing (defaults to https://api.elevenlabs.io)',
    whileInvalid: 'https://api.elevenlabs.io is used',
    check: httpUrl,
  },
  ACCESS_TOKEN_TTL_SECONDS: {
    required: false,
    disables: 'nothing (defaults to 3600)',
    whileInvalid: 'the default, 3600, is used',
    check: integerIn(60, 86_400),
  },
  MAX_PARTICIPANTS: {
    required: false,
    disables: 'nothing (defaults to 6, agent included)',
    whileInvalid: 'the default, 6, is used',
    check: integerIn(2, 250),
  },
  END_CONFERENCE_ON_HOST_EXIT: {
    required: false,
    disables: 'nothing (defaults to true: the conference ends when the browser user leaves)',
    whileInvalid: 'the default, true, is used',
    check: trueOrFalse,
  },
  ELEVENLABS_DYNAMIC_VARIABLES: {
    required: false,
    disables: 'nothing (no dynamic variables are sent)',
    whileInvalid: 'no dynamic variables are sent',
    check: jsonObject,
  },
  ELEVENLABS_CONVERSATION_OVERRIDE: {
    required: false,
    disables: 'nothing (no overrides are sent)',
    whileInvalid: 'no override is sent',
    check: conversationOverride,
  },
  LOCAL_CALLS: {
    required: false,
    disables:
      'nothing (defaults to false: the page can only talk to the agent through Twilio; `npm run dev` turns it on when Twilio is not configured)',
    whileInvalid: 'local calls stay off',
    check: trueOrFalse,
  },
  ROOM_LOCATION_HINT: {
    required: false,
    disables:
      "nothing (defaults to enam, eastern North America: near Twilio's US1 region in Virginia, which carries the calls)",
    whileInvalid: 'the default, enam, is used',
    check: (value) =>
      isRoomLocationHint(value) ? undefined : `must be one of ${ROOM_LOCATION_HINTS.join(', ')}`,
  },
}

/**
 * Where a conference's Durable Object may be asked to live. Every frame of a call goes
 * Twilio -> room -> ElevenLabs and back, so the room belongs near them, not near the
 * browser whose request happens to create it (Cloudflare places an object near its
 * first `get()` unless hinted, and never moves it):
 * https://developers.cloudflare.com/durable-objects/reference/data-location/
 */
export const ROOM_LOCATION_HINTS = [
  'wnam',
  'enam',
  'sam',
  'weur',
  'eeur',
  'apac',
  'apac-ne',
  'apac-se',
  'oc',
  'afr',
  'me',
] as const

export type RoomLocationHint = (typeof ROOM_LOCATION_HINTS)[number]

export const isRoomLocationHint = (value: string | undefined): value is RoomLocationHint =>
  (ROOM_LOCATION_HINTS as readonly (string | undefined)[]).includes(value)

/**
 * The most a Cloudflare variable or secret holds: `wrangler secret put` refuses more, so
 * a value that works from .dev.vars must not be longer.
 * https://developers.cloudflare.com/workers/platform/limits/#environment-variables
 */
export const MAX_SETTING_BYTES = 5 * 1024

/** What is wrong with a setting's (trimmed, non-empty) value, or undefined. */
export function settingProblem(name: SettingName, value: string): string | undefined {
  if (new TextEncoder().encode(value).length > MAX_SETTING_BYTES) {
    return 'is over 5 KB, more than Cloudflare lets a variable or secret hold'
  }
  return SETTINGS[name].check?.(value)
}

export interface SettingStatus {
  name: SettingName
  required: boolean
  present: boolean
  /** Why a present value was rejected; the value itself is never reported. */
  problem?: string
  /**
   * What is off while the setting is missing, or while it is invalid unless it falls back
   * to something else then (`problemNotice` says what).
   */
  disables?: string
}

/**
 * A present but invalid setting, for `/api/health` and the dev launcher: the problem, then
 * what is done instead (an optional one's) or what is off (a required one's). The latter
 * after "Off until it is fixed:", as the page puts it: `disables` is often two things
 * ("this page's call through Twilio, and dialling phones"), which "is off" would misread.
 */
export function problemNotice(status: SettingStatus): string | undefined {
  if (!status.problem) return undefined
  const spec = SETTINGS[status.name]
  return spec.whileInvalid
    ? `${status.problem}: ${spec.whileInvalid} until it is fixed.`
    : `${status.problem}. Off until it is fixed: ${spec.disables}.`
}

/**
 * What is wrong with the settings that shape the agent's conversation, if set: an invalid
 * one is not sent (the conversation starts without it), which a start should say.
 */
export function initiationProblems(env: Settings): string[] {
  return settingsStatus(env)
    .filter(
      (status) =>
        (status.name === 'ELEVENLABS_DYNAMIC_VARIABLES' ||
          status.name === 'ELEVENLABS_CONVERSATION_OVERRIDE') &&
        status.problem,
    )
    .map((status) => `${status.problem}; the agent's conversation starts without it.`)
}

/** The state of every setting, without values: what `/api/health` reports. */
export function settingsStatus(env: Settings): SettingStatus[] {
  return (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const spec = SETTINGS[name]
    const value = env[name]?.trim()
    const status: SettingStatus = { name, required: spec.required, present: Boolean(value) }
    const problem = value ? settingProblem(name, value) : undefined
    if (problem) status.problem = `${name} ${problem}`
    if (!value || (problem && !spec.whileInvalid)) status.disables = spec.disables
    return status
  })
}
