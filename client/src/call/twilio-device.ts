/**
 * The real VoiceDevice: Twilio's Voice SDK (`@twilio/voice-sdk`). Loaded on
 * demand, when the person starts a conversation, so the page opens quickly.
 */
import { Call, Device } from '@twilio/voice-sdk'
import { watchBrowserWakes } from '../browser-wakes.ts'
import { refreshLeadMs, tokenRenewals } from './token-refresh.ts'
import {
  describeVoiceError,
  isTokenExpiry,
  retriedByDevice,
  type VoiceError,
} from './twilio-errors.ts'
import type { CallEvent, VoiceCall, VoiceDeviceFactory } from './voice-device.ts'

/** Whether this browser has what the Voice SDK needs to call (WebRTC). */
export const isVoiceSupported = (): boolean => Device.isSupported

/** How long a call waits for its signalling connection to come back: Twilio's example. */
export const SIGNALING_RECONNECT_MS = 30_000

export const createTwilioDevice: VoiceDeviceFactory = (token, hooks) => {
  const device = new Device(token, {
    // Warn before the tab closes mid-call: closing it drops the person from the conference.
    closeProtection: true,
    tokenRefreshMs: refreshLeadMs(token),
    codecPreferences: [Call.Codec.Opus, Call.Codec.PCMU],
    // Keeps the call through a lost signalling connection (a Wi-Fi change, a laptop
    // waking): off by default (0), when such a loss ends the call, and the host's call
    // the conference with it. Exclusive with edge fallback, which the page does not use.
    // @twilio/voice-sdk CHANGELOG 2.1.0, "Signaling Reconnection Support".
    maxCallSignalingTimeoutMs: SIGNALING_RECONNECT_MS,
  })
  // Our own timer for every token; the SDK's event, which fires once, only if it cannot run.
  const renewals = tokenRenewals(token, hooks.tokenWillExpire)
  if (!renewals) device.on('tokenWillExpire', hooks.tokenWillExpire)
  // A laptop waking comes back online, or shows its tab: the token may be due already.
  const unwatch = watchBrowserWakes(() => renewals?.check())
  device.on('error', (error: VoiceError) =>
    hooks.error(describeVoiceError(error), {
      passing: retriedByDevice(error.code),
      token: isTokenExpiry(error.code),
    }),
  )
  return {
    connect: async (params) => wrapCall(await device.connect({ params })),
    updateToken: (next) => {
      device.updateToken(next)
      renewals?.next(next)
    },
    destroy: () => {
      renewals?.stop()
      unwatch()
      device.destroy()
    },
  }
}

function wrapCall(call: Call): VoiceCall {
  return {
    onEvent(listener: (event: CallEvent) => void) {
      call.on('accept', () => listener({ type: 'accepted' }))
      call.on('reconnecting', () => listener({ type: 'reconnecting' }))
      call.on('reconnected', () => listener({ type: 'reconnected' }))
      call.on('mute', (muted: boolean) => listener({ type: 'muted', muted }))
      call.on('disconnect', () => listener({ type: 'disconnected' }))
      call.on('cancel', () => listener({ type: 'disconnected' }))
      call.on('reject', () => listener({ type: 'disconnected' }))
      call.on('warning', (name: string) => listener({ type: 'warning', name }))
      call.on('warning-cleared', (name: string) => listener({ type: 'warning_cleared', name }))
      call.on('error', (error: VoiceError) =>
        listener({ type: 'error', message: describeVoiceError(error) }),
      )
    },
    setMuted: (muted) => call.mute(muted),
    hangUp: () => call.disconnect(),
  }
}
