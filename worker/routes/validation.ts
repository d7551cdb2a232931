/**
 * Request validation with zod through Hono's validator, answering failures in
 * the API's error shape: 400 `bad_request` with a message naming the field.
 */
import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import type { ZodType } from 'zod'
import { ApiError } from '../api-error.ts'

export const validate = <T extends ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) =>
  zValidator(target, schema, (result) => {
    if (result.success) return
    const issue = result.error.issues[0]
    const field = issue?.path.join('.') || target
    throw new ApiError(400, 'bad_request', `${field}: ${issue?.message ?? 'invalid'}`)
  })
