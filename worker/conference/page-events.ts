/**
 * The pages watching a conference, over their event sockets (tagged `events`): each gets
 * the whole room when it connects, then updates and transcript lines as they happen. The
 * Hibernation API keeps the sockets, so a room with only watchers may sleep.
 */
import { LIVENESS_PING, LIVENESS_PONG } from './event-liveness.ts'
import type { RoomEventMessage, RoomView } from './room-record.ts'
import { upgraded } from './room-sockets.ts'

const TAG = 'events'

/** Accepts a page's event socket and sends it the room as it is now. */
export function acceptWatcher(
  ctx: DurableObjectState,
  request: Request,
  room: RoomView | undefined,
): Response {
  const { 0: client, 1: server } = new WebSocketPair()
  ctx.acceptWebSocket(server, [TAG])
  if (room) server.send(JSON.stringify({ type: 'snapshot', room } satisfies RoomEventMessage))
  return upgraded(client, request)
}

/**
 * Has the runtime answer each page's liveness ping itself. It applies to every socket of
 * the room; Twilio's media stream never sends that message.
 */
export function answerPings(ctx: DurableObjectState): void {
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(LIVENESS_PING, LIVENESS_PONG))
}

export const hasWatchers = (ctx: DurableObjectState): boolean => ctx.getWebSockets(TAG).length > 0

/** Whether a socket with these tags is a page's event socket. */
export const isWatcher = (tags: readonly string[]): boolean => tags.includes(TAG)

export function broadcast(ctx: DurableObjectState, message: RoomEventMessage): void {
  const sockets = ctx.getWebSockets(TAG)
  if (sockets.length === 0) return
  const data = JSON.stringify(message)
  for (const socket of sockets) {
    try {
      socket.send(data)
    } catch {
      // A closing page socket; its close handler cleans up.
    }
  }
}
