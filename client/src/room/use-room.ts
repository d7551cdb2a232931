/**
 * The hook that keeps a conference room live on the page: it starts from the
 * view the API returned, follows the event socket while the page shows the
 * room, and takes the API's answers to the page's own actions.
 */
import { useCallback, useEffect, useReducer, useState } from 'preact/hooks'
import { ApiFailure } from '../api/api-client.ts'
import type { ConferenceApi } from '../api/conference-api.ts'
import type { RoomView } from '../api/wire.ts'
import { followRoom, type LinkStatus, type WatchWakes } from './room-events.ts'
import { type RoomAction, roomReducer } from './room-state.ts'

export interface LiveRoom {
  room: RoomView
  link: LinkStatus
  apply(action: RoomAction): void
}

export function useRoom(api: ConferenceApi, initial: RoomView): LiveRoom {
  const [room, apply] = useReducer(roomReducer, initial)
  const [link, setLink] = useState<LinkStatus>('connecting')
  const { conferenceId } = initial
  const lookUp = useCallback(
    () =>
      api.room(conferenceId).catch((error: unknown) => {
        if (error instanceof ApiFailure && error.status === 404) return undefined
        throw error
      }),
    [api, conferenceId],
  )
  useEffect(
    () =>
      followRoom({
        target: () => api.events(conferenceId),
        onEvent: apply,
        onLink: setLink,
        lookUp,
        onGone: () => apply({ type: 'gone' }),
        watchWakes: watchBrowserWakes,
      }).stop,
    [api, conferenceId, lookUp],
  )
  return { room, link, apply }
}

/** The browser back online, or the tab shown again: when a socket may have died unseen. */
const watchBrowserWakes: WatchWakes = (wake) => {
  const online = () => wake('online')
  const shown = () => document.visibilityState === 'visible' && wake('visible')
  addEventListener('online', online)
  document.addEventListener('visibilitychange', shown)
  return () => {
    removeEventListener('online', online)
    document.removeEventListener('visibilitychange', shown)
  }
}
