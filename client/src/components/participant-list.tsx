/**
 * Everyone in the conference, in the order they were added; a screen reader hears who
 * starts ringing, joins, leaves or fails, and who is muted or held, as it happens.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { isActive } from '../../../worker/conference/roster.ts'
import type { AgentStatus, ParticipantView } from '../api/wire.ts'
import { displayName, ParticipantItem, type ParticipantRequest } from './participant-item.tsx'
import type { Freshness } from './use-action.ts'

export interface ParticipantListProps {
  participants: ParticipantView[]
  /** The label of the person's own leg, to mark it as "You". */
  you: string
  /** The agent's own state, which its row shows while its leg is in the call. */
  agentStatus?: AgentStatus
  /** Absent when nobody can be controlled (a local call's legs are not Twilio's). */
  onRequest?: (callSid: string, request: ParticipantRequest) => Promise<void>
  /** When a row's failed request no longer holds. */
  freshness: Freshness
}

export function ParticipantList({
  participants,
  you,
  agentStatus,
  onRequest,
  freshness,
}: ParticipantListProps) {
  const announcement = useChangesSpoken(participants, you)
  // A number on the call (or being called) again is not offered again.
  const numbersOn = new Set(participants.filter(isActive).map((p) => p.phoneNumber))
  return (
    <section class="card participants" aria-labelledby="participants-title">
      <h2 id="participants-title">Participants</h2>
      <p class="visually-hidden" role="status">
        {announcement}
      </p>
      {participants.length === 0 && <p class="hint">Nobody has joined yet.</p>}
      <ul aria-labelledby="participants-title">
        {participants.map((participant) => (
          <ParticipantItem
            key={participant.label}
            participant={participant}
            isYou={participant.label === you}
            agentStatus={agentStatus}
            redialable={!numbersOn.has(participant.phoneNumber)}
            onRequest={onRequest}
            freshness={freshness}
          />
        ))}
      </ul>
    </section>
  )
}

const SPOKEN: Record<ParticipantView['status'], string> = {
  dialing: 'is being called',
  ringing: 'is ringing',
  joined: 'joined',
  left: 'left',
  failed: 'could not be reached',
}

/**
 * What changed since the last render, in words: others' arrivals, departures and failures
 * (the agent's are its panel's to say), and their mutes and holds, whoever made them.
 */
function useChangesSpoken(participants: ParticipantView[], you: string): string {
  const seen = useRef<Map<string, ParticipantView> | undefined>(undefined)
  const [spoken, setSpoken] = useState('')
  useEffect(() => {
    const before = seen.current
    seen.current = new Map(participants.map((p) => [p.label, p]))
    // The first list is what the page shows, not news.
    if (!before) return
    const changes = participants
      .filter((p) => p.label !== you)
      .flatMap((p) => changesOf(before.get(p.label), p))
    if (changes.length > 0) setSpoken(changes.join(' '))
  }, [participants, you])
  return spoken
}

function changesOf(before: ParticipantView | undefined, p: ParticipantView): string[] {
  const name = displayName(p, false)
  if (before?.status !== p.status) {
    // The agent's panel says how the agent is (connecting, in the call, gone, removed): its
    // Twilio leg joining ahead of its conversation would be said as a join too early.
    if (p.kind === 'agent') return []
    if (p.status === 'failed' && p.removed) return [`The call to ${name} was called off.`]
    const why = p.status === 'failed' && p.error ? ` (${p.error})` : ''
    return [`${name} ${SPOKEN[p.status]}${why}.`]
  }
  // Mute and hold are news only for someone on the call.
  if (p.status !== 'joined') return []
  return [
    ...(before.muted !== p.muted ? [`${name} ${p.muted ? 'muted' : 'unmuted'}.`] : []),
    ...(before.hold !== p.hold ? [`${name} ${p.hold ? 'on hold' : 'resumed'}.`] : []),
  ]
}
