/**
 * The person's own leg of the conference, as a reducer over what the Voice SDK
 * reports: connecting, connected (since when), reconnecting, ended or failed,
 * and whether the microphone is muted.
 */
import type { CallEvent } from './voice-device.ts'

export type CallPhase = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed'

export interface CallState {
  phase: CallPhase
  muted: boolean
  /** When the call was accepted (ms since the epoch), for the call timer. */
  connectedAt?: number
  /** Ended because the person hung up. */
  hungUp?: boolean
  /** Ended while reconnecting: the connection dropped (not the server ending the call). */
  dropped?: boolean
  /** Ended with the page: it was reloaded (or reopened) mid-call, and took the call with it. */
  reloaded?: boolean
  /** The Voice SDK's quality warnings raised and not cleared yet, by name. */
  warnings?: readonly string[]
  error?: string
  /** The error is the device's access token expiring: a renewed token ends it. */
  tokenError?: boolean
}

export type CallAction =
  | Exclude<CallEvent, { type: 'accepted' }>
  | { type: 'accepted'; at: number }
  | { type: 'joining' }
  | { type: 'failed'; message: string }
  /**
   * A device error the device goes on after (the Voice SDK's signalling socket lost, 31005,
   * which it retries on another address): shown, but not the end of a call still
   * connecting; only the call's own events, or another error, end that.
   */
  | { type: 'device_error'; message: string; token?: boolean }
  /** A device error that ends a call still connecting; `token` as for device_error. */
  | { type: 'device_failure'; message: string; token?: boolean }
  /** The device took a renewed access token: an error about the expired one is over. */
  | { type: 'token_renewed' }
  /** The person hung up (or the page did, the conference being over): never a failure. */
  | { type: 'hung_up' }
  /** The page came back (reloaded) to a conversation whose call went with the page before. */
  | { type: 'reloaded' }
  | { type: 'reset' }

export const IDLE_CALL: CallState = { phase: 'idle', muted: false }

export function callReducer(state: CallState, action: CallAction): CallState {
  switch (action.type) {
    case 'joining':
      return { phase: 'connecting', muted: false }
    case 'accepted':
      return { ...state, phase: 'connected', connectedAt: action.at, error: undefined }
    case 'reconnecting':
      return { ...state, phase: 'reconnecting' }
    case 'reconnected':
      // What went wrong on the way (the signalling socket's loss, 31005) is over.
      return { ...state, phase: 'connected', error: undefined }
    case 'muted':
      return { ...state, muted: action.muted }
    case 'warning':
      return state.warnings?.includes(action.name)
        ? state
        : { ...state, warnings: [...(state.warnings ?? []), action.name] }
    case 'warning_cleared':
      return { ...state, warnings: state.warnings?.filter((name) => name !== action.name) }
    case 'disconnected':
      // A call that ends before it was ever accepted did not connect. The Voice SDK
      // reports a refused microphone that way: `disconnect` first, then the `error`
      // that says why (the getUserMedia failure path in @twilio/voice-sdk 2.x,
      // lib/twilio/call.ts), whose message then replaces this one.
      if (state.phase === 'connecting') {
        // Saying why, if the device already did.
        return {
          ...state,
          phase: 'failed',
          error: state.error ?? 'The call ended before it connected.',
        }
      }
      if (state.phase === 'failed') return state
      return {
        ...state,
        phase: 'ended',
        muted: false,
        dropped: state.phase === 'reconnecting',
        warnings: undefined,
      }
    case 'hung_up':
      return { ...state, phase: 'ended', muted: false, hungUp: true, warnings: undefined }
    case 'error':
      return state.phase === 'connecting'
        ? { ...state, phase: 'failed', error: action.message, tokenError: undefined }
        : { ...state, error: action.message, tokenError: undefined }
    case 'device_error':
      return { ...state, error: action.message, tokenError: action.token }
    case 'device_failure':
      return {
        ...callReducer(state, { type: 'error', message: action.message }),
        tokenError: action.token,
      }
    case 'token_renewed':
      return state.tokenError && state.phase !== 'failed'
        ? { ...state, error: undefined, tokenError: undefined }
        : state
    case 'failed':
      return { ...state, phase: 'failed', error: action.message }
    case 'reloaded':
      return { phase: 'ended', muted: false, reloaded: true }
    case 'reset':
      return IDLE_CALL
  }
}

/** Whether the person is (or is about to be) on the call. */
export const isOnCall = (state: CallState): boolean =>
  state.phase === 'connecting' || state.phase === 'connected' || state.phase === 'reconnecting'
