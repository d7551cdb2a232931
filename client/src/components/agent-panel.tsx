/**
 * The AI agent's state: whether it can hear and answer, whether it is speaking, and why
 * not; and, once it has left a call still going on, a way to bring it back.
 */
import type { AgentStatus, RoomView } from '../api/wire.ts'
import { useAction } from './use-action.ts'
import { useKeptFocus } from './use-kept-focus.ts'

const DESCRIPTIONS: Record<AgentStatus, string> = {
  waiting: 'Waiting for the call to connect',
  connecting: 'Connecting',
  ready: 'Listening',
  reconnecting: 'Reconnecting',
  unavailable: 'Unavailable; the call goes on without it',
  ended: 'Left the conversation',
}

/**
 * A local call is the person and the agent alone: without the agent there is no call, and
 * the room ends it.
 */
const LOCAL_UNAVAILABLE = 'Unavailable; start a new conversation'

export interface AgentPanelProps {
  agent: RoomView['agent']
  local?: boolean
  /** Brings the agent back once it has left; absent where it cannot be (an ended or local call). */
  onBringBack?: () => Promise<void>
}

export function AgentPanel({ agent, local = false, onBringBack }: AgentPanelProps) {
  const speaking = agent.status === 'ready' && agent.speaking
  const description =
    local && agent.status === 'unavailable' ? LOCAL_UNAVAILABLE : DESCRIPTIONS[agent.status]
  // Named, as "Connecting" after the person's own "Connected" would sound like their call
  // going back; a reason for the agent's absence is said with it.
  const state = `AI agent: ${description.toLowerCase()}`
  const gone = agent.status === 'unavailable' || agent.status === 'ended'
  const spoken = gone && agent.error ? `${state}. ${agent.error}` : state
  const offered = gone && onBringBack !== undefined
  // If its button goes once used (the agent on its way back), the panel keeps the keyboard.
  const kept = useKeptFocus<HTMLElement>(offered)
  const bringBack = useAction(async () => {
    kept.used()
    await onBringBack?.()
  })
  return (
    <section class="card agent" aria-labelledby="agent-title" tabIndex={-1} ref={kept.ref}>
      <h2 id="agent-title">AI agent</h2>
      {/* Speaking and listening flip with every turn: shown, but only the agent's state is
          read out, so a screen reader is not talking over the conversation. */}
      <p class={`agent-status agent-${agent.status}`} aria-hidden="true">
        <span class={`dot${speaking ? ' speaking' : ''}`} />
        {speaking ? 'Speaking' : description}
      </p>
      <p class="visually-hidden" role="status">
        {spoken}
      </p>
      {agent.error && <p class="error">{agent.error}</p>}
      {agent.reconnects > 0 && (
        <p class="hint">
          Reconnected {agent.reconnects} {agent.reconnects === 1 ? 'time' : 'times'}.
        </p>
      )}
      {offered && (
        <div class="actions">
          <button
            type="button"
            aria-disabled={bringBack.pending || undefined}
            aria-describedby={bringBack.error ? 'agent-back-error' : undefined}
            onClick={() => void bringBack.run()}
          >
            Bring the agent back
          </button>
        </div>
      )}
      {offered && bringBack.error && (
        <p class="error" id="agent-back-error" role="alert">
          {bringBack.error.message}
        </p>
      )}
    </section>
  )
}
