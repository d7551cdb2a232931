/**
 * Starts a conversation: an optional agent id (the server's default agent
 * otherwise) and an optional phone number to dial as soon as it starts.
 */
import { useState } from 'preact/hooks'
import type { StartRequest } from '../api/wire.ts'
import { useAction } from './use-action.ts'

export function StartForm({ onStart }: { onStart(request: StartRequest): Promise<void> }) {
  const [agentId, setAgentId] = useState('')
  const [phoneNumber, setPhoneNumber] = useState('')
  const start = useAction(onStart)

  const submit = (event: Event) => {
    event.preventDefault()
    void start.run({
      ...(agentId.trim() && { agentId: agentId.trim() }),
      ...(phoneNumber.trim() && { phoneNumber: phoneNumber.trim() }),
    })
  }
  return (
    <form class="card start" onSubmit={submit} aria-labelledby="start-title">
      <h2 id="start-title">Start a conversation</h2>
      <p>You talk with the AI agent from this page; anyone you add joins by phone.</p>
      <label for="agent-id">
        Agent id <span class="hint">(optional: the server's default agent otherwise)</span>
      </label>
      <input
        id="agent-id"
        autocomplete="off"
        spellcheck={false}
        value={agentId}
        onInput={(event) => setAgentId(event.currentTarget.value)}
      />
      <label for="dial-at-start">
        Phone number to call right away <span class="hint">(optional)</span>
      </label>
      <input
        id="dial-at-start"
        type="tel"
        autocomplete="tel"
        placeholder="+1 415 555 0100"
        value={phoneNumber}
        onInput={(event) => setPhoneNumber(event.currentTarget.value)}
      />
      <button type="submit" class="primary" disabled={start.pending}>
        {start.pending ? 'Starting…' : 'Start conversation'}
      </button>
      {start.error && (
        <p class="error" role="alert">
          {start.error}
        </p>
      )}
    </form>
  )
}
