/**
 * Conversation signatures as get-signed-url hands them out. They are valid for
 * 15 minutes ("Signed URLs are valid for 15 minutes … the conversation must be
 * initiated within the 15 minute window", ElevenLabs docs, agents authentication)
 * and may be reused within that window, except when the URL was issued with a
 * conversation id ("If included, the conversation_signature cannot be used
 * again", elevenlabs-python conversations/raw_client.py get_signed_url).
 */
import { randomBytes } from 'node:crypto'

const VALID_MS = 15 * 60 * 1000

interface Grant {
  agentId: string
  expiresAt: number
  conversationId?: string
}

export type Admission =
  | { ok: true; conversationId?: string }
  | { ok: false; status: 401 | 403; message: string }

export const newConversationId = (): string => `conv_${randomBytes(12).toString('hex')}`

export class SignedUrls {
  #grants = new Map<string, Grant>()

  issue(agentId: string, withConversationId: boolean, now: number) {
    for (const [signature, grant] of this.#grants) {
      if (grant.expiresAt <= now) this.#grants.delete(signature)
    }
    const signature = randomBytes(18).toString('base64url')
    const grant: Grant = { agentId, expiresAt: now + VALID_MS }
    if (withConversationId) grant.conversationId = newConversationId()
    this.#grants.set(signature, grant)
    return { signature, conversationId: grant.conversationId }
  }

  admit(agentId: string | null, signature: string | null, now: number): Admission {
    if (!signature) return { ok: false, status: 401, message: 'conversation_signature is required' }
    const grant = this.#grants.get(signature)
    if (!grant || grant.expiresAt <= now) {
      return { ok: false, status: 403, message: 'Invalid or expired conversation_signature' }
    }
    if (grant.agentId !== agentId) {
      return {
        ok: false,
        status: 403,
        message: 'conversation_signature was issued for another agent',
      }
    }
    if (!grant.conversationId) return { ok: true }
    this.#grants.delete(signature)
    return { ok: true, conversationId: grant.conversationId }
  }
}
