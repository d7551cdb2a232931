/**
 * `GET /api/health`: which settings are present, which are missing and what
 * each missing one disables, and whether local calls are on. Never a value.
 */
import { Hono } from 'hono'
import { type Env, localCallsEnabled } from '../config.ts'
import { settingsStatus } from '../settings.ts'

export const health = new Hono<{ Bindings: Env }>().get('/', (c) => {
  const settings = settingsStatus(c.env)
  const localCalls = localCallsEnabled(c.env)
  const missing = settings.filter((s) => s.required && (!s.present || s.problem))
  const warnings = settings
    .filter((s) => s.problem || (s.name === 'APP_ACCESS_KEY' && !s.present))
    .map((s) =>
      s.problem
        ? `${s.problem}: ${s.disables} is off until it is fixed.`
        : 'APP_ACCESS_KEY is not set: the JSON API answers only on this machine (localhost). Set it to use the page from anywhere else.',
    )
  if (localCalls) {
    warnings.push(
      'LOCAL_CALLS is on: pages may stream to conferences without Twilio, unsigned. It is meant for local development.',
    )
  }
  return c.json({
    status: missing.length === 0 ? 'ok' : 'incomplete',
    missing: missing.map((s) => ({ name: s.name, disables: s.disables })),
    warnings,
    /** The page may talk to the agent without Twilio (routes/local-calls.ts). */
    localCalls,
    settings,
  })
})
