/**
 * Hono middleware that lets through only requests Twilio signed: form webhooks, JSON
 * callbacks (`bodySHA256`) and the media-stream WebSocket upgrade.
 *
 * The URL it checks is WEBHOOK_BASE_URL + the request's path and query, never the host
 * the worker sees: Twilio signs the URL it called, and tunnels and proxies rewrite hosts.
 *
 * @example
 * const twiml = new Hono<TwilioWebhookEnv>().use(verifyTwilioSignature)
 *   .post('/voice', (c) => c.text(answerFor(c.get('twilioParams').get('CallSid'))))
 */
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { ApiError, errorResponse } from '../api-error.ts'
import { type Env, isLoopback, publicBase, requireSettings } from '../config.ts'
import { formParams, isValidTwilioSignature, isValidTwilioSignatureWithBody } from './signature.ts'

export interface TwilioWebhookVariables {
  /** The form fields of a form POST (already read and verified); empty otherwise. */
  twilioParams: URLSearchParams
}

export type TwilioWebhookEnv = { Bindings: Env; Variables: TwilioWebhookVariables }

export const verifyTwilioSignature = createMiddleware<TwilioWebhookEnv>(async (c, next) => {
  const settings = webhookSettings(c.env)
  if (settings instanceof ApiError) return errorResponse(settings)
  const signature = c.req.header('x-twilio-signature')
  if (!signature) {
    return forbidden(
      'Only Twilio may call this endpoint: the X-Twilio-Signature header is missing.',
    )
  }
  const url = publicUrl(settings.WEBHOOK_BASE_URL, c.req.raw)
  if (!(await isSignedByTwilio(c, settings.TWILIO_AUTH_TOKEN, signature, url))) {
    // For whoever reads the worker's log: the URL checked (the wss:// one for a stream),
    // cut short, as the path is the caller's to choose. Not its query's values: Twilio puts
    // a participant's custom parameters there, the agent leg's one-time token among them.
    // A host reached that is not this machine's (a tunnel's is) may be the one Twilio
    // calls, and WEBHOOK_BASE_URL not say so.
    const shown = withoutQueryValues(url)
    const checked = isWebSocketUpgrade(c.req.raw) ? shown.replace(/^http/, 'ws') : shown
    const reached = new URL(c.req.url)
    const hint =
      isLoopback(reached.hostname) || reached.host === new URL(url).host
        ? ''
        : ` (the request came to ${reached.origin})`
    // A Webhooks Rule has Twilio sign with the rule's own key instead of the auth token, and
    // say so in this header (twilio-node, examples/WebhookSignatureValidation.md).
    if (c.req.header('x-twilio-webhooks-signature-settings') !== undefined) {
      console.warn(
        `refused a request signed by a Twilio Webhooks Rule for ${checked.slice(0, 200)}`,
      )
      return forbidden(
        "Twilio signed this request with a Webhooks Rule's shared key (X-Twilio-Webhooks-Signature-Settings), which this worker does not check: it checks TWILIO_AUTH_TOKEN's signature. Take the rule off this worker's URLs.",
      )
    }
    console.warn(
      `refused a request not signed for ${checked.slice(0, 200)}: check WEBHOOK_BASE_URL${hint} and TWILIO_AUTH_TOKEN`,
    )
    return forbidden(
      `The X-Twilio-Signature does not match ${shown}: WEBHOOK_BASE_URL must be the public URL Twilio calls, and TWILIO_AUTH_TOKEN the auth token of the account that calls it.`,
    )
  }
  await next()
})

/** The URL with its query's names kept and its values left out (`?conferenceId=…&legToken=…`). */
function withoutQueryValues(url: string): string {
  const { origin, pathname, searchParams } = new URL(url)
  const names = [...new Set(searchParams.keys())]
  return names.length === 0
    ? `${origin}${pathname}`
    : `${origin}${pathname}?${names.map((name) => `${name}=…`).join('&')}`
}

function webhookSettings(env: Env) {
  try {
    return requireSettings(env, ['TWILIO_AUTH_TOKEN', 'WEBHOOK_BASE_URL'])
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
}

/**
 * Twilio signs the media-stream upgrade over the `wss://` URL it dialled, with no
 * parameters; the worker sees the same request as `https://` (twilio-labs/twilio-aspnet#162).
 */
async function isSignedByTwilio(
  c: Context<TwilioWebhookEnv>,
  authToken: string,
  signature: string,
  url: string,
): Promise<boolean> {
  c.set('twilioParams', new URLSearchParams())
  if (isWebSocketUpgrade(c.req.raw)) {
    return isValidTwilioSignature(authToken, signature, url.replace(/^http/, 'ws'))
  }
  if (new URL(url).searchParams.has('bodySHA256')) {
    return isValidTwilioSignatureWithBody(authToken, signature, url, await c.req.text())
  }
  if (c.req.method === 'POST' && isForm(c.req.header('content-type'))) {
    // Decoded by hand: workerd warns that a form body "does not appear to be text".
    const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()))
    c.set('twilioParams', form)
    return isValidTwilioSignature(authToken, signature, url, formParams(form))
  }
  return isValidTwilioSignature(authToken, signature, url)
}

function publicUrl(webhookBaseUrl: string, request: Request): string {
  const pathAndQuery = request.url.slice(new URL(request.url).origin.length)
  return publicBase(webhookBaseUrl) + pathAndQuery
}

const isWebSocketUpgrade = (request: Request) =>
  request.method === 'GET' && request.headers.get('upgrade')?.toLowerCase() === 'websocket'

const isForm = (contentType: string | undefined) =>
  contentType?.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'

const forbidden = (message: string) => errorResponse(new ApiError(403, 'forbidden', message))
