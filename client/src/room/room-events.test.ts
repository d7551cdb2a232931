import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  LIVENESS_PING,
  LIVENESS_PING_MS,
  LIVENESS_PONG,
} from '../../../worker/conference/event-liveness.ts'
import type { RoomEventMessage, RoomView } from '../api/wire.ts'
import type { Wake, WatchWakes } from '../browser-wakes.ts'
import {
  followRoom,
  type LinkStatus,
  LOOK_UP_AFTER_DROPS,
  type OpenSocket,
  PROBE_MS,
  reconnectDelay,
  type SocketHandlers,
} from './room-events.ts'
import { anUpdate, aRoom } from './room-fixtures.ts'

/** Sockets the follower opened, each driven by hand. */
function fakeSockets() {
  const opened: {
    url: string
    protocols: string[]
    handlers: SocketHandlers
    closed: boolean
    sent: string[]
  }[] = []
  const open: OpenSocket = (url, protocols, handlers) => {
    const socket = { url, protocols, handlers, closed: false, sent: [] as string[] }
    opened.push(socket)
    return {
      close: () => {
        socket.closed = true
      },
      send: (data) => socket.sent.push(data),
    }
  }
  return { open, opened, latest: () => opened.at(-1) }
}

/** The browser's wake-ups, played by hand. */
function fakeWakes() {
  let listener: ((why: Wake) => void) | undefined
  const watchWakes: WatchWakes = (wake) => {
    listener = wake
    return () => {
      listener = undefined
    }
  }
  return { watchWakes, wake: (why: Wake) => listener?.(why) }
}

const send = (handlers: SocketHandlers | undefined, message: RoomEventMessage) =>
  handlers?.message(JSON.stringify(message))

function follow(
  sockets: ReturnType<typeof fakeSockets>,
  protocols = ['bridge.v1'],
  lookUp: () => Promise<RoomView | undefined> = async () => aRoom(),
  wakes = fakeWakes(),
) {
  const events: RoomEventMessage[] = []
  const links: LinkStatus[] = []
  const lookUps: number[] = []
  let gone = false
  const { stop, check } = followRoom({
    target: () => ({ url: 'ws://page/api/twilio/conferences/conf-1/events', protocols }),
    onEvent: (message) => events.push(message),
    onLink: (status) => links.push(status),
    lookUp: () => {
      lookUps.push(sockets.opened.length)
      return lookUp()
    },
    onGone: () => {
      gone = true
    },
    open: sockets.open,
    watchWakes: wakes.watchWakes,
  })
  return { events, links, stop, check, lookUps, gone: () => gone }
}

/** Drops the latest socket and lets the look-up, if one was asked for, answer. */
async function drop(sockets: ReturnType<typeof fakeSockets>) {
  sockets.latest()?.handlers.close()
  await vi.advanceTimersByTimeAsync(0)
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

  it('asks the API after drops in a row, and stops for good when the conference is gone', async () => {
    const sockets = fakeSockets()
    const { links, lookUps, gone } = follow(sockets, undefined, async () => undefined)
    for (let drops = 1; drops < LOOK_UP_AFTER_DROPS; drops++) {
      await drop(sockets)
      await vi.advanceTimersByTimeAsync(reconnectDelay(drops - 1))
    }
    expect(lookUps).toEqual([])
    await drop(sockets)
    expect(lookUps).toHaveLength(1)
    expect(gone()).toBe(true)
    expect(links.at(-1)).toBe('closed')
    const opened = sockets.opened.length
    await vi.runAllTimersAsync()
    expect(sockets.opened).toHaveLength(opened)
  })

  it('takes the ended conference the API has and stops', async () => {
    const ended = aRoom({ status: 'ended', endedReason: 'the host left' })
    const sockets = fakeSockets()
    const { events, links, gone } = follow(sockets, undefined, async () => ended)
    for (let drops = 1; drops <= LOOK_UP_AFTER_DROPS; drops++) {
      await drop(sockets)
      await vi.advanceTimersByTimeAsync(reconnectDelay(drops - 1))
    }
    expect(events).toEqual([{ type: 'snapshot', room: ended }])
    expect(gone()).toBe(false)
    expect(links.at(-1)).toBe('closed')
    await vi.runAllTimersAsync()
    expect(sockets.opened).toHaveLength(LOOK_UP_AFTER_DROPS)
  })

  it('goes on reconnecting while the API has the conference live, or cannot be reached', async () => {
    for (const lookUp of [async () => aRoom(), () => Promise.reject(new Error('offline'))]) {
      const sockets = fakeSockets()
      const { links, lookUps } = follow(sockets, undefined, lookUp)
      for (let drops = 1; drops <= LOOK_UP_AFTER_DROPS + 1; drops++) {
        await drop(sockets)
        await vi.advanceTimersByTimeAsync(reconnectDelay(drops - 1))
      }
      expect(lookUps).toHaveLength(2)
      expect(sockets.opened).toHaveLength(LOOK_UP_AFTER_DROPS + 2)
      expect(links.at(-1)).toBe('reconnecting')
    }
  })

  it('stops asking the API once the person declined to give the access key it wants', async () => {
    const sockets = fakeSockets()
    const declined = Object.assign(new Error('The API needs the access key.'), { status: 401 })
    const { links, lookUps } = follow(sockets, undefined, () => Promise.reject(declined))
    for (let drops = 1; drops <= LOOK_UP_AFTER_DROPS + 3; drops++) {
      await drop(sockets)
      await vi.advanceTimersByTimeAsync(reconnectDelay(drops - 1))
    }
    // One prompt, not one a drop; the socket goes on trying, with any key given later.
    expect(lookUps).toHaveLength(1)
    expect(sockets.opened).toHaveLength(LOOK_UP_AFTER_DROPS + 4)
    expect(links.at(-1)).toBe('locked')
    // A key given later reaches the socket: its snapshot ends the pause.
    send(sockets.latest()?.handlers, { type: 'snapshot', room: aRoom() })
    expect(links.at(-1)).toBe('live')
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

  describe('a socket that may have died unseen', () => {
    it('pings the room, and keeps a socket that answers', () => {
      const sockets = fakeSockets()
      const { links } = follow(sockets)
      send(sockets.latest()?.handlers, { type: 'snapshot', room: aRoom() })
      for (let ping = 1; ping <= 5; ping++) {
        vi.advanceTimersByTime(LIVENESS_PING_MS)
        expect(sockets.latest()?.sent).toHaveLength(ping)
        sockets.latest()?.handlers.message(LIVENESS_PONG)
      }
      expect(sockets.latest()?.sent.every((data) => data === LIVENESS_PING)).toBe(true)
      expect(sockets.opened).toHaveLength(1)
      expect(links.at(-1)).toBe('live')
    })

    it('gives up a socket nothing came from for two pings, and opens another', () => {
      const sockets = fakeSockets()
      const { links } = follow(sockets)
      send(sockets.latest()?.handlers, { type: 'snapshot', room: aRoom() })
      vi.advanceTimersByTime(LIVENESS_PING_MS * 2)
      expect(sockets.opened).toHaveLength(1)
      vi.advanceTimersByTime(LIVENESS_PING_MS)
      expect(sockets.opened[0]?.closed).toBe(true)
      expect(links.at(-1)).toBe('reconnecting')
      vi.advanceTimersByTime(reconnectDelay(0))
      expect(sockets.opened).toHaveLength(2)
      // The socket given up on closes at last: that is no second drop.
      sockets.opened[0]?.handlers.close()
      sockets.opened[0]?.handlers.message(JSON.stringify({ type: 'snapshot', room: aRoom() }))
      vi.advanceTimersByTime(reconnectDelay(1))
      expect(sockets.opened).toHaveLength(2)
      expect(links.at(-1)).toBe('reconnecting')
    })

    it('opens a new socket at once when the browser is back online', () => {
      const sockets = fakeSockets()
      const wakes = fakeWakes()
      follow(sockets, undefined, undefined, wakes)
      sockets.latest()?.handlers.close()
      vi.advanceTimersByTime(reconnectDelay(0))
      sockets.latest()?.handlers.close()
      // Waiting out the backoff, then live: either way, a new one at once.
      wakes.wake('online')
      expect(sockets.opened).toHaveLength(3)
      send(sockets.latest()?.handlers, { type: 'snapshot', room: aRoom() })
      wakes.wake('online')
      expect(sockets.opened[2]?.closed).toBe(true)
      expect(sockets.opened).toHaveLength(4)
    })

    it('pings at once when the tab is shown again, and replaces a socket that does not answer', () => {
      const sockets = fakeSockets()
      const wakes = fakeWakes()
      follow(sockets, undefined, undefined, wakes)
      send(sockets.latest()?.handlers, { type: 'snapshot', room: aRoom() })
      wakes.wake('visible')
      expect(sockets.latest()?.sent).toEqual([LIVENESS_PING])
      sockets.latest()?.handlers.message(LIVENESS_PONG)
      vi.advanceTimersByTime(PROBE_MS)
      expect(sockets.opened).toHaveLength(1)
      wakes.wake('visible')
      vi.advanceTimersByTime(PROBE_MS)
      expect(sockets.opened[0]?.closed).toBe(true)
      vi.advanceTimersByTime(reconnectDelay(0))
      expect(sockets.opened).toHaveLength(2)
    })

    it('pings at once when asked to check, as when the call just dropped', () => {
      const sockets = fakeSockets()
      const { check } = follow(sockets)
      send(sockets.latest()?.handlers, { type: 'snapshot', room: aRoom() })
      check()
      expect(sockets.latest()?.sent).toEqual([LIVENESS_PING])
      vi.advanceTimersByTime(PROBE_MS)
      expect(sockets.opened[0]?.closed).toBe(true)
    })

    it('does nothing on waking once the conference has ended, or the follower stopped', () => {
      const sockets = fakeSockets()
      const wakes = fakeWakes()
      const { stop } = follow(sockets, undefined, undefined, wakes)
      send(sockets.latest()?.handlers, {
        type: 'update',
        room: anUpdate(aRoom({ status: 'ended' })),
      })
      sockets.latest()?.handlers.close()
      wakes.wake('online')
      expect(sockets.opened).toHaveLength(1)
      stop()
      wakes.wake('online')
      expect(sockets.opened).toHaveLength(1)
    })
  })

  it('caps the delay between attempts', () => {
    expect(reconnectDelay(0)).toBe(500)
    expect(reconnectDelay(20)).toBe(15_000)
  })
})
