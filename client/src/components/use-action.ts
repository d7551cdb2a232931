/**
 * Runs one of the page's requests on behalf of a button or form: knows whether
 * it is under way and keeps the error message to show beside the control.
 */
import { useCallback, useState } from 'preact/hooks'

export interface Action<A extends unknown[]> {
  /** Resolves true when the action succeeded. */
  run(...args: A): Promise<boolean>
  pending: boolean
  error: string | undefined
}

export function useAction<A extends unknown[]>(
  action: (...args: A) => Promise<unknown>,
): Action<A> {
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string>()
  const run = useCallback(
    async (...args: A) => {
      setPending(true)
      setError(undefined)
      try {
        await action(...args)
        return true
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : 'Something went wrong.')
        return false
      } finally {
        setPending(false)
      }
    },
    [action],
  )
  return { run, pending, error }
}
