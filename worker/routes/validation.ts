/**
 * Request validation with zod through Hono's validator, answering failures in
 * the API's error shape: 400 `bad_request` with a message naming the field.
 */
import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
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
