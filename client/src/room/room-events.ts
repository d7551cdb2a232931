/**
 * Follows a conference over its event socket
 * (`GET /api/twilio/conferences/:id/events`). The socket starts with a full
 * snapshot, so after a drop a fresh connection is all the catching up there
 * is: while the conference is live it reconnects with a growing delay.
 */
import type { RoomEventMessage } from '../api/wire.ts'
import { isLive, parseRoomEvent } from './room-state.ts'

export interface SocketHandlers {
  message(data: string): void
  close(): void
}

/** Opens a WebSocket; a seam so the reconnect logic can be tested without one. */
export type OpenSocket = (
  url: string,
  protocols: string[],
  handlers: SocketHandlers,
) => { close(): void }

/** The event link as the page shows it; `live` once the snapshot arrived. */
export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'closed'

export interface FollowOptions {
  /** Read before every attempt, so a key entered meanwhile is used. */
  target(): { url: string; protocols: string[] }
  onEvent(message: RoomEventMessage): void
  onLink(status: LinkStatus): void
  open?: OpenSocket
}

const FIRST_DELAY_MS = 500
const MAX_DELAY_MS = 15_000

export const reconnectDelay = (attempt: number): number =>
  Math.min(FIRST_DELAY_MS * 2 ** attempt, MAX_DELAY_MS)

/** Starts following; the returned function stops for good. */
export function followRoom(options: FollowOptions): () => void {
  const open = options.open ?? openBrowserSocket
  let failures = 0
  let live = true
  let stopped = false
  let socket: { close(): void } | undefined
  let retry: ReturnType<typeof setTimeout> | undefined

  const onMessage = (data: string) => {
    const message = parseRoomEvent(data)
    if (!message) return
    if (message.type === 'snapshot') {
      failures = 0
      options.onLink('live')
    }
    if (message.type !== 'transcript') live = isLive(message.room)
    options.onEvent(message)
  }

  const onClose = () => {
    socket = undefined
    if (stopped) return
    if (!live) {
      options.onLink('closed')
      return
    }
    options.onLink('reconnecting')
    retry = setTimeout(connect, reconnectDelay(failures++))
  }

  const connect = () => {
    const { url, protocols } = options.target()
    socket = open(url, protocols, { message: onMessage, close: onClose })
  }

  options.onLink('connecting')
  connect()
  return () => {
    stopped = true
    clearTimeout(retry)
    socket?.close()
  }
}

const openBrowserSocket: OpenSocket = (url, protocols, handlers) => {
  let socket: WebSocket
  try {
    socket = new WebSocket(url, protocols)
  } catch {
    // The access key is always a valid subprotocol (access-protocol.ts); anything else
    // that makes the constructor throw counts as a drop.
    queueMicrotask(handlers.close)
    return { close: () => {} }
  }
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') handlers.message(event.data)
  }
  socket.onclose = () => handlers.close()
  return { close: () => socket.close(1000, 'page closed') }
}
