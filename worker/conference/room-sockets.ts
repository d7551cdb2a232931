/**
 * The room's WebSockets as the Hibernation API keeps them: the answer that accepts one,
 * and the mark on a stream the room is done with, which must outlive the room's memory.
 */
import { PAGE_PROTOCOL } from '../routes/access-protocol.ts'

/**
 * The 101 answer for a socket the room accepted: the page's subprotocol named when it
 * was offered (beside the access key's `bearer.…`, see routes/access-protocol.ts); Twilio
 * offers none.
 */
export function upgraded(client: WebSocket, request: Request): Response {
  const offered = request.headers.get('Sec-WebSocket-Protocol')?.split(',') ?? []
  const headers = offered.some((protocol) => protocol.trim() === PAGE_PROTOCOL)
    ? { 'Sec-WebSocket-Protocol': PAGE_PROTOCOL }
    : undefined
  return new Response(null, { status: 101, webSocket: client, ...(headers && { headers }) })
}

/**
 * Marks a stream socket the room is done with, in its attachment (which outlives the
 * room's memory): it no longer counts as the conference's stream while it closes.
 */
export function letGo(socket: WebSocket): void {
  try {
    socket.serializeAttachment({ letGo: true })
  } catch {
    // Closed already: gone from getWebSockets, nothing to mark.
  }
}

export const isLetGo = (socket: WebSocket): boolean =>
  (socket.deserializeAttachment() as { letGo?: boolean } | null)?.letGo === true
