/**
 * A fake Twilio Voice SDK for the browser tests, installed through the page's
 * documented seam (`window.__voiceDeviceFactory`, client/src/call/voice-device.ts)
 * before the page loads. It records what the page asks of the device and call,
 * and lets a test play the SDK's events.
 */
import type { Page } from 'playwright-core'
import type {
  CallEvent,
  DeviceErrorKind,
  DeviceHooks,
  VoiceSeam,
} from '../../client/src/call/voice-device.ts'

export interface VoiceRecord {
  tokens: string[]
  connects: Record<string, string>[]
  tokenUpdates: string[]
  mutes: boolean[]
  hangUps: number
  destroyed: number
}

interface FakeVoiceHost extends VoiceSeam {
  __fakeVoice?: {
    record: VoiceRecord
    emit(event: CallEvent): void
    expireToken(): void
    /** The Device's own error, as the page's hooks take it. */
    deviceError(message: string, about?: DeviceErrorKind): void
    /** Set: calls stay connecting until a test plays `accepted`. */
    holdAccept?: boolean
    /** What asking for the microphone gets: a stream unless a test says otherwise. */
    microphone: Microphone
    /** The tracks of the live microphones handed out, for a test to unplug. */
    tracks: EventTarget[]
    /** Every AudioContext the page made, for a test to interrupt. */
    contexts: { suspend(): Promise<void>; state: string }[]
  }
}

/**
 * The browser's answer to getUserMedia: an empty stream (`granted`), a stream with a
 * silent track that plays (`live`), or the DOMException it throws.
 */
export type Microphone = 'granted' | 'live' | 'NotAllowedError' | 'NotFoundError'

/** Runs inside the page, so it must not use anything from this module's scope. */
function fakeVoiceScript(): void {
  const host = globalThis as FakeVoiceHost
  const record: VoiceRecord = {
    tokens: [],
    connects: [],
    tokenUpdates: [],
    mutes: [],
    hangUps: 0,
    destroyed: 0,
  }
  let listener: ((event: CallEvent) => void) | undefined
  let tokenWillExpire: (() => void) | undefined
  let deviceError: DeviceHooks['error'] | undefined
  const fake: NonNullable<FakeVoiceHost['__fakeVoice']> = {
    record,
    emit: (event) => listener?.(event),
    expireToken: () => tokenWillExpire?.(),
    deviceError: (message, about) => deviceError?.(message, about),
    microphone: 'granted',
    tracks: [],
    contexts: [],
  }
  // The SDK this fakes would ask for the microphone itself; so does the page, before it
  // starts anything. This Chromium has none: a granted one is an empty stream.
  // (The page's DOM types, which this file, type-checked for Node, does not see.)
  interface Stream {
    getTracks(): EventTarget[]
  }
  const page = globalThis as unknown as {
    navigator: { mediaDevices: { getUserMedia(): Promise<unknown> } }
    MediaStream: new () => Stream
    AudioContext: new () => { createMediaStreamDestination(): { stream: Stream } }
  }
  const Original = page.AudioContext
  page.AudioContext = class extends (Original as unknown as new (...args: unknown[]) => object) {
    constructor(...args: unknown[]) {
      super(...args)
      fake.contexts.push(this as unknown as { suspend(): Promise<void>; state: string })
    }
  } as unknown as typeof Original
  page.navigator.mediaDevices.getUserMedia = async () => {
    if (fake.microphone === 'granted') return new page.MediaStream()
    if (fake.microphone !== 'live') throw new DOMException('refused', fake.microphone)
    const { stream } = new page.AudioContext().createMediaStreamDestination()
    fake.tracks.push(...stream.getTracks())
    return stream
  }
  host.__fakeVoice = fake
  host.__voiceDeviceFactory = (token, hooks) => {
    record.tokens.push(token)
    tokenWillExpire = hooks.tokenWillExpire
    deviceError = hooks.error
    return {
      connect: async (params) => {
        record.connects.push(params)
        return {
          onEvent: (next) => {
            listener = next
            if (!fake.holdAccept) setTimeout(() => next({ type: 'accepted' }), 0)
          },
          setMuted: (muted) => {
            record.mutes.push(muted)
            listener?.({ type: 'muted', muted })
          },
          hangUp: () => {
            record.hangUps++
          },
        }
      },
      updateToken: (next) => record.tokenUpdates.push(next),
      destroy: () => {
        record.destroyed++
      },
    }
  }
}

export const installFakeVoice = (page: Page) => page.addInitScript(fakeVoiceScript)

export const voiceRecord = (page: Page) =>
  page.evaluate(() => (globalThis as FakeVoiceHost).__fakeVoice?.record)

/** From now on, calls stay connecting (the SDK waiting on the microphone or the network). */
export const holdAccept = (page: Page) =>
  page.evaluate(() => {
    const fake = (globalThis as FakeVoiceHost).__fakeVoice
    if (fake) fake.holdAccept = true
  })

/** How the browser answers the page's next requests for the microphone. */
export const setMicrophone = (page: Page, microphone: Microphone) =>
  page.evaluate((answer) => {
    const fake = (globalThis as FakeVoiceHost).__fakeVoice
    if (fake) fake.microphone = answer
  }, microphone)

/** The microphone is unplugged: its tracks end, as the browser reports it. */
export const unplugMicrophone = (page: Page) =>
  page.evaluate(() => {
    for (const track of (globalThis as FakeVoiceHost).__fakeVoice?.tracks ?? []) {
      track.dispatchEvent(new Event('ended'))
    }
  })

/** The browser stops the page's audio, as another application taking the device would. */
export const interruptAudio = (page: Page) =>
  page.evaluate(async () => {
    for (const context of (globalThis as FakeVoiceHost).__fakeVoice?.contexts ?? []) {
      await context.suspend()
    }
  })

/** The state of each AudioContext the page made. */
export const audioStates = (page: Page) =>
  page.evaluate(() =>
    ((globalThis as FakeVoiceHost).__fakeVoice?.contexts ?? []).map((context) => context.state),
  )

export const playCallEvent = (page: Page, event: CallEvent) =>
  page.evaluate((e) => (globalThis as FakeVoiceHost).__fakeVoice?.emit(e), event)

export const expireToken = (page: Page) =>
  page.evaluate(() => (globalThis as FakeVoiceHost).__fakeVoice?.expireToken())

/** The Device reports an error of its own (not the call's), such as its token expiring. */
export const playDeviceError = (page: Page, message: string, about?: DeviceErrorKind) =>
  page.evaluate(([m, a]) => (globalThis as FakeVoiceHost).__fakeVoice?.deviceError(m, a), [
    message,
    about,
  ] as const)
