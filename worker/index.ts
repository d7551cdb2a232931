/**
 * The worker: a Hono app that serves the JSON API, Twilio's webhooks and the
 * media-stream upgrade, and exports the ConferenceRoom Durable Object. The
 * page itself is served from static assets (see wrangler.toml).
 */
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ApiError, errorResponse } from './api-error.ts'
import type { Env } from './config.ts'
import { requireAccessKey } from './routes/access.ts'
import { conferences } from './routes/conferences.ts'
import { health } from './routes/health.ts'
import { localCalls } from './routes/local-calls.ts'
import { mediaStream } from './routes/media-stream.ts'
import { status } from './routes/status.ts'
import { token } from './routes/token.ts'
import { twiml } from './routes/twiml.ts'
import { limitBody, requireJsonBody } from './routes/validation.ts'

export { ConferenceRoom } from './conference/room.ts'

const app = new Hono<{ Bindings: Env }>()

app.use('/api/*', limitBody)
// Open: the health check. Twilio-signed: TwiML, status callbacks, the media stream.
// Behind APP_ACCESS_KEY when it is set: the token, the conference API and local calls.
app.route('/api/health', health)
app.route('/api/twilio/conference-elevenlabs', twiml)
app.route('/api/twilio/status', status)
app.route('/api/twilio/media-stream', mediaStream)
for (const path of [
  '/api/twilio/token',
  '/api/twilio/start-conference',
  '/api/twilio/conferences/*',
  '/api/local/*',
]) {
  app.use(path, requireAccessKey, requireJsonBody)
}
app.route('/api/twilio/token', token)
app.route('/api/twilio', conferences)
app.route('/api/local', localCalls)

app.notFound((c) =>
  errorResponse(new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}.`)),
)

app.onError((error) => {
  if (error instanceof ApiError) return errorResponse(error)
  // Hono's own 4xx, e.g. the validator's "Malformed JSON in request body".
  if (error instanceof HTTPException && error.status < 500) {
    return errorResponse(new ApiError(error.status, 'bad_request', error.message))
  }
  console.error('unhandled error', error)
  return errorResponse(new ApiError(500, 'internal_error', 'Something went wrong on our side.'))
})

export default app
