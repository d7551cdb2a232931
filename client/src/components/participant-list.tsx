/** Everyone in the conference, in the order they were added. */
import type { ParticipantView } from '../api/wire.ts'
import { ParticipantItem, type ParticipantRequest } from './participant-item.tsx'

export interface ParticipantListProps {
  participants: ParticipantView[]
  /** The label of the person's own leg, to mark it as "You". */
  you: string
  /** Absent when nobody can be controlled (a local call's legs are not Twilio's). */
  onRequest?: (callSid: string, request: ParticipantRequest) => Promise<void>
}

export function ParticipantList({ participants, you, onRequest }: ParticipantListProps) {
  return (
    <section class="card participants" aria-labelledby="participants-title">
      <h2 id="participants-title">Participants</h2>
      {participants.length === 0 && <p class="hint">Nobody has joined yet.</p>}
      <ul aria-labelledby="participants-title">
        {participants.map((participant) => (
          <ParticipantItem
            key={participant.label}
            participant={participant}
            isYou={participant.label === you}
            onRequest={onRequest}
          />
        ))}
      </ul>
    </section>
  )
}
