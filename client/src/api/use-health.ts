/**
 * Reads `GET /api/health` when the page opens: which mode the page is in, and what the
 * banner says. A failed read can be tried again (the server was starting, say).
 */
import { useEffect, useState } from 'preact/hooks'
import type { CallMode } from '../call/use-conversation.ts'
import type { ConferenceApi } from './conference-api.ts'
import type { Health } from './wire.ts'

export type HealthState =
  | { kind: 'loading' }
  | { kind: 'loaded'; health: Health }
  /**
   * `retrying` while it is being read again: the failure stays shown until the answer.
   * `attempt` counts the reads, so that a failure again is a new one.
   */
  | { kind: 'failed'; message: string; retrying: boolean; attempt: number; retry(): void }

export function useHealth(api: ConferenceApi): HealthState {
  const [state, setState] = useState<HealthState>({ kind: 'loading' })
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    setState((last) => (last.kind === 'failed' ? { ...last, retrying: true } : { kind: 'loading' }))
    const retry = () => setAttempt((n) => n + 1)
    api
      .health()
      .then((health) => setState({ kind: 'loaded', health }))
      .catch((error: Error) =>
        setState({ kind: 'failed', message: error.message, retrying: false, attempt, retry }),
      )
  }, [api, attempt])
  return state
}

/**
 * How the page calls: through Twilio, unless Twilio is not configured and the server
 * allows local calls (the page streams its microphone to the room itself).
 */
export const callModeOf = (state: HealthState): CallMode =>
  state.kind === 'loaded' && state.health.status !== 'ok' && state.health.localCalls
    ? 'local'
    : 'twilio'

/** Twilio's settings, which a local call does without. */
export const isTwilioSetting = (name: string) =>
  name.startsWith('TWILIO_') || name === 'WEBHOOK_BASE_URL'

/**
 * Why no conversation can start, when none can: the server's configuration could not be
 * read, or a setting every call needs is missing. Not the default agent's id (the form takes
 * an agent id), nor, for a local call, Twilio's settings.
 */
export function whyNoStart(state: HealthState): string | undefined {
  if (state.kind === 'failed')
    return "The server's configuration could not be read: try again above."
  if (state.kind !== 'loaded' || state.health.status === 'ok') return undefined
  const local = callModeOf(state) === 'local'
  const needed = state.health.missing.filter(
    (s) => s.name !== 'ELEVENLABS_AGENT_ID' && !(local && isTwilioSetting(s.name)),
  )
  return needed.length > 0 ? 'A conversation needs the settings listed above first.' : undefined
}
