/**
 * Turns what the Twilio REST client raises into the API's errors, with a
 * message that says what happened and what to do. An outcome Twilio did not
 * confirm is said to be unknown, so nobody retries into a second call. Anything else
 * is ours, and is a 500 that says no more than that.
 */
import { ApiError, withoutNumbers } from '../api-error.ts'
import { TwilioApiError } from '../twilio/rest-errors.ts'

export function fromTwilioError(error: unknown, action: string): ApiError {
  if (error instanceof ApiError) return error
  // Not Twilio's: ours (a Durable Object reset, a bug). Logged, not shown: its text is the
  // runtime's, and calling it Twilio's failure would send whoever reads it the wrong way.
  // The action may name the number dialled ("Calling +1 415 555 2671 failed"): not logged.
  if (!(error instanceof TwilioApiError)) {
    console.error(`${withoutNumbers(action)}:`, error)
    return new ApiError(500, 'internal_error', `${action}: something went wrong on our side.`)
  }
  const details = { twilioCode: error.code, twilioStatus: error.status, moreInfo: error.moreInfo }
  // Twilio's words, not the request they answer ("Twilio POST Conferences/…/Participants.json"):
  // that is for the log (worker/index.ts logs each such error with it).
  const { reason } = error
  const upstream = (message: string) => new ApiError(502, 'upstream_error', message, details)
  if (error.outcome === 'unknown') {
    return upstream(
      `${action}: Twilio did not confirm the outcome (${reason}). Check the conference before trying again.`,
    )
  }
  // By code first: a suspended account may be answered 401 too, and is not a wrong key.
  switch (error.code) {
    // https://www.twilio.com/docs/api/errors/20005 and /10001
    case 20005:
    case 10001:
      return upstream(
        `${action}: this Twilio account is not active (${reason}); check its balance and status in Twilio's Console.`,
      )
    // https://www.twilio.com/docs/api/errors/21210 and /21212: the From (caller ID) number.
    case 21210:
    case 21212:
      return upstream(
        `${action}: Twilio refused the caller ID (${reason}); set TWILIO_PHONE_NUMBER to a number of this Twilio account or one verified in it.`,
      )
    // https://www.twilio.com/docs/api/errors/21218: "may not exist anymore or may not be
    // available within your account".
    case 21218:
      return upstream(
        `${action}: Twilio does not know the TwiML App (${reason}); set TWILIO_TWIML_APP_SID to a TwiML App of this Twilio account.`,
      )
    // Geo Permissions: https://www.twilio.com/docs/api/errors/21215
    case 21215:
      return new ApiError(
        403,
        'dial_not_allowed',
        `${action}: this Twilio account may not call that number (${reason}); allow its country in Twilio's Voice Geographic Permissions.`,
        details,
      )
    case 21211:
    case 13224:
      return new ApiError(400, 'invalid_phone_number', `${action}: ${reason}`, details)
    // https://www.twilio.com/docs/api/errors/16099 and /16001: not started yet, or just ended.
    case 16099:
    case 16001:
      return new ApiError(
        409,
        'conflict',
        `${action}: the conference is not in progress on Twilio (${reason}); try again in a moment.`,
        details,
      )
  }
  if (error.status === 401 || error.code === 20003) {
    return upstream(
      `${action}: Twilio rejected our credentials; check TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET.`,
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
  return upstream(`${action}: ${reason}`)
}
