/**
 * Which of the agent's audio still belongs in the call. ElevenLabs sends a response's
 * audio faster than real time, so after an interruption the rest of the response cut off
 * keeps arriving and must be dropped; and a conversation opened by a reconnection starts
 * with the agent's greeting again, which the call has already heard. Pure and
 * allocation-free: it answers for every `audio` event, and the bridge plays or drops.
 */

/** What to do with one `audio` event. */
export type AudioVerdict = 'play' | 'stale' | 'repeated_greeting'

export class AgentSpeech {
  /** Agent audio with an event id at or below this is stale: an interruption cut it off. */
  #staleThrough = -1
  /** The newest event id of the agent's audio or response text: the response under way. */
  #lastResponseId = -1
  /**
   * After a reconnection, until someone speaks: the agent's first message is not played
   * again. 'first' until its first response comes, then that response's event id.
   */
  #repeatedGreeting: 'first' | number | undefined

  /**
   * A new conversation is ready: its event ids start afresh. `repeatsGreeting`: it was
   * opened by a reconnection on a call that has heard the agent, so its greeting would be
   * a repeat.
   */
  newConversation(repeatsGreeting: boolean): void {
    this.#staleThrough = -1
    this.#lastResponseId = -1
    this.#repeatedGreeting = repeatsGreeting ? 'first' : undefined
  }

  /** An `audio` event of the agent's. */
  audio(eventId: number): AudioVerdict {
    if (eventId > this.#lastResponseId) this.#lastResponseId = eventId
    if (eventId <= this.#staleThrough) return 'stale'
    if (this.#isRepeatedGreeting(eventId)) return 'repeated_greeting'
    return 'play'
  }

  /** Whether a response with this id was cut off by an interruption already heard. */
  isCutOff(eventId: number | undefined): boolean {
    return eventId !== undefined && eventId <= this.#staleThrough
  }

  /** An `agent_response`'s text: whether it is the call's to keep (not a repeated greeting). */
  response(eventId: number | undefined): boolean {
    if (eventId !== undefined && eventId > this.#lastResponseId) this.#lastResponseId = eventId
    return !this.#isRepeatedGreeting(eventId)
  }

  /**
   * Someone spoke (`user_transcript`) before the new conversation's first response: that
   * response is an answer, not its greeting. Once the greeting is under way, its audio
   * stays dropped (a reply comes with another id), or the rest of it would play.
   */
  userSpoke(): void {
    if (this.#repeatedGreeting === 'first') this.#repeatedGreeting = undefined
  }

  /** An `interruption`: what the agent was saying is cut off, a repeated greeting too. */
  interrupted(eventId: number | undefined): void {
    this.#repeatedGreeting = undefined
    this.#staleThrough = Math.max(this.#staleThrough, this.#staleAfterInterruption(eventId))
  }

  /**
   * Whether this agent event belongs to the first message of a conversation opened by a
   * reconnection: the agent's first response there, before anyone has spoken
   * (`user_transcript` or an `interruption` ends the wait). ElevenLabs opens every
   * conversation with the agent's `first_message`, unless it is empty; overriding it
   * needs the agent's permission (close 1008 otherwise), so it is dropped here.
   */
  #isRepeatedGreeting(eventId: number | undefined): boolean {
    if (this.#repeatedGreeting === undefined || eventId === undefined) return false
    if (this.#repeatedGreeting === 'first') this.#repeatedGreeting = eventId
    if (eventId === this.#repeatedGreeting) return true
    this.#repeatedGreeting = undefined
    return false
  }

  /**
   * What an interruption makes stale: every response older than its event id, and the
   * response under way (the one interrupted) even when it carries that id. Not a reply
   * that comes after the interruption with the same id: ElevenLabs sends those (its
   * Python SDK dropped them as `<=` stale and played nothing, elevenlabs-python#829; its
   * JS client drops only older ids, `lastInterruptTimestamp <= event_id` plays). Without
   * an id, the response being played is the one interrupted.
   */
  #staleAfterInterruption(eventId: number | undefined): number {
    if (eventId === undefined) return this.#lastResponseId
    return this.#lastResponseId >= eventId ? eventId : eventId - 1
  }
}
