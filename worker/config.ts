/**
 * The worker's typed environment and the one place that reads and validates
 * its configuration.
 *
 * Every setting is described once, in settings.ts: what it is for, how to
 * check it, and what stops working without it. `/api/health` reports from that
 * table, and `requireSettings` turns a missing setting into an error that names
 * it, so a user never sees "undefined" where a setting was forgotten. Values
 * never leave this module except to the code that uses them.
 */
import { ApiError } from './api-error.ts'
import type { ConferenceRoom } from './conference/room.ts'
import type { AgentInitiation } from './elevenlabs/client-messages.ts'
import {
  isRoomLocationHint,
  type RoomLocationHint,
  type SettingName,
  type Settings,
  settingProblem,
} from './settings.ts'
import { TwilioRestClient, type TwilioRestClientOptions } from './twilio/rest-client.ts'

/** Bindings and variables, as wrangler.toml and .dev.vars provide them. */
export interface Env extends Settings {
  CONFERENCE_ROOM: DurableObjectNamespace<ConferenceRoom>
  ASSETS?: Fetcher
}

/** A setting's value if it is present and valid, else undefined. */
function read(env: Env, name: SettingName): string | undefined {
  const value = env[name]?.trim()
  if (!value || settingProblem(name, value)) return undefined
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
  let unset = 0
  for (const name of names) {
    const value = env[name]?.trim()
    const problem = value ? settingProblem(name, value) : undefined
    if (!value) {
      problems.push(`${name} is not set`)
      unset += 1
    } else if (problem) problems.push(`${name} ${problem}`)
    else values[name] = value
  }
  if (problems.length > 0) {
    // Said of the settings at fault, not of all those asked for: "add" what is missing,
    // "fix" what is there but wrong.
    const them = problems.length > 1 ? 'them' : 'it'
    const what = unset === problems.length ? 'add' : unset === 0 ? 'fix' : 'add or fix'
    throw new ApiError(
      503,
      'not_configured',
      `${problems.join('; ')}: ${what} ${them} in .dev.vars (see .dev.vars.example) or set ${them} with \`wrangler secret put\`.`,
      { missing: problems.map((problem) => problem.split(' ')[0]) },
    )
  }
  return values
}

export const twilioApiBase = (env: Env): string =>
  stripSlash(read(env, 'TWILIO_API_BASE') ?? 'https://api.twilio.com')

/** Twilio's REST API with the account's API key; throws `not_configured` without one. */
export function twilioRestClient(
  env: Env,
  options: Pick<TwilioRestClientOptions, 'timeoutMs' | 'maxRetries'> = {},
): TwilioRestClient {
  const s = requireSettings(env, ['TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY', 'TWILIO_API_SECRET'])
  return new TwilioRestClient({
    ...options,
    baseUrl: twilioApiBase(env),
    accountSid: s.TWILIO_ACCOUNT_SID,
    apiKey: s.TWILIO_API_KEY,
    apiSecret: s.TWILIO_API_SECRET,
  })
}

export const elevenLabsApiBase = (env: Env): string =>
  stripSlash(read(env, 'ELEVENLABS_API_BASE') ?? 'https://api.elevenlabs.io')

export const accessTokenTtlSeconds = (env: Env): number =>
  Number(read(env, 'ACCESS_TOKEN_TTL_SECONDS') ?? 3600)

export const maxParticipants = (env: Env): number => Number(read(env, 'MAX_PARTICIPANTS') ?? 6)

/** Where conferences' rooms are asked to live (see ROOM_LOCATION_HINTS). */
export function roomLocationHint(env: Env): RoomLocationHint {
  const hint = read(env, 'ROOM_LOCATION_HINT')
  return isRoomLocationHint(hint) ? hint : 'enam'
}

export const endConferenceOnHostExit = (env: Env): boolean =>
  read(env, 'END_CONFERENCE_ON_HOST_EXIT') !== 'false'

/**
 * E.164 prefixes that may be dialled; empty (unset) means any number. A value that
 * is set but invalid refuses every dial (503 naming it) rather than falling back to
 * "any number": a typo must not lift the restriction.
 */
export function dialAllowlist(env: Env): string[] {
  if (!env.DIAL_ALLOWLIST?.trim()) return []
  return requireSettings(env, ['DIAL_ALLOWLIST'])
    .DIAL_ALLOWLIST.split(',')
    .map((prefix) => prefix.trim())
    .filter(Boolean)
}

/**
 * Whether the page may talk to the agent without Twilio: its microphone streamed to the
 * room over `/api/local/media-stream`, which no Twilio signature guards. For development.
 */
export const localCallsEnabled = (env: Env): boolean => read(env, 'LOCAL_CALLS') === 'true'

/**
 * The key the JSON API asks for; undefined when unset. A value that is set but invalid
 * refuses every request (503 naming it) rather than leaving the API open: a typo must
 * not lift the lock.
 */
export function appAccessKey(env: Env): string | undefined {
  if (!env.APP_ACCESS_KEY?.trim()) return undefined
  return requireSettings(env, ['APP_ACCESS_KEY']).APP_ACCESS_KEY
}

/** The JSON-object settings that shape the agent's initiation message, parsed. */
export function agentInitiation(env: Env): AgentInitiation {
  const dynamic = read(env, 'ELEVENLABS_DYNAMIC_VARIABLES')
  const override = read(env, 'ELEVENLABS_CONVERSATION_OVERRIDE')
  return {
    ...(dynamic && { dynamicVariables: JSON.parse(dynamic) }),
    ...(override && { conversationConfigOverride: JSON.parse(override) }),
  }
}

/**
 * The public base URL Twilio uses to reach us, without a trailing slash and with its
 * scheme in lower case (`HTTPS://` is a valid URL, but the wss:// form of the stream URL
 * is made by replacing `http`).
 */
export const webhookBaseUrl = (env: Env): string =>
  publicBase(requireSettings(env, ['WEBHOOK_BASE_URL']).WEBHOOK_BASE_URL)

export const publicBase = (url: string) =>
  stripSlash(url).replace(/^[a-z][a-z0-9+.-]*:/i, (scheme) => scheme.toLowerCase())

const stripSlash = (url: string) => url.replace(/\/+$/, '')

/** Whether a URL's hostname names this machine: localhost, 127.x.x.x or [::1]. */
export const isLoopback = (hostname: string): boolean =>
  hostname === 'localhost' ||
  hostname.endsWith('.localhost') ||
  hostname === '[::1]' ||
  /^127(\.\d{1,3}){3}$/.test(hostname)
