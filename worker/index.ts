/**
 * The worker: a Hono app that serves the JSON API, Twilio's webhooks and the
 * media-stream upgrade, and exports the ConferenceRoom Durable Object. The
 * page itself is served from static assets (see wrangler.toml).
 */
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { methodNotAllowed } from 'hono/method-not-allowed'
import { ApiError, errorResponse, quoted, withoutNumbers } from './api-error.ts'
import type { Env } from './config.ts'
import { requireAccessKey } from './routes/access.ts'
import { agentReturn } from './routes/agent-return.ts'
import { conferences } from './routes/conferences.ts'
import { health } from './routes/health.ts'
import { localCalls } from './routes/local-calls.ts'
import { mediaStream } from './routes/media-stream.ts'
import { participants } from './routes/participants.ts'
import { status } from './routes/status.ts'
import { token } from './routes/token.ts'
import { transcript } from './routes/transcript.ts'
import { twiml } from './routes/twiml.ts'
import { limitBody, requireJsonBody } from './routes/validation.ts'

export { ConferenceRoom } from './conference/room.ts'

const app = new Hono<{ Bindings: Env }>()

app.use('/api/*', limitBody)
// A known path asked with the wrong method: 405 and what it allows, not "no route".
app.use(
  '/api/*',
  methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) =>
      errorResponse(
        new ApiError(
          405,
          'method_not_allowed',
          `${c.req.method} is not allowed on ${c.req.path}: use ${methods.join(' or ')}.`,
        ),
        { Allow: methods.join(', ') },
      ),
  }),
)
// Open: the health check. Twilio-signed: TwiML, status callbacks, the media stream.
// Behind APP_ACCESS_KEY (or localhost without it): the token, the conference API and local
// calls, whose POSTs take JSON only.
app.route('/api/health', health)
app.route('/api/twilio/conference-elevenlabs', twiml)
app.route('/api/twilio/status', status)
app.route('/api/twilio/media-stream', mediaStream)
app.use('/api/twilio/token', requireAccessKey)
for (const path of ['/api/twilio/start-conference', '/api/twilio/conferences/*', '/api/local/*']) {
  app.use(path, requireAccessKey, requireJsonBody)
}
app.route('/api/twilio/token', token)
app.route('/api/twilio', conferences)
app.route('/api/twilio/conferences', participants)
app.route('/api/twilio/conferences', agentReturn)
app.route('/api/twilio/conferences', transcript)
app.route('/api/local', localCalls)

app.notFound((c) =>
  errorResponse(
    new ApiError(404, 'not_found', `No route for ${c.req.method} ${quoted(c.req.path)}.`),
  ),
)

app.onError((error, c) => {
  if (error instanceof ApiError) {
    logForOperator(c.req.method, c.req.path, error)
    return errorResponse(error)
  }
  // Hono's own 4xx, e.g. the validator's "Malformed JSON in request body".
  if (error instanceof HTTPException && error.status < 500) {
    return errorResponse(new ApiError(error.status, 'bad_request', error.message))
  }
  console.error('unhandled error', error)
  return errorResponse(new ApiError(500, 'internal_error', 'Something went wrong on our side.'))
})

/**
 * An answer the operator must act on, in the log as one line: ours or a vendor's failure
 * (5xx), and any refusal Twilio gave a code for (a caller ID it will not use, a country
 * not allowed). The page shows the person the same message, which never holds a secret;
 * without this line `wrangler tail` shows only the status. A requester's own mistakes (a
 * malformed number, a missing field) are theirs, not the operator's, and stay out; so do
 * the phone numbers a message names (the number dialled, in Twilio's words or ours).
 */
function logForOperator(method: string, path: string, error: ApiError): void {
  const twilioCode = (error.details as { twilioCode?: unknown } | undefined)?.twilioCode
  const fromTwilio = typeof twilioCode === 'number'
  if ((error.status < 500 && !fromTwilio) || error.code === 'invalid_phone_number') return
  const line = `[api] ${method} ${quoted(path)} ${error.status} ${error.code}${fromTwilio ? ` (Twilio ${twilioCode})` : ''}: ${withoutNumbers(error.message)}`
  if (error.status >= 500) console.error(line)
  else console.warn(line)
}

export default app
