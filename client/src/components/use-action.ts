/**
 * Runs one of the page's requests on behalf of a button or form: knows whether
 * it is under way and keeps the error to show beside the control.
 *
 * While it is under way its button says so with `aria-disabled`, not `disabled`: a button
 * that disables itself drops the keyboard focus to the page's top, and the person has to
 * find their place again. A press meanwhile is ignored, so a double click sends one request.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiFailure } from '../api/api-client.ts'

export interface ActionError {
  message: string
  /** The server's code, such as `invalid_phone_number`: ties the message to its field. */
  code?: string
}

export interface Action<A extends unknown[]> {
  /** Resolves true when the action succeeded; false when it failed or was already under way. */
  run(...args: A): Promise<boolean>
  pending: boolean
  /** The last failure until the next run: a new object each time, so an effect can follow it. */
  error: ActionError | undefined
  /** Takes the failure away before the next run, e.g. once what it was about is being corrected. */
  dismiss(): void
}

/**
 * What tells that an action's failure no longer holds: the live updates came back (a count
 * of their returns), when a failure to reach the server is over; the conversation ended,
 * when nothing is left to act on.
 */
export interface Freshness {
  reconnected: number
  ended: boolean
}

/** The action could not reach the server, or had no answer in time. */
const unreached = (error: ActionError | undefined): boolean =>
  error?.code === 'network_error' || error?.code === 'timeout'

export function useAction<A extends unknown[]>(
  action: (...args: A) => Promise<unknown>,
  freshness?: Freshness,
): Action<A> {
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<ActionError>()
  useEffect(
    () => setError((shown) => (unreached(shown) ? undefined : shown)),
    [freshness?.reconnected],
  )
  useEffect(() => {
    if (freshness?.ended) setError(undefined)
  }, [freshness?.ended])
  // Not the state: two presses can come before the page renders again.
  const running = useRef(false)
  const run = useCallback(
    async (...args: A) => {
      if (running.current) return false
      running.current = true
      setPending(true)
      setError(undefined)
      try {
        await action(...args)
        return true
      } catch (failure) {
        setError(actionError(failure))
        return false
      } finally {
        running.current = false
        setPending(false)
      }
    },
    [action],
  )
  const dismiss = useCallback(() => setError(undefined), [])
  return { run, pending, error, dismiss }
}

function actionError(failure: unknown): ActionError {
  if (!(failure instanceof Error)) return { message: 'Something went wrong.' }
  if (!(failure instanceof ApiFailure)) return { message: failure.message }
  return { message: failure.message, code: failure.code }
}

/** Whether the server refused a phone number itself, as invalid or not allowed here. */
export const isNumberRefused = (error: ActionError | undefined): boolean =>
  error?.code === 'invalid_phone_number' || error?.code === 'dial_not_allowed'

/**
 * The field of a number `action` sends: whether the server refused that number, and a ref
 * that takes the keyboard when it does, so that the person can correct it.
 */
export function useNumberField(action: Pick<Action<never>, 'error'>) {
  const ref = useRef<HTMLInputElement>(null)
  const refused = isNumberRefused(action.error)
  useEffect(() => {
    if (isNumberRefused(action.error)) ref.current?.focus()
  }, [action.error])
  return { ref, refused }
}
