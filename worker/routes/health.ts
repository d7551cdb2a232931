/**
 * `GET /api/health`: which settings are present, which are missing and what
 * each missing one disables, and whether local calls are on. Never a value.
 */
import { Hono } from 'hono'
import { type Env, isLoopback, localCallsEnabled } from '../config.ts'
import { problemNotice, type SettingName, type SettingStatus, settingsStatus } from '../settings.ts'
import { isFromThisMachine } from './access.ts'

export const health = new Hono<{ Bindings: Env }>().get('/', (c) => {
  const settings = settingsStatus(c.env)
  const localCalls = localCallsEnabled(c.env)
  const missing = settings
    .filter((s) => s.required && (!s.present || s.problem))
    .map((s) => ({ name: s.name, disables: s.disables }))
  // Optional on this machine. Unset and asked from anywhere else (a deployed page), or set
  // but invalid, every API request but this one is refused (access.ts, config.ts): the page
  // must not say it is ready.
  const key = settings.find((s) => s.name === 'APP_ACCESS_KEY')
  if (key?.problem) {
    missing.push({ name: key.name, disables: 'the whole API: every request is refused' })
  } else if (key && !key.present && !isFromThisMachine(c.req.raw)) {
    missing.push({
      name: key.name,
      disables: 'the API away from this machine: every request from elsewhere is refused',
    })
  }
  const warnings = settings
    .filter((s) => s.problem || (s.name === 'APP_ACCESS_KEY' && !s.present))
    .map(
      (s) =>
        problemNotice(s) ??
        'APP_ACCESS_KEY is not set: the JSON API answers only on this machine (localhost). Set it to use the page from anywhere else.',
    )
  // Unset, not invalid: an invalid allow-list refuses every dial (config.ts).
  const allowlist = settings.find((s) => s.name === 'DIAL_ALLOWLIST')
  if (canDial(settings) && !allowlist?.present) {
    warnings.push(
      "DIAL_ALLOWLIST is not set: the API may dial any valid number, at your Twilio account's cost. Set it to the prefixes you mean to call, e.g. +1,+44.",
    )
  }
  for (const name of ['TWILIO_API_BASE', 'ELEVENLABS_API_BASE'] as const) {
    const url = urlOf(c.env[name])
    if (!url) continue
    if (isLoopback(url.hostname)) {
      // npm run dev points ELEVENLABS_API_BASE at its stand-in when no key is set: the
      // agent then is not a real one, which the settings alone (a key present) do not say.
      warnings.push(`${name} is ${url.origin}, on this machine: ${STAND_IN[name]}`)
    } else if (url.protocol === 'http:') {
      warnings.push(
        `${name} is http://${url.host}: its API key would cross the network unencrypted. Use https://, or a stand-in on this machine.`,
      )
    }
  }
  if (localCalls) {
    warnings.push(
      'LOCAL_CALLS is on: pages may stream to conferences without Twilio, unsigned. It is meant for local development.',
    )
  }
  return c.json({
    status: missing.length === 0 ? 'ok' : 'incomplete',
    missing,
    warnings,
    /** The page may talk to the agent without Twilio (routes/local-calls.ts). */
    localCalls,
    settings,
  })
})

/** What an API base on this machine means, said plainly. */
const STAND_IN = {
  TWILIO_API_BASE: 'Twilio requests go to a stand-in there, not to Twilio.',
  ELEVENLABS_API_BASE:
    'the agent is a stand-in there, not ElevenLabs (npm run dev starts one, which says back what it hears, when no ElevenLabs key is set).',
} as const

const settingPresent = (settings: SettingStatus[], name: SettingName) =>
  settings.some((s) => s.name === name && s.present && !s.problem)

/** What dialling a phone needs (routes/twilio-legs.ts, dialPhone). */
const canDial = (settings: SettingStatus[]) =>
  (
    ['TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY', 'TWILIO_API_SECRET', 'TWILIO_PHONE_NUMBER'] as const
  ).every((name) => settingPresent(settings, name))

/** A setting's URL; undefined when unset or not a URL (settings.ts reports that). */
function urlOf(value: string | undefined): URL | undefined {
  if (!value) return undefined
  try {
    return new URL(value.trim())
  } catch {
    return undefined
  }
}
