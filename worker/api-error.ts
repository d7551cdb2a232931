/**
 * The one error shape of the JSON API: `{ "error": { "code", "message" } }`.
 *
 * Route code throws an `ApiError`; the app's error handler turns it into a
 * response. Messages are written for the person using the page or the
 * operator reading the log, and never contain a secret.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export type ApiErrorCode =
  | 'bad_request'
  | 'invalid_phone_number'
  | 'dial_not_allowed'
  | 'participant_limit'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'gone'
  | 'upgrade_required'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'not_configured'
  | 'upstream_error'
  | 'upstream_busy'
  | 'internal_error'

/**
 * A value from the request, as a message may name it: quoted, control characters and
 * line breaks escaped, and cut to 64 characters, so a message (and the log line made of
 * it) is never the requester's to shape.
 */
export function quoted(value: string): string {
  const cut = value.length > 64 ? `${value.slice(0, 64)}…` : value
  // JSON escapes only U+0000–U+001F: the C1 controls, format characters (a right-to-left
  // override) and the line and paragraph separators are escaped here.
  return JSON.stringify(cut).replace(
    /[\p{Cc}\p{Cf}\u2028\u2029]/gu,
    // Each UTF-16 unit: a format character past U+FFFF (a tag character) is a pair.
    (char) =>
      Array.from(
        { length: char.length },
        (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`,
      ).join(''),
  )
}

/**
 * `text` with each phone number in it (+ and digits, grouped or not) left out: for a line
 * of the log, which keeps for days what anyone reading it sees.
 */
export const withoutNumbers = (text: string): string => text.replace(/\+\d[\d ().-]{5,}\d/g, '+…')

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown }
}

export class ApiError extends Error {
  readonly status: ContentfulStatusCode
  readonly code: ApiErrorCode
  readonly details?: unknown

  constructor(
    status: ContentfulStatusCode,
    code: ApiErrorCode,
    message: string,
    details?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }

  toJSON(): ApiErrorBody {
    const body: ApiErrorBody = { error: { code: this.code, message: this.message } }
    if (this.details !== undefined) body.error.details = this.details
    return body
  }
}

export function errorResponse(error: ApiError, headers?: HeadersInit): Response {
  const response = Response.json(error.toJSON(), {
    status: error.status,
    ...(headers && { headers }),
  })
  // A 426 names the protocol to switch to (RFC 9110, 15.5.22): ours are all WebSockets.
  if (error.status === 426) response.headers.set('Upgrade', 'websocket')
  return response
}
