import { describe, expect, it } from 'vitest'
import { checkDialTarget } from './dialing.ts'

describe('checkDialTarget', () => {
  it('accepts numbers the way people type them and returns E.164', () => {
    expect(checkDialTarget('+972-52-6722216', [])).toEqual({ ok: true, e164: '+972526722216' })
    expect(checkDialTarget(' +1 (415) 555-2671 ', [])).toEqual({ ok: true, e164: '+14155552671' })
    expect(checkDialTarget('+44 20 7946 0958', [])).toEqual({ ok: true, e164: '+442079460958' })
  })

  it('asks for the country code when the number has none', () => {
    const result = checkDialTarget('415 555 2671', [])
    expect(result).toMatchObject({ ok: false, code: 'invalid_phone_number' })
    expect(!result.ok && result.message).toMatch(/country code/)
  })

  it('suggests + in place of a typed 00 or 011, without dialling the guess', () => {
    for (const [input, message] of [
      ['0044 20 7946 0958', 'Start the number with + in place of 00: +44 20 7946 0958.'],
      ['00972-52-6722216', 'Start the number with + in place of 00: +972 52 672 2216.'],
      ['011 44 20 7946 0958', 'Start the number with + in place of 011: +44 20 7946 0958.'],
    ]) {
      expect(checkDialTarget(input as string, [])).toEqual({
        ok: false,
        code: 'invalid_phone_number',
        message,
      })
    }
    // Not a valid number with + either: the usual request for a country code.
    expect(checkDialTarget('0044 12', [])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Start the number with \+ and its country code/),
    })
  })

  it('refuses what is not a phone number, or not a valid one', () => {
    for (const input of ['', 'call me', '+1 555', '+1 999 999 99999999', '+972-52-672']) {
      expect(checkDialTarget(input, [])).toMatchObject({ ok: false, code: 'invalid_phone_number' })
    }
  })

  it('refuses a number with an extension, which it could not dial', () => {
    for (const input of ['+1 (415) 555-2671 ext. 12', '+1 415-555-2671;ext=3', '+14155552671 x7']) {
      const result = checkDialTarget(input, [])
      expect(result).toMatchObject({ ok: false, code: 'invalid_phone_number' })
      expect(!result.ok && result.message).toBe(
        'Extensions cannot be dialled: enter +1 415 555 2671 on its own.',
      )
    }
  })

  it('enforces the allow-list by E.164 prefix', () => {
    expect(checkDialTarget('+972-52-6722216', ['+1', '+972'])).toMatchObject({ ok: true })
    const refused = checkDialTarget('+44 20 7946 0958', ['+1', '+972'])
    expect(refused).toMatchObject({ ok: false, code: 'dial_not_allowed' })
    expect(!refused.ok && refused.message).toBe(
      'Calls to +44 20 7946 0958 are not allowed here: only numbers starting +1 or +972 may be dialled.',
    )
  })
})
