/**
 * The worker: a Hono app that serves the JSON API, Twilio's webhooks and the
 * media-stream upgrade, and exports the ConferenceRoom Durable Object. The
 * page itself is served from static assets (see wrangler.toml).
 */
import { Hono } from 'hono'
import { ApiError, errorResponse } from './api-error.ts'
import type { Env } from './config.ts'
import { health } from './routes/health.ts'

export { ConferenceRoom } from './conference/room.ts'

const app = new Hono<{ Bindings: Env }>()

app.route('/api/health', health)

app.notFound((c) =>
  errorResponse(new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}.`)),
)

app.onError((error) => {
  if (error instanceof ApiError) return errorResponse(error)
  console.error('unhandled error', error)
  return errorResponse(new ApiError(500, 'internal_error', 'Something went wrong on our side.'))
})

export default app
