/**
 * One conversation from the page's point of view: start a conference (the
 * agent joins it), put the person's own call into it, rejoin after leaving,
 * and start over once it has ended.
 *
 * Two ways in: through Twilio (the Voice SDK calls the TwiML App, which puts
 * the person into the conference), or, when Twilio is not configured and the
 * server allows it, a local call: the page streams its microphone to the room
 * itself (local-device.ts), the person and the agent alone.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { pageLabel } from '../../../worker/conference/roster.ts'
import { ApiFailure } from '../api/api-client.ts'
import type { ConferenceApi } from '../api/conference-api.ts'
import type { RoomView, StartRequest, VoiceToken } from '../api/wire.ts'
import { checkMicrophone } from './microphone.ts'
import { forgetSession, markSessionLeft, savedSession, saveSession } from './saved-session.ts'
import { type CallControls, useCall } from './use-call.ts'
import { checkVoiceSupport, createVoiceDevice } from './voice-device.ts'

export type CallMode = 'twilio' | 'local'

export interface Session {
  conferenceId: string
  /** The label of the person's own leg in the room: `web-<identity>`, or a local call's. */
  you: string
  /** Set for a Twilio call: the person's Voice identity, kept when the token is renewed. */
  identity?: string
  room: RoomView
  warnings: string[]
}

export interface Conversation {
  session: Session | undefined
  call: CallControls
  start(request: StartRequest): Promise<void>
  /** Undefined for a local call: its stream was the call, and the call ends with it. */
  rejoin: (() => Promise<void>) | undefined
  startOver(): void
}

export function useConversation(api: ConferenceApi, mode: CallMode): Conversation {
  const call = useCall()
  const { join, reset, reloaded } = call
  const [session, setShownSession] = useState<Session>()
  // Kept for a reload; a conversation started meanwhile wins over the one being found.
  const chosen = useRef(false)
  const setSession = useCallback((next: Session | undefined) => {
    chosen.current = true
    if (next) saveSession(next)
    else forgetSession()
    setShownSession(next)
  }, [])

  // Back from a reload mid-conversation: the conversation as the room has it now, the
  // call gone with the page (a rejoin brings it back where one can work).
  useEffect(() => {
    addEventListener('pagehide', markSessionLeft)
    const saved = savedSession()
    // Not left with a page: a duplicated tab's copy, whose original is still on the call.
    if (saved && !saved.left) forgetSession()
    if (saved?.left) {
      const { left: _, ...session } = saved
      saveSession(session)
      api.room(saved.conferenceId).then(
        (room) => {
          if (chosen.current) return
          setShownSession({ ...session, room, warnings: [] })
          reloaded()
        },
        // Gone (its record freed): the form, as for a new visit. Out of reach or refused,
        // it is kept for the next load.
        (error: unknown) => {
          if (!chosen.current && error instanceof ApiFailure && error.status === 404) {
            forgetSession()
          }
        },
      )
    }
    return () => removeEventListener('pagehide', markSessionLeft)
  }, [api, reloaded])

  const joinWith = useCallback(
    (voice: VoiceToken, conferenceId: string) =>
      join({
        createDevice: (hooks) => createVoiceDevice(voice.token, hooks),
        params: { conferenceId },
        renewToken: async () => (await api.token(voice.identity)).token,
      }),
    [api, join],
  )

  const startTwilio = useCallback(
    async (request: StartRequest) => {
      // A conversation being found after a reload gives way to one the person starts.
      chosen.current = true
      // The microphone and the token first: if the browser cannot call, no conference is
      // left waiting for it.
      await checkVoiceSupport()
      await checkMicrophone()
      const voice = await api.token()
      const started = await api.start(request)
      setSession({
        conferenceId: started.conferenceId,
        you: pageLabel(voice.identity),
        identity: voice.identity,
        room: started.room,
        warnings: started.warnings,
      })
      void joinWith(voice, started.conferenceId)
    },
    [api, joinWith, setSession],
  )

  const startLocal = useCallback(
    async ({ agentId }: StartRequest) => {
      chosen.current = true
      await checkMicrophone()
      const started = await api.startLocal(agentId === undefined ? {} : { agentId })
      const { conferenceId, room } = started
      const you = room.participants.find((p) => p.kind === 'browser')?.label ?? ''
      setSession({ conferenceId, you, room, warnings: started.warnings })
      void join({
        // Loaded when needed, with the audio engine it brings, as the Voice SDK is.
        createDevice: async (hooks) =>
          (await import('./local-device.ts')).createLocalDevice(
            api.localStream(conferenceId, started.streamToken),
            hooks,
          ),
        params: {},
      })
    },
    [api, join, setSession],
  )

  const identity = session?.identity
  const rejoin = useCallback(async () => {
    if (!session || identity === undefined) return
    await checkMicrophone()
    void joinWith(await api.token(identity), session.conferenceId)
  }, [api, joinWith, session, identity])

  const startOver = useCallback(() => {
    reset()
    setSession(undefined)
  }, [reset, setSession])

  return {
    session,
    call,
    start: mode === 'local' ? startLocal : startTwilio,
    rejoin: session && identity === undefined ? undefined : rejoin,
    startOver,
  }
}
