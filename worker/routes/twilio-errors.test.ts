import { describe, expect, it, vi } from 'vitest'
import { TwilioApiError } from '../twilio/rest-errors.ts'
import { fromTwilioError } from './twilio-errors.ts'

const refused = (status: number, code?: number) =>
  new TwilioApiError(`Twilio said no (${code ?? status})`, {
    status,
    outcome: 'rejected',
    ...(code !== undefined && { code }),
  })

const mapped = (error: unknown) => {
  const { status, code, message } = fromTwilioError(error, 'Doing it failed')
  return { status, code, message }
}

describe("Twilio's errors as the API's", () => {
  it('says which part is the caller’s to fix, and with what status', () => {
    expect(mapped(refused(400, 21211))).toMatchObject({ status: 400, code: 'invalid_phone_number' })
    expect(mapped(refused(400, 21215))).toMatchObject({
      status: 403,
      code: 'dial_not_allowed',
      message: expect.stringContaining('Geographic Permissions'),
    })
    expect(mapped(refused(400, 16099))).toMatchObject({ status: 409, code: 'conflict' })
    expect(mapped(refused(429, 20429))).toMatchObject({ status: 503, code: 'upstream_busy' })
  })

  it("keeps Twilio's own failures and our credentials as upstream errors", () => {
    expect(mapped(refused(401, 20003))).toMatchObject({
      status: 502,
      code: 'upstream_error',
      message: expect.stringContaining('TWILIO_API_KEY'),
    })
    expect(mapped(refused(500))).toMatchObject({ status: 502, code: 'upstream_error' })
    // A resource Twilio does not have is ours to explain where it can happen (routes).
    expect(mapped(refused(404, 20404))).toMatchObject({
      status: 502,
      message: expect.stringContaining('Twilio said no (20404)'),
    })
    const unknown = new TwilioApiError('timed out', { status: 0, outcome: 'unknown' })
    expect(mapped(unknown)).toMatchObject({
      status: 502,
      message: expect.stringContaining('did not confirm the outcome'),
    })
  })

  it('calls a failure of our own ours, without its text, and logs it', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const error = mapped(new Error('Durable Object reset because its code was updated.'))
    expect(error).toEqual({
      status: 500,
      code: 'internal_error',
      message: 'Doing it failed: something went wrong on our side.',
    })
    expect(logged).toHaveBeenCalledWith('Doing it failed:', expect.any(Error))
    logged.mockRestore()
  })

  it('leaves the number dialled out of the line it logs', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const error = fromTwilioError(new Error('a bug'), 'Calling +1 415 555 2671 failed')
    // The person who dialled it is shown it; the log, kept for days, is not.
    expect(error.message).toBe('Calling +1 415 555 2671 failed: something went wrong on our side.')
    expect(logged).toHaveBeenCalledWith('Calling +… failed:', expect.any(Error))
    logged.mockRestore()
  })
})
