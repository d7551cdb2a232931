import { describe, expect, it } from 'vitest'
import { describeVoiceError, retriedByDevice } from './twilio-errors.ts'

describe('describeVoiceError', () => {
  it('says what to do about a known error, keeping its code', () => {
    expect(
      describeVoiceError({ code: 31401, message: 'PermissionDeniedError (31401): denied' }),
    ).toBe(
      'The browser did not give the call a microphone: allow it (the icon at the left of the address bar) and check one is connected. (Twilio error 31401)',
    )
    expect(describeVoiceError({ code: 20101, message: 'AccessTokenInvalid (20101)' })).toMatch(
      /^Twilio refused the call's access token: check TWILIO_ACCOUNT_SID.*\(Twilio error 20101\)$/,
    )
    expect(describeVoiceError({ code: 20104, message: 'AccessTokenExpired (20104)' })).toMatch(
      /^The call's access ran out before it could be renewed: check the network/,
    )
    expect(describeVoiceError({ code: 53405, message: 'ConnectionError (53405)' })).toMatch(
      /^The connection to Twilio failed or was lost/,
    )
  })

  it('never says Rejoin, which the call bar offers only when it can', () => {
    for (let code = 20000; code < 54000; code++) {
      expect(describeVoiceError({ code, message: 'm' })).not.toMatch(/rejoin/i)
    }
  })

  it("keeps the SDK's own words for an error it has no advice for", () => {
    const message = 'BusyHere (31486): Busy Here (SIP)'
    expect(describeVoiceError({ code: 31486, message })).toBe(message)
    expect(describeVoiceError({ message: 'Something odd' })).toBe('Something odd')
  })
})

describe('retriedByDevice', () => {
  it('tells the signalling losses the Device retries from errors that end the attempt', () => {
    for (const code of [31005, 31009, 53000, 53001]) expect(retriedByDevice(code)).toBe(true)
    // A refused access token leaves connect() waiting for good: that attempt is over.
    for (const code of [20101, 31204, 31205, 31401, undefined]) {
      expect(retriedByDevice(code)).toBe(false)
    }
  })
})
