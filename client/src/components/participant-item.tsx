/**
 * One participant: who it is (you, the agent, a phone number), where its call
 * stands, its muted/hold badges, whether it is speaking, and its controls.
 * Muting the agent is how to silence it.
 */
import type { AgentStatus, ParticipantChange, ParticipantView } from '../api/wire.ts'
import { ParticipantIcon } from './participant-icon.tsx'
import { type Freshness, useAction } from './use-action.ts'
import { useKeptFocus } from './use-kept-focus.ts'

export type ParticipantRequest =
  | { type: 'change'; change: ParticipantChange }
  | { type: 'remove' }
  /** Dial a phone whose call failed (or was called off) again: a new participant. */
  | { type: 'redial'; phoneNumber: string }

export interface ParticipantItemProps {
  participant: ParticipantView
  isYou: boolean
  /** The agent's own state (its conversation, not its Twilio leg), for the agent's row. */
  agentStatus?: AgentStatus
  /** A failed phone's number is not on the call again already: it may be called again. */
  redialable?: boolean
  /** Absent when nobody can be controlled (a local call's legs are not Twilio's). */
  onRequest?: (callSid: string, request: ParticipantRequest) => Promise<void>
  /** When the row's failed request no longer holds. */
  freshness?: Freshness
}

const STATUS: Record<ParticipantView['status'], string> = {
  dialing: 'Calling…',
  ringing: 'Ringing…',
  joined: 'Joined',
  left: 'Left',
  failed: 'Failed',
}

/**
 * The agent's leg is in the call as soon as Twilio joins it; whether the agent hears and
 * answers is its conversation's state, which its row shows instead of a plain "Joined".
 */
const AGENT_IN_CALL: Record<AgentStatus, { text: string; tone: ParticipantView['status'] }> = {
  waiting: { text: 'Connecting…', tone: 'dialing' },
  connecting: { text: 'Connecting…', tone: 'dialing' },
  ready: { text: 'Joined', tone: 'joined' },
  reconnecting: { text: 'Reconnecting…', tone: 'dialing' },
  unavailable: { text: 'Unavailable', tone: 'failed' },
  ended: { text: 'Leaving…', tone: 'left' },
}

/** Where the participant stands, in words, and the tone (a status's colour) to show it in. */
function stateOf(
  p: ParticipantView,
  agentStatus?: AgentStatus,
): { text: string; tone: ParticipantView['status'] } {
  if (p.status === 'left' && p.removed) return { text: 'Removed', tone: 'left' }
  // Someone called it off: not a failure to show in red.
  if (p.status === 'failed' && p.removed) return { text: 'Called off', tone: 'left' }
  if (p.kind === 'agent' && p.status === 'joined' && agentStatus) return AGENT_IN_CALL[agentStatus]
  const error = p.status === 'failed' && p.error ? `: ${p.error}` : ''
  return { text: `${STATUS[p.status]}${error}`, tone: p.status }
}

export function ParticipantItem({
  participant: p,
  isYou,
  agentStatus,
  redialable = false,
  onRequest,
  freshness,
}: ParticipantItemProps) {
  const request = useAction(async (r: ParticipantRequest) => {
    kept.used()
    // A dial Twilio refused has no call, and needs none to be made again.
    if (r.type === 'redial') return onRequest?.(p.callSid ?? p.label, r)
    return p.callSid && onRequest?.(p.callSid, r)
  }, freshness)
  const name = displayName(p, isYou)
  const controllable =
    onRequest !== undefined && !isYou && p.callSid !== undefined && p.status === 'joined'
  // A phone still ringing can be called off (a wrong number, or one nobody answers).
  const cancellable =
    onRequest !== undefined &&
    p.kind === 'phone' &&
    p.callSid !== undefined &&
    (p.status === 'dialing' || p.status === 'ringing')
  // Busy, no answer, or called off by mistake: one press calls the number again. So for a
  // phone that hung up or dropped on its own (a mobile out of coverage): the number they
  // saw calling is this service's caller ID, and calling it back does not bring them in.
  // Not for one someone removed: they were taken out on purpose.
  const gone = p.status === 'failed' || (p.status === 'left' && !p.removed)
  const phoneNumber = p.kind === 'phone' && gone ? p.phoneNumber : undefined
  const callAgain = onRequest !== undefined && redialable && phoneNumber !== undefined
  // A row whose controls went or were replaced (removed, called off, gone and offered again)
  // after one of them was used keeps the keyboard's place; other rows losing theirs (the
  // call ending) leave focus alone.
  const controls = controllable ? 'on-call' : cancellable ? 'ringing' : callAgain ? 'gone' : ''
  const kept = useKeptFocus<HTMLLIElement>(controls)
  const state = stateOf(p, agentStatus)
  return (
    <li class={`participant status-${state.tone}`} tabIndex={-1} ref={kept.ref}>
      <ParticipantIcon kind={p.kind} />
      <div class="who">
        <span class="name">{name}</span>
        <span class="details">
          <span class="state">{state.text}</span>
          {/* What holds only while they are on the call ("Left, on hold" says nothing true). */}
          {p.status === 'joined' && p.muted && <span class="badge">muted</span>}
          {p.status === 'joined' && p.hold && <span class="badge">on hold</span>}
          {p.status === 'joined' && p.speaking && <span class="badge speaking">speaking</span>}
        </span>
      </div>
      {controllable && (
        <div class="actions">
          <button
            type="button"
            aria-disabled={request.pending || undefined}
            onClick={() => void request.run({ type: 'change', change: { muted: !p.muted } })}
          >
            {p.muted ? 'Unmute' : 'Mute'}
            <span class="visually-hidden"> {name}</span>
          </button>
          {/* A held participant hears the hold music (Twilio Participant resource, HoldUrl), which
              the agent would take for speech; muting is how to silence the agent. */}
          {p.kind !== 'agent' && (
            <button
              type="button"
              aria-disabled={request.pending || undefined}
              onClick={() => void request.run({ type: 'change', change: { hold: !p.hold } })}
            >
              {p.hold ? 'Resume' : 'Hold'}
              <span class="visually-hidden"> {name}</span>
            </button>
          )}
          <button
            type="button"
            class="danger secondary"
            aria-disabled={request.pending || undefined}
            onClick={() => void request.run({ type: 'remove' })}
          >
            Remove<span class="visually-hidden"> {name}</span>
          </button>
        </div>
      )}
      {callAgain && (
        <div class="actions">
          <button
            type="button"
            aria-disabled={request.pending || undefined}
            onClick={() => void request.run({ type: 'redial', phoneNumber })}
          >
            Call again<span class="visually-hidden"> {name}</span>
          </button>
        </div>
      )}
      {cancellable && (
        <div class="actions">
          <button
            type="button"
            class="danger secondary"
            aria-disabled={request.pending || undefined}
            onClick={() => void request.run({ type: 'remove' })}
          >
            Cancel call<span class="visually-hidden"> to {name}</span>
          </button>
        </div>
      )}
      {request.error && (
        <p class="error" role="alert">
          {request.error.message}
        </p>
      )}
    </li>
  )
}

export function displayName(p: ParticipantView, isYou: boolean): string {
  if (isYou) return 'You'
  if (p.kind === 'agent') return 'AI agent'
  if (p.kind === 'phone') return p.displayNumber ?? p.phoneNumber ?? p.label
  return p.identity ? `Web guest ${p.identity}` : 'Web guest'
}
