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
  | { kind: 'failed'; message: string; retry(): void }

export function useHealth(api: ConferenceApi): HealthState {
  const [state, setState] = useState<HealthState>({ kind: 'loading' })
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    setState({ kind: 'loading' })
    const retry = () => setAttempt((n) => n + 1)
    api
      .health()
      .then((health) => setState({ kind: 'loaded', health }))
      .catch((error: Error) => setState({ kind: 'failed', message: error.message, retry }))
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
