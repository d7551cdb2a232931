import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RoomEventMessage } from '../api/wire.ts'
import {
  followRoom,
  type LinkStatus,
  type OpenSocket,
  reconnectDelay,
  type SocketHandlers,
} from './room-events.ts'
import { anUpdate, aRoom } from './room-fixtures.ts'

/** Sockets the follower opened, each driven by hand. */
function fakeSockets() {
  const opened: { url: string; protocols: string[]; handlers: SocketHandlers; closed: boolean }[] =
    []
  const open: OpenSocket = (url, protocols, handlers) => {
    const socket = { url, protocols, handlers, closed: false }
    opened.push(socket)
    return {
      close: () => {
        socket.closed = true
      },
    }
  }
  return { open, opened, latest: () => opened.at(-1) }
}

const send = (handlers: SocketHandlers | undefined, message: RoomEventMessage) =>
  handlers?.message(JSON.stringify(message))

function follow(sockets: ReturnType<typeof fakeSockets>, protocols = ['bridge.v1']) {
  const events: RoomEventMessage[] = []
  const links: LinkStatus[] = []
  const stop = followRoom({
    target: () => ({ url: 'ws://page/api/twilio/conferences/conf-1/events', protocols }),
    onEvent: (message) => events.push(message),
    onLink: (status) => links.push(status),
    open: sockets.open,
  })
  return { events, links, stop }
}

describe('followRoom', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('opens the socket with the given subprotocols and passes its messages on', () => {
    const sockets = fakeSockets()
    const { events, links } = follow(sockets, ['bridge.v1', 'bearer.k3y'])
    expect(sockets.latest()?.protocols).toEqual(['bridge.v1', 'bearer.k3y'])
    send(sockets.latest()?.handlers, { type: 'snapshot', room: aRoom() })
    expect(events).toEqual([{ type: 'snapshot', room: aRoom() }])
    expect(links).toEqual(['connecting', 'live'])
  })

  it('reconnects after a drop while the conference is live, waiting longer each time', () => {
    const sockets = fakeSockets()
    const { links } = follow(sockets)
    sockets.latest()?.handlers.close()
    expect(links.at(-1)).toBe('reconnecting')
    vi.advanceTimersByTime(reconnectDelay(0) - 1)
    expect(sockets.opened).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(sockets.opened).toHaveLength(2)
    sockets.latest()?.handlers.close()
    vi.advanceTimersByTime(reconnectDelay(0))
    expect(sockets.opened).toHaveLength(2)
    vi.advanceTimersByTime(reconnectDelay(1) - reconnectDelay(0))
    expect(sockets.opened).toHaveLength(3)
  })

  it('starts the backoff over once a reconnection delivered its snapshot', () => {
    const sockets = fakeSockets()
    follow(sockets)
    sockets.latest()?.handlers.close()
    vi.advanceTimersByTime(reconnectDelay(0))
    send(sockets.latest()?.handlers, { type: 'snapshot', room: aRoom() })
    sockets.latest()?.handlers.close()
    vi.advanceTimersByTime(reconnectDelay(0))
    expect(sockets.opened).toHaveLength(3)
  })

  it('does not reconnect once the conference has ended', () => {
    const sockets = fakeSockets()
    const { links } = follow(sockets)
    send(sockets.latest()?.handlers, { type: 'update', room: anUpdate(aRoom({ status: 'ended' })) })
    sockets.latest()?.handlers.close()
    vi.runAllTimers()
    expect(sockets.opened).toHaveLength(1)
    expect(links.at(-1)).toBe('closed')
  })

  it('closes the socket and stays closed when stopped', () => {
    const sockets = fakeSockets()
    const { stop } = follow(sockets)
    stop()
    expect(sockets.latest()?.closed).toBe(true)
    sockets.latest()?.handlers.close()
    vi.runAllTimers()
    expect(sockets.opened).toHaveLength(1)
  })

  it('caps the delay between attempts', () => {
    expect(reconnectDelay(0)).toBe(500)
    expect(reconnectDelay(20)).toBe(15_000)
  })
})
