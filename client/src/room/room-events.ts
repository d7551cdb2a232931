/**
 * Follows a conference over its event socket
 * (`GET /api/twilio/conferences/:id/events`). The socket starts with a full
 * snapshot, so after a drop a fresh connection is all the catching up there
 * is: while the conference is live it reconnects with a growing delay. A browser
 * sees only a drop when the upgrade is refused, so after a few it asks the API
 * whether the conference is still there: one that has ended, or whose record is
 * gone (an hour after its end), is not waited for.
 */
import { isKeyDeclined } from '../api/api-client.ts'
import type { RoomEventMessage, RoomView } from '../api/wire.ts'
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

/**
 * The event link as the page shows it; `live` once the snapshot arrived; `locked` while
 * it is refused for the access key, which the person declined to give.
 */
export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'locked' | 'closed'

export interface FollowOptions {
  /** Read before every attempt, so a key entered meanwhile is used. */
  target(): { url: string; protocols: string[] }
  onEvent(message: RoomEventMessage): void
  onLink(status: LinkStatus): void
  /**
   * The conference as the API has it now, or undefined when it has no such conference
   * any more; rejects when the API cannot be reached (then the reconnecting goes on).
   */
  lookUp(): Promise<RoomView | undefined>
  /** The conference is gone: its record was freed, so no event will ever come. */
  onGone(): void
  open?: OpenSocket
}

/** Drops in a row after which the API is asked whether the conference is still there. */
export const LOOK_UP_AFTER_DROPS = 2

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
  let keyDeclined = false

  const onMessage = (data: string) => {
    const message = parseRoomEvent(data)
    if (!message) return
    if (message.type === 'snapshot') {
      failures = 0
      keyDeclined = false
      options.onLink('live')
    }
    if (message.type !== 'transcript') live = isLive(message.room)
    options.onEvent(message)
  }

  /** For good: the conference is over, whatever an attempt under way would say. */
  const finish = () => {
    stopped = true
    clearTimeout(retry)
    socket?.close()
    options.onLink('closed')
  }

  const onClose = () => {
    socket = undefined
    if (stopped) return
    if (!live) {
      options.onLink('closed')
      return
    }
    options.onLink(keyDeclined ? 'locked' : 'reconnecting')
    retry = setTimeout(connect, reconnectDelay(failures++))
    if (failures >= LOOK_UP_AFTER_DROPS) void lookUp()
  }

  const lookUp = async () => {
    if (keyDeclined) return
    let room: RoomView | undefined
    try {
      room = await options.lookUp()
    } catch (error) {
      // Refused for the access key, which the person declined to give: asking again at
      // every drop would raise the prompt again and again. The page offers to give it
      // (the socket's next attempt takes it); a snapshot ends the pause.
      if (isKeyDeclined(error) && !stopped) {
        keyDeclined = true
        options.onLink('locked')
      }
      return // Unreachable too: the next attempt will tell.
    }
    if (stopped) return
    if (!room) {
      options.onGone()
      finish()
    } else if (!isLive(room)) {
      options.onEvent({ type: 'snapshot', room })
      finish()
    }
  }

  const connect = () => {
    if (stopped) return
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
