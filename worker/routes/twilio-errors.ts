/**
 * Turns what the Twilio REST client raises into the API's errors, with a
 * message that says what happened and what to do. An outcome Twilio did not
 * confirm is said to be unknown, so nobody retries into a second call. Anything else
 * is ours, and is a 500 that says no more than that.
 */
import { ApiError } from '../api-error.ts'
import { TwilioApiError } from '../twilio/rest-errors.ts'

export function fromTwilioError(error: unknown, action: string): ApiError {
  if (error instanceof ApiError) return error
  // Not Twilio's: ours (a Durable Object reset, a bug). Logged, not shown: its text is the
  // runtime's, and calling it Twilio's failure would send whoever reads it the wrong way.
  if (!(error instanceof TwilioApiError)) {
    console.error(`${action}:`, error)
    return new ApiError(500, 'internal_error', `${action}: something went wrong on our side.`)
  }
  const details = { twilioCode: error.code, twilioStatus: error.status, moreInfo: error.moreInfo }
  if (error.outcome === 'unknown') {
    return new ApiError(
      502,
      'upstream_error',
      `${action}: Twilio did not confirm the outcome (${error.message}). Check the conference before trying again.`,
      details,
    )
  }
  if (error.status === 401 || error.code === 20003) {
    return new ApiError(
      502,
      'upstream_error',
      `${action}: Twilio rejected our credentials; check TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET.`,
      details,
    )
  }
  if (error.code === 21215) {
    // Geo Permissions: https://www.twilio.com/docs/api/errors/21215
    return new ApiError(
      403,
      'dial_not_allowed',
      `${action}: this Twilio account may not call that number (${error.message}); allow its country in Twilio's Voice Geographic Permissions.`,
      details,
    )
  }
  if (error.code === 21211 || error.code === 13224) {
    return new ApiError(400, 'invalid_phone_number', `${action}: ${error.message}`, details)
  }
  // https://www.twilio.com/docs/api/errors/16099 and /16001: not started yet, or just ended.
  if (error.code === 16099 || error.code === 16001) {
    return new ApiError(
      409,
      'conflict',
      `${action}: the conference is not in progress on Twilio (${error.message}); try again in a moment.`,
      details,
    )
  }
  if (error.status === 429) {
    return new ApiError(
      503,
      'upstream_busy',
      `${action}: Twilio is limiting this account's requests; try again in a moment.`,
      details,
    )
  }
  return new ApiError(502, 'upstream_error', `${action}: ${error.message}`, details)
}
