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
  /**
   * Set as the page goes (`pagehide`: a reload, a close). A copy without it is a
   * duplicated tab's, its original still on the call: not a conversation to come back to.
   */
  left?: boolean
}

const KEY = 'conference-bridge.conversation'

export function saveSession(session: SavedSession): void {
  try {
    const { conferenceId, you, identity, left } = session
    sessionStorage.setItem(KEY, JSON.stringify({ conferenceId, you, identity, left }))
  } catch {
    // Storage refused (a private window's quota, or none): a reload then starts afresh.
  }
}

export function savedSession(): SavedSession | undefined {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? 'null')
    if (typeof saved !== 'object' || saved === null) return undefined
    const { conferenceId, you, identity, left } = saved as Record<string, unknown>
    if (typeof conferenceId !== 'string' || typeof you !== 'string') return undefined
    return {
      conferenceId,
      you,
      ...(typeof identity === 'string' && { identity }),
      ...(left === true && { left }),
    }
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

/** Marks the kept conversation as left with the page (see `SavedSession.left`). */
export function markSessionLeft(): void {
  const saved = savedSession()
  if (saved) saveSession({ ...saved, left: true })
}
