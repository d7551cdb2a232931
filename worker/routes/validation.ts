/**
 * Request validation with zod through Hono's validator, answering failures in
 * the API's error shape: 400 `bad_request` with a message naming the field; and
 * the limits every request body meets before anything reads it.
 */
import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { ApiError } from '../api-error.ts'
import type * as z from '../schema.ts'

export const validate = <T extends z.ZodMiniType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) =>
  zValidator(target, schema, (result) => {
    if (result.success) return
    const issue = result.error.issues[0]
    const field = issue?.path.join('.') || target
    throw new ApiError(400, 'bad_request', `${field}: ${issue?.message ?? 'invalid'}`)
  })

/**
 * Twilio's webhooks and the API's requests are a few kilobytes. A Twilio route reads the
 * whole body to check its signature, so a larger one is refused before it is read, by its
 * Content-Length or as it streams in.
 */
export const MAX_BODY_BYTES = 64 * 1024

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(
      413,
      'payload_too_large',
      `Request bodies may be at most ${MAX_BODY_BYTES / 1024} KiB.`,
    )
  },
})

/**
 * The JSON API's POSTs take JSON only. Hono's JSON validator reads any other body as `{}`,
 * so a form post would start a call with its fields silently dropped; and a form or
 * text/plain POST is one a browser sends from any site without asking first (a CORS
 * "simple" request), which a JSON one is not.
 */
export const requireJsonBody = createMiddleware(async (c, next) => {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase()
  if (c.req.method === 'POST' && type !== 'application/json') {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'Send the request body as JSON, with Content-Type: application/json.',
    )
  }
  await next()
})
