import { describe, expect, it } from 'vitest'
import { type CallAction, type CallState, callReducer, IDLE_CALL } from './call-state.ts'

const run = (...actions: CallAction[]): CallState => actions.reduce(callReducer, IDLE_CALL)

describe('callReducer', () => {
  it('goes from connecting to connected, remembering when for the timer', () => {
    expect(run({ type: 'joining' }, { type: 'accepted', at: 1000 })).toEqual({
      phase: 'connected',
      muted: false,
      connectedAt: 1000,
      error: undefined,
    })
  })

  it('follows the microphone mute the SDK reports', () => {
    const state = run(
      { type: 'joining' },
      { type: 'accepted', at: 1 },
      { type: 'muted', muted: true },
    )
    expect(state.muted).toBe(true)
  })

  it("keeps the SDK's quality warnings until each is cleared, and none past the call", () => {
    const live = run(
      { type: 'joining' },
      { type: 'accepted', at: 1 },
      { type: 'warning', name: 'high-rtt' },
      { type: 'warning', name: 'constant-audio-input-level' },
      { type: 'warning', name: 'high-rtt' },
    )
    expect(live.warnings).toEqual(['high-rtt', 'constant-audio-input-level'])
    const cleared = callReducer(live, { type: 'warning_cleared', name: 'high-rtt' })
    expect(cleared.warnings).toEqual(['constant-audio-input-level'])
    expect(callReducer(cleared, { type: 'disconnected' }).warnings).toBeUndefined()
  })

  it('forgets the error of an outage the call came back from', () => {
    const state = run(
      { type: 'joining' },
      { type: 'accepted', at: 1 },
      { type: 'reconnecting' },
      { type: 'error', message: 'The connection to Twilio was lost' },
      { type: 'reconnected' },
    )
    expect(state).toMatchObject({ phase: 'connected', error: undefined })
  })

  it('fails a call that errors before it connects', () => {
    const state = run({ type: 'joining' }, { type: 'error', message: 'Permission denied' })
    expect(state).toMatchObject({ phase: 'failed', error: 'Permission denied' })
    expect(callReducer(state, { type: 'disconnected' }).phase).toBe('failed')
  })

  it("keeps connecting through the device's own error, and says it if the call then fails", () => {
    // The Voice SDK's Device reports a lost signalling socket (31005) and tries another
    // address; the call it is placing goes on.
    const connecting = run(
      { type: 'joining' },
      { type: 'device_error', message: 'The connection to Twilio was lost' },
    )
    expect(connecting).toMatchObject({
      phase: 'connecting',
      error: 'The connection to Twilio was lost',
    })
    expect(callReducer(connecting, { type: 'accepted', at: 1 })).toMatchObject({
      phase: 'connected',
      error: undefined,
    })
    expect(callReducer(connecting, { type: 'disconnected' })).toMatchObject({
      phase: 'failed',
      error: 'The connection to Twilio was lost',
    })
  })

  it('fails a call that ends before it connects, then says why when the error follows', () => {
    // The SDK's order for a refused microphone: disconnect, then error.
    const ended = run({ type: 'joining' }, { type: 'disconnected' })
    expect(ended).toMatchObject({ phase: 'failed', error: 'The call ended before it connected.' })
    const explained = callReducer(ended, { type: 'error', message: 'Permission denied' })
    expect(explained).toMatchObject({ phase: 'failed', error: 'Permission denied' })
  })

  it('ends, not fails, a call the person hangs up while it is still connecting', () => {
    const state = run({ type: 'joining' }, { type: 'hung_up' })
    expect(state.phase).toBe('ended')
    expect(state.error).toBeUndefined()
  })

  it('keeps a connected call connected on a passing error, and shows it', () => {
    const state = run(
      { type: 'joining' },
      { type: 'accepted', at: 1 },
      { type: 'error', message: 'Network wobble' },
    )
    expect(state).toMatchObject({ phase: 'connected', error: 'Network wobble' })
  })

  it("forgets the expired token's error once a renewed token is taken, and no other error", () => {
    const expired = 'The access ran out (Twilio error 20104)'
    const connected = run({ type: 'joining' }, { type: 'accepted', at: 1 })
    const stale = callReducer(connected, { type: 'device_failure', message: expired, token: true })
    expect(stale).toMatchObject({ phase: 'connected', error: expired })
    expect(callReducer(stale, { type: 'token_renewed' }).error).toBeUndefined()
    const other = callReducer(stale, { type: 'error', message: 'Network wobble' })
    expect(callReducer(other, { type: 'token_renewed' }).error).toBe('Network wobble')
    // A call the expiry kept from connecting stays failed, saying why.
    const failed = run(
      { type: 'joining' },
      { type: 'device_failure', message: expired, token: true },
    )
    expect(callReducer(failed, { type: 'token_renewed' })).toMatchObject({
      phase: 'failed',
      error: expired,
    })
  })

  it('ends on disconnect and starts over on reset', () => {
    const ended = run({ type: 'joining' }, { type: 'accepted', at: 1 }, { type: 'disconnected' })
    expect(ended.phase).toBe('ended')
    expect(callReducer(ended, { type: 'reset' })).toEqual(IDLE_CALL)
  })
})
