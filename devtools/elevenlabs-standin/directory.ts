/**
 * Every conversation the stand-in has had: the live ones, to push messages
 * into and close, and the records of the last closed ones, so a test can
 * still inspect a conversation after the bridge hung up. Bounded, because a
 * long-running dev server or a benchmark opens many.
 */
import type { ConversationFilter } from './control.ts'
import type { StandinConversation } from './conversation.ts'
import type { ConversationRecord } from './conversation-record.ts'

const CLOSED_KEPT = 1000

export class ConversationDirectory {
  #live = new Map<string, StandinConversation>()
  #closed: ConversationRecord[] = []

  add(conversation: StandinConversation): void {
    this.#live.set(conversation.record.conversationId, conversation)
  }

  /** Called once a conversation's socket has closed. */
  retire(conversation: StandinConversation): void {
    this.#live.delete(conversation.record.conversationId)
    this.#closed.push(conversation.record)
    if (this.#closed.length > CLOSED_KEPT) this.#closed.splice(0, this.#closed.length - CLOSED_KEPT)
  }

  live(conversationId: string): StandinConversation | undefined {
    return this.#live.get(conversationId)
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
