/**
 * Requests signed the way Twilio signs them, for a worker reached over HTTP:
 * form webhooks and the media stream's WebSocket upgrade. The signed URL is
 * the worker's public one (WEBHOOK_BASE_URL + path), in its `wss://` form for
 * the upgrade, never the loopback address the request actually goes to.
 * Source: https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { formParams, twilioSignature } from '../../worker/twilio/signature.ts'

export interface TwilioSender {
  /** Where the worker listens, e.g. http://127.0.0.1:8787 (no trailing slash). */
  url: string
  /** The WEBHOOK_BASE_URL the worker runs with. */
  webhookBaseUrl: string
  /** The TWILIO_AUTH_TOKEN the worker checks signatures with. */
  authToken: string
  accountSid: string
}

const publicUrl = (sender: TwilioSender, path: string) =>
  `${sender.webhookBaseUrl.replace(/\/+$/, '')}${path}`

/** POSTs form `params` to `path` with Twilio's X-Twilio-Signature. */
export async function twilioPost(
  sender: TwilioSender,
  path: string,
  params: Record<string, string>,
): Promise<Response> {
  const form = new URLSearchParams(params)
  const signature = await twilioSignature(
    sender.authToken,
    publicUrl(sender, path),
    formParams(form),
  )
  return fetch(`${sender.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: form,
  })
}

/** The headers of the media stream's upgrade: lowercase x-twilio-signature over the wss:// URL. */
export async function upgradeHeaders(
  sender: TwilioSender,
  path: string,
): Promise<Record<string, string>> {
  const url = publicUrl(sender, path).replace(/^http/, 'ws')
  return { 'x-twilio-signature': await twilioSignature(sender.authToken, url) }
}
