/**
 * Starts a conversation: an optional phone number to dial as soon as it
 * starts and, folded under "More options", an agent id (the server's default
 * agent otherwise). A local call (no Twilio) dials nobody, so it asks for no
 * number.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { StartRequest } from '../api/wire.ts'
import { useAction, useNumberField } from './use-action.ts'

export interface StartFormProps {
  /** A local call: the page talks to the agent directly, with nobody to dial. */
  local: boolean
  /** The server's health has not answered yet, so how to call is not known. */
  checking: boolean
  /** Why no conversation can start (a setting every call needs is missing), if so. */
  unavailable?: string | undefined
  /** The server has no default agent: the agent id is asked for in the open. */
  needsAgentId?: boolean
  /** Back from a conversation: keyboard focus comes here, not to the top of the page. */
  focusOnShow?: boolean
  /** Another tab of this page is on a call: starting here makes a second one. */
  otherTabOnCall?: boolean
  onStart(request: StartRequest): Promise<void>
}

export function StartForm(props: StartFormProps) {
  const { local, checking, unavailable, onStart, focusOnShow } = props
  const heading = useRef<HTMLHeadingElement>(null)
  // Only as the form is shown.
  useEffect(() => {
    if (focusOnShow) heading.current?.focus()
  }, [])
  const [agentId, setAgentId] = useState('')
  const [phoneNumber, setPhoneNumber] = useState('')
  const start = useAction(onStart)
  const number = useNumberField(start)

  const submit = (event: Event) => {
    event.preventDefault()
    void start.run({
      ...(agentId.trim() && { agentId: agentId.trim() }),
      ...(!local && phoneNumber.trim() && { phoneNumber: phoneNumber.trim() }),
    })
  }
  return (
    <form class="card start" onSubmit={submit} aria-labelledby="start-title">
      <h2 id="start-title" tabIndex={-1} ref={heading}>
        Start a conversation
      </h2>
      <p>
        {local
          ? 'You talk with the AI agent from this page, your microphone streamed straight to it. Headphones keep it from hearing itself.'
          : 'You talk with the AI agent from this page; anyone you add joins by phone.'}
      </p>
      {!local && (
        <>
          <label for="dial-at-start">
            Phone number to call right away <span class="hint">(optional)</span>
          </label>
          <input
            id="dial-at-start"
            ref={number.ref}
            type="tel"
            autocomplete="tel"
            placeholder="+1 415 555 0100"
            value={phoneNumber}
            aria-invalid={number.refused ? 'true' : undefined}
            aria-describedby={number.refused ? 'start-error' : undefined}
            onInput={(event) => {
              setPhoneNumber(event.currentTarget.value)
              // Being corrected, the number is no longer the one the refusal was about.
              if (number.refused) start.dismiss()
            }}
          />
        </>
      )}
      {/* In the page from the start, so that a screen reader reads it when it fills. */}
      <p class="notice" role="status">
        {props.otherTabOnCall &&
          'This page is on a call in another tab. A conversation started here is a second one, with your microphone and an agent of its own.'}
      </p>
      {/* Not asking for the microphone first, only to say then what the banner says now. */}
      <button
        type="submit"
        class="primary"
        disabled={checking || unavailable !== undefined}
        aria-disabled={start.pending || undefined}
        aria-describedby={unavailable ? 'start-unavailable' : undefined}
      >
        {start.pending ? 'Starting…' : 'Start conversation'}
      </button>
      {unavailable && (
        <p id="start-unavailable" class="hint">
          {unavailable}
        </p>
      )}
      {start.error && (
        <p id="start-error" class="error" role="alert">
          {start.error.message}
        </p>
      )}
      {/* Most people use the server's agent: the choice stays out of the way, below Start. */}
      <details class="more-options" open={props.needsAgentId}>
        <summary>More options</summary>
        <label for="agent-id">
          {props.needsAgentId
            ? 'ElevenLabs agent id (this server has no default agent)'
            : 'ElevenLabs agent id, if not the default'}
        </label>
        <input
          id="agent-id"
          autocomplete="off"
          spellcheck={false}
          value={agentId}
          onInput={(event) => setAgentId(event.currentTarget.value)}
        />
      </details>
    </form>
  )
}
