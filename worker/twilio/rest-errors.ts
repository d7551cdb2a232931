/**
 * How a Twilio REST call fails, as one error type: Twilio's refusal with its code and
 * documentation link, or no answer at all, and whether the change may have happened
 * anyway, which decides whether asking again is safe.
 * https://www.twilio.com/docs/usage/twilios-response
 */
import * as z from '../schema.ts'

/**
 * A Twilio call that failed. `rejected`: Twilio refused it and changed nothing (4xx, 429).
 * `unknown`: it may or may not have happened (5xx, network error, timeout, unreadable answer).
 */
export class TwilioApiError extends Error {
  /** The HTTP status; 0 when no answer arrived. */
  readonly status: number
  /** Twilio's error code, e.g. 21211 (https://www.twilio.com/docs/errors/21211). */
  readonly code: number | undefined
  readonly moreInfo: string | undefined
  readonly outcome: 'rejected' | 'unknown'
  /**
   * Twilio's own words (or what became of the request), without the request they answer:
   * for a person, where `message` is for the log.
   */
  readonly reason: string

  constructor(
    message: string,
    details: {
      status: number
      code?: number | undefined
      moreInfo?: string | undefined
      outcome: 'rejected' | 'unknown'
      reason?: string
    },
  ) {
    super(message)
    this.name = 'TwilioApiError'
    this.status = details.status
    this.code = details.code
    this.moreInfo = details.moreInfo
    this.outcome = details.outcome
    this.reason = details.reason ?? message
  }
}

/** Whether Twilio answered that it has no such resource (HTTP 404): it has gone already. */
export const isTwilioNotFound = (error: unknown): error is TwilioApiError =>
  error instanceof TwilioApiError && error.status === 404

/**
 * Whether Twilio says the call is over, when asked to end it: it has no such call (404), or
 * refuses to change one that is no longer in progress (400, code 21220, "Call is not
 * in-progress", https://www.twilio.com/docs/api/errors/21220). Either way, what was asked
 * has happened.
 */
export const isTwilioCallOver = (error: unknown): error is TwilioApiError =>
  isTwilioNotFound(error) ||
  (error instanceof TwilioApiError && error.status === 400 && error.code === CALL_NOT_IN_PROGRESS)

const CALL_NOT_IN_PROGRESS = 21220

/**
 * Whether the same request may succeed later: no answer came, Twilio was rate-limiting, or
 * it failed on its side. A 4xx refusal will not change by asking again.
 */
export const isTwilioTransient = (error: unknown): boolean =>
  !(error instanceof TwilioApiError) ||
  error.status === 0 ||
  error.status === 429 ||
  error.status >= 500

const twilioErrorJson = z.object({
  code: z.optional(z.number()),
  message: z.optional(z.string()),
  more_info: z.optional(z.string()),
})

export function refusal(response: Response, text: string): TwilioApiError {
  const body = twilioErrorJson.safeParse(safeJson(text))
  const twilio = body.success ? body.data : {}
  return new TwilioApiError(twilio.message ?? `HTTP ${response.status}`, {
    status: response.status,
    code: twilio.code,
    moreInfo: twilio.more_info,
    outcome: response.status >= 500 ? 'unknown' : 'rejected',
  })
}

export function noAnswer(error: unknown, timeoutMs: number): TwilioApiError {
  const timedOut = error instanceof Error && error.name === 'TimeoutError'
  const reason = timedOut
    ? `no answer within ${timeoutMs} ms`
    : `no answer (${error instanceof Error ? error.message : String(error)})`
  return new TwilioApiError(reason, { status: 0, outcome: 'unknown' })
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
