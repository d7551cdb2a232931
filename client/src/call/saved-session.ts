/**
 * The conversation this tab is in, kept across a reload (sessionStorage: this tab only,
 * gone with it). A reload mid-call takes the call with it; the page then comes back to
 * the conversation, says what became of it, and offers Rejoin where a rejoin can work,
 * instead of a blank form.
 */

/** What a reloaded page needs to find its conversation and its own place in it. */
export interface SavedSession {
  conferenceId: string
  /** The person's own leg's label in the room. */
  you: string
  /** A Twilio call's Voice identity, for a rejoin; none for a local call. */
  identity?: string
}

const KEY = 'conference-bridge.conversation'

export function saveSession(session: SavedSession): void {
  try {
    const { conferenceId, you, identity } = session
    sessionStorage.setItem(KEY, JSON.stringify({ conferenceId, you, identity }))
  } catch {
    // Storage refused (a private window's quota, or none): a reload then starts afresh.
  }
}

export function savedSession(): SavedSession | undefined {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? 'null')
    if (typeof saved !== 'object' || saved === null) return undefined
    const { conferenceId, you, identity } = saved as Record<string, unknown>
    if (typeof conferenceId !== 'string' || typeof you !== 'string') return undefined
    return { conferenceId, you, ...(typeof identity === 'string' && { identity }) }
  } catch {
    return undefined
  }
}

export function forgetSession(): void {
  try {
    sessionStorage.removeItem(KEY)
  } catch {
    // Nothing kept.
  }
}
