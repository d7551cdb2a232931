/**
 * The page's view of the Twilio Voice SDK: a device that places one call into
 * a conference, and that call. The page only talks to these interfaces, so its
 * logic can run against a fake.
 *
 * Test seam: if `window.__voiceDeviceFactory` is set before the page loads
 * (Playwright's `page.addInitScript`), it is used instead of the real SDK,
 * which is then never even downloaded. Nothing else reads that global.
 */

export type CallEvent =
  | { type: 'accepted' }
  | { type: 'reconnecting' }
  | { type: 'reconnected' }
  | { type: 'muted'; muted: boolean }
  | { type: 'disconnected' }
  | { type: 'error'; message: string }
  /** The Voice SDK's call quality warnings (`constant-audio-input-level`, `high-rtt`, …). */
  | { type: 'warning'; name: string }
  | { type: 'warning_cleared'; name: string }

export interface VoiceCall {
  onEvent(listener: (event: CallEvent) => void): void
  setMuted(muted: boolean): void
  hangUp(): void
}

export interface VoiceDevice {
  /** Places the call; `params` reach the TwiML App's Voice URL as form fields. */
  connect(params: Record<string, string>): Promise<VoiceCall>
  updateToken(token: string): void
  destroy(): void
}

export interface DeviceHooks {
  /** The access token is about to expire: fetch a new one and `updateToken` it. */
  tokenWillExpire(): void
  /** The device's error, said in the page's words. */
  error(message: string, about?: DeviceErrorKind): void
}

export interface DeviceErrorKind {
  /**
   * The device goes on by itself after it (the Voice SDK's signalling socket lost: it
   * tries another address), so it does not end a call still connecting.
   */
  passing?: boolean
  /** The access token expired: a renewed one puts it right. */
  token?: boolean
}

export type VoiceDeviceFactory = (token: string, hooks: DeviceHooks) => VoiceDevice

/** The page's global where a test may put its fake factory. */
export interface VoiceSeam {
  __voiceDeviceFactory?: VoiceDeviceFactory
  /** With a fake factory: `false` plays a browser the Voice SDK cannot call from. */
  __voiceSupported?: boolean
}

/**
 * Throws, saying what to do, when this browser cannot place a call with the Voice SDK (it
 * needs WebRTC; `new Device()` throws NotSupportedError otherwise). Checked before anything
 * is started, as the microphone is: a conference started for a browser that cannot join
 * it would leave the agent greeting nobody.
 */
export async function checkVoiceSupport(): Promise<void> {
  const seam = globalThis as VoiceSeam
  const supported = seam.__voiceDeviceFactory
    ? seam.__voiceSupported !== false
    : (await import('./twilio-device.ts')).isVoiceSupported()
  if (!supported) {
    throw new Error(
      'This browser cannot place calls (Twilio Voice needs WebRTC): open the page in a current Chrome, Edge, Firefox or Safari.',
    )
  }
}

export async function createVoiceDevice(token: string, hooks: DeviceHooks): Promise<VoiceDevice> {
  const factory =
    (globalThis as VoiceSeam).__voiceDeviceFactory ??
    (await import('./twilio-device.ts')).createTwilioDevice
  return factory(token, hooks)
}
