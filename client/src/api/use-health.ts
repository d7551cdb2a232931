/** Reads `GET /api/health` once, for the banner that says which mode the page is in. */
import { useEffect, useState } from 'preact/hooks'
import type { ConferenceApi } from './conference-api.ts'
import type { Health } from './wire.ts'

export type HealthState =
  | { kind: 'loading' }
  | { kind: 'loaded'; health: Health }
  | { kind: 'failed'; message: string }

export function useHealth(api: ConferenceApi): HealthState {
  const [state, setState] = useState<HealthState>({ kind: 'loading' })
  useEffect(() => {
    api
      .health()
      .then((health) => setState({ kind: 'loaded', health }))
      .catch((error: Error) => setState({ kind: 'failed', message: error.message }))
  }, [api])
  return state
}
