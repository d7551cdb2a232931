/**
 * The hook that keeps a conference room live on the page: it starts from the
 * view the API returned, follows the event socket while the page shows the
 * room, and takes the API's answers to the page's own actions.
 */
import { useCallback, useEffect, useReducer, useRef, useState } from 'preact/hooks'
import { ApiFailure } from '../api/api-client.ts'
import type { ConferenceApi } from '../api/conference-api.ts'
import type { RoomView } from '../api/wire.ts'
import { watchBrowserWakes } from '../browser-wakes.ts'
import { type Follower, followRoom, type LinkStatus } from './room-events.ts'
import { isLive, type RoomAction, roomReducer } from './room-state.ts'

export interface LiveRoom {
  room: RoomView
  link: LinkStatus
  /** How many times the live link came up (each snapshot): a failure to reach the server before it is over. */
  reconnected: number
  apply(action: RoomAction): void
  /**
   * Asks the API how the conference stands, and shows it if it has ended: whether it is
   * still on is then known, not assumed. Resolves to the room as the API has it (ended if
   * gone); rejects when the API cannot be reached.
   */
  check(): Promise<RoomView>
}

export function useRoom(api: ConferenceApi, initial: RoomView): LiveRoom {
  const [room, apply] = useReducer(roomReducer, initial)
  const [link, setLink] = useState<LinkStatus>('connecting')
  const [reconnected, setReconnected] = useState(0)
  const onLink = useCallback((status: LinkStatus) => {
    setLink(status)
    if (status === 'live') setReconnected((n) => n + 1)
  }, [])
  const { conferenceId } = initial
  const lookUp = useCallback(
    () =>
      api.room(conferenceId).catch((error: unknown) => {
        if (error instanceof ApiFailure && error.status === 404) return undefined
        throw error
      }),
    [api, conferenceId],
  )
  const follower = useRef<Follower>(undefined)
  useEffect(() => {
    const following = followRoom({
      target: () => api.events(conferenceId),
      onEvent: apply,
      onLink,
      lookUp,
      onGone: () => apply({ type: 'gone' }),
      watchWakes: watchBrowserWakes,
    })
    follower.current = following
    return following.stop
  }, [api, conferenceId, lookUp, onLink])
  const shown = useRef(room)
  shown.current = room
  const check = useCallback(async () => {
    // The live link too: a socket the network left open but dead is replaced.
    follower.current?.check()
    const found = await lookUp()
    // An answer that it is on is not shown: it may be older than what the live link said
    // meanwhile (someone removed), and it changes nothing the page does. Its end is shown.
    if (!found) apply({ type: 'gone' })
    else if (!isLive(found)) apply({ type: 'room', room: found })
    return found ?? roomReducer(shown.current, { type: 'gone' })
  }, [lookUp])
  return { room, link, reconnected, apply, check }
}
