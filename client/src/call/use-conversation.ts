/**
 * One conversation from the page's point of view: start a conference (the
 * agent joins it), put the person's own call into it, rejoin after leaving,
 * and start over once it has ended.
 */
import { useCallback, useState } from 'preact/hooks'
import type { ConferenceApi } from '../api/conference-api.ts'
import type { RoomView, StartRequest, VoiceToken } from '../api/wire.ts'
import { type CallControls, useCall } from './use-call.ts'

export interface Session {
  conferenceId: string
  /** The person's Voice identity; their leg shows up in the room as `web-<identity>`. */
  identity: string
  room: RoomView
  warnings: string[]
}

export interface Conversation {
  session: Session | undefined
  call: CallControls
  start(request: StartRequest): Promise<void>
  rejoin(): Promise<void>
  startOver(): void
}

export function useConversation(api: ConferenceApi): Conversation {
  const call = useCall()
  const { join, reset } = call
  const [session, setSession] = useState<Session>()

  const joinWith = useCallback(
    (voice: VoiceToken, conferenceId: string) =>
      join({
        token: voice.token,
        conferenceId,
        renewToken: async () => (await api.token(voice.identity)).token,
      }),
    [api, join],
  )

  const start = useCallback(
    async (request: StartRequest) => {
      // The token first: if the browser cannot call, no conference is left waiting for it.
      const voice = await api.token()
      const started = await api.start(request)
      setSession({
        conferenceId: started.conferenceId,
        identity: voice.identity,
        room: started.room,
        warnings: started.warnings,
      })
      void joinWith(voice, started.conferenceId)
    },
    [api, joinWith],
  )

  const rejoin = useCallback(async () => {
    if (!session) return
    void joinWith(await api.token(session.identity), session.conferenceId)
  }, [api, joinWith, session])

  const startOver = useCallback(() => {
    reset()
    setSession(undefined)
  }, [reset])

  return { session, call, start, rejoin, startOver }
}
