/**
 * Asks for the API's access key when the server refuses a request with 401,
 * and hands it to the AccessKeyStore, which retries the waiting requests. The
 * keyboard comes to the key, and goes back to where it was once the form closes.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { AccessKeyStore, KeyPrompt } from '../api/access-key.ts'

export function AccessKeyForm({ store }: { store: AccessKeyStore }) {
  const [prompt, setPrompt] = useState<KeyPrompt | undefined>(store.prompt)
  const [key, setKey] = useState('')
  const input = useRef<HTMLInputElement>(null)
  // Where the keyboard was when the prompt came: a prompt that follows another keeps the first's.
  const returnTo = useRef<Element | null>(null)
  useEffect(() => store.subscribe(setPrompt), [store])
  useEffect(() => {
    if (prompt) {
      returnTo.current ??= document.activeElement
      input.current?.focus()
      return
    }
    const back = returnTo.current
    returnTo.current = null
    if (back instanceof HTMLElement && document.activeElement === document.body) back.focus()
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
      <p id="access-key-reason">
        This server asks for its access key before it does anything. Whoever set it up can give it
        to you.
      </p>
      <label for="access-key">Access key</label>
      <input
        id="access-key"
        ref={input}
        type="password"
        autocomplete="current-password"
        required
        value={key}
        aria-invalid={prompt.refused ? 'true' : undefined}
        aria-describedby={
          prompt.refused ? 'access-key-error access-key-reason' : 'access-key-reason'
        }
        onInput={(event) => setKey(event.currentTarget.value)}
      />
      {prompt.refused && (
        <p id="access-key-error" class="error" role="alert">
          That access key was not accepted: check it and enter it again.
        </p>
      )}
      <div class="actions">
        <button type="submit">Continue</button>
        <button type="button" class="secondary" onClick={() => store.decline()}>
          Cancel
        </button>
      </div>
    </form>
  )
}
