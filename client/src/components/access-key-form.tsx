/**
 * Asks for the API's access key when the server refuses a request with 401,
 * and hands it to the AccessKeyStore, which retries the waiting requests.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { AccessKeyStore, KeyPrompt } from '../api/access-key.ts'

export function AccessKeyForm({ store }: { store: AccessKeyStore }) {
  const [prompt, setPrompt] = useState<KeyPrompt | undefined>(store.prompt)
  const [key, setKey] = useState('')
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => store.subscribe(setPrompt), [store])
  useEffect(() => {
    if (prompt) input.current?.focus()
  }, [prompt])
  if (!prompt) return null

  const submit = (event: Event) => {
    event.preventDefault()
    store.answer(key)
    setKey('')
  }
  return (
    <form class="card access-key" onSubmit={submit} aria-labelledby="access-key-title">
      <h2 id="access-key-title">Access key needed</h2>
      <p id="access-key-reason">{prompt.reason}</p>
      <label for="access-key">Access key</label>
      <input
        id="access-key"
        ref={input}
        type="password"
        autocomplete="current-password"
        required
        value={key}
        aria-describedby="access-key-reason"
        onInput={(event) => setKey(event.currentTarget.value)}
      />
      <div class="actions">
        <button type="submit">Continue</button>
        <button type="button" class="secondary" onClick={() => store.decline()}>
          Cancel
        </button>
      </div>
    </form>
  )
}
