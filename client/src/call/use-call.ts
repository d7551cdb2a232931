/**
 * The hook that owns the page's device and call (the Voice SDK's, or a local
 * call's): joins a conference, renews the access token when the SDK asks,
 * mutes the microphone and hangs up. Its state comes from `callReducer`.
 */
import { useCallback, useEffect, useReducer, useRef } from 'preact/hooks'
import { isKeyDeclined } from '../api/api-client.ts'
import { type CallState, callReducer, IDLE_CALL } from './call-state.ts'
import type { DeviceHooks, VoiceCall, VoiceDevice } from './voice-device.ts'

export interface JoinRequest {
  /** The device the call goes through: Twilio's Voice SDK, or the page itself for a local call. */
  createDevice(hooks: DeviceHooks): Promise<VoiceDevice>
  /** What the call carries (for Twilio, the Voice URL's form fields). */
  params: Record<string, string>
  /** A fresh token for the same identity, when the current one is about to expire. */
  renewToken?(): Promise<string>
}

export interface CallControls {
  state: CallState
  join(request: JoinRequest): Promise<void>
  setMuted(muted: boolean): void
  hangUp(): void
  /** The page was reloaded mid-call: the call it had is over, and none is made. */
  reloaded(): void
  reset(): void
}

export interface Leg {
  device?: VoiceDevice
  call?: VoiceCall
  released: boolean
  /** The device was let go once its call ended; its leg still hears the call's last events. */
  deviceDestroyed?: boolean
}

/**
 * Lets go of a leg's device once, whether its call ended or the leg was released. A leg
 * released while its device is still being made (the Voice SDK loading) has none yet: it
 * is let go when it comes.
 */
export function destroyDevice(leg: Leg): void {
  if (leg.deviceDestroyed || !leg.device) return
  leg.deviceDestroyed = true
  leg.device.destroy()
}

export function useCall(): CallControls {
  const [state, dispatch] = useReducer(callReducer, IDLE_CALL)
  // One leg at a time; a released leg's late events and late answers are ignored.
  const leg = useRef<Leg>({ released: true })

  const release = useCallback(() => {
    const current = leg.current
    if (current.released) return
    current.released = true
    current.call?.hangUp()
    destroyDevice(current)
  }, [])
  useEffect(() => release, [release])

  const join = useCallback(
    async ({ createDevice, params, renewToken }: JoinRequest) => {
      release()
      const mine: Leg = { released: false }
      leg.current = mine
      dispatch({ type: 'joining' })
      try {
        // Tried again every few seconds until the token has expired: one failed fetch must
        // not leave the call to lose its token. Not once the person declined the access key.
        // A device let go (its call over) takes no token: nothing is renewed for it.
        const over = () => mine.released || mine.deviceDestroyed === true
        const renew = async (attempt: number): Promise<void> => {
          if (!renewToken || over()) return
          try {
            const next = await renewToken()
            if (over()) return
            mine.device?.updateToken(next)
            dispatch({ type: 'token_renewed' })
          } catch (error) {
            if (over()) return
            if (attempt < RENEW_ATTEMPTS && !isKeyDeclined(error)) {
              setTimeout(() => void renew(attempt + 1), RENEW_RETRY_MS)
            } else {
              dispatch({
                type: 'error',
                message: `Renewing the call's access: ${messageOf(error)}`,
              })
            }
          }
        }
        const device = await createDevice({
          tokenWillExpire: () => void renew(1),
          error: (message, { passing = false, token = false } = {}) =>
            mine.released ||
            dispatch({ type: passing ? 'device_error' : 'device_failure', message, token }),
        })
        mine.device = device
        if (mine.released) return destroyDevice(mine)
        const call = await device.connect(params)
        mine.call = call
        if (mine.released) return call.hangUp()
        call.onEvent((event) => {
          if (mine.released) return
          dispatch(event.type === 'accepted' ? { type: 'accepted', at: Date.now() } : event)
          // Its call over, the device would keep its connection to Twilio and renew its
          // token for as long as the page stays open. Let go once the SDK has finished
          // reporting (a refused microphone's error follows the disconnect).
          if (event.type === 'disconnected') setTimeout(() => destroyDevice(mine), 0)
        })
      } catch (error) {
        if (!mine.released) dispatch({ type: 'failed', message: messageOf(error) })
      }
    },
    [release],
  )

  const setMuted = useCallback((muted: boolean) => leg.current.call?.setMuted(muted), [])
  const hangUp = useCallback(() => {
    release()
    dispatch({ type: 'hung_up' })
  }, [release])
  const reset = useCallback(() => {
    release()
    dispatch({ type: 'reset' })
  }, [release])
  const reloaded = useCallback(() => dispatch({ type: 'reloaded' }), [])

  return { state, join, setMuted, hangUp, reloaded, reset }
}

/** A token renewal is tried this often, RENEW_RETRY_MS apart: within the SDK's minute of notice. */
const RENEW_ATTEMPTS = 6
const RENEW_RETRY_MS = 8_000

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : 'The call could not be placed.'
