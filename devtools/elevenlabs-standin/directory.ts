/**
 * Every conversation the stand-in has had: the live ones, to push messages
 * into and close, and the records of the last closed ones, so a test can
 * still inspect a conversation after the bridge hung up. Bounded, because a
 * long-running dev server or a benchmark opens many.
 */
import type { ConversationFilter } from './control.ts'
import type { StandinConversation } from './conversation.ts'
import type { ConversationRecord } from './conversation-record.ts'
import type { UserAudioTape } from './user-audio-tape.ts'

const CLOSED_KEPT = 1000
/** Kept user audio can be large (minutes of PCM), so fewer closed conversations keep theirs. */
const CLOSED_TAPES_KEPT = 20

export class ConversationDirectory {
  #live = new Map<string, StandinConversation>()
  #closed: ConversationRecord[] = []
  #closedTapes = new Map<string, UserAudioTape>()

  add(conversation: StandinConversation): void {
    this.#live.set(conversation.record.conversationId, conversation)
  }

  /** Called once a conversation's socket has closed. */
  retire(conversation: StandinConversation): void {
    this.#live.delete(conversation.record.conversationId)
    this.#closed.push(conversation.record)
    if (this.#closed.length > CLOSED_KEPT) this.#closed.splice(0, this.#closed.length - CLOSED_KEPT)
    if (!conversation.userAudio) return
    this.#closedTapes.set(conversation.record.conversationId, conversation.userAudio)
    const [oldest] = this.#closedTapes.keys()
    if (this.#closedTapes.size > CLOSED_TAPES_KEPT && oldest) this.#closedTapes.delete(oldest)
  }

  live(conversationId: string): StandinConversation | undefined {
    return this.#live.get(conversationId)
  }

  /** The user audio a conversation kept, live or among the last closed ones. */
  userAudio(conversationId: string): UserAudioTape | undefined {
    return this.#live.get(conversationId)?.userAudio ?? this.#closedTapes.get(conversationId)
  }

  /** Oldest first, closed and live alike. */
  list({ agentId, conversationId }: ConversationFilter): ConversationRecord[] {
    const live = [...this.#live.values()].map((conversation) => conversation.record)
    return [...this.#closed, ...live]
      .filter((record) => !agentId || record.agentId === agentId)
      .filter((record) => !conversationId || record.conversationId === conversationId)
      .sort((a, b) => a.connectedAt - b.connectedAt)
  }

  closeAll(): void {
    for (const conversation of this.#live.values()) conversation.closeWith({ code: 1006 })
  }
}
