/**
 * Requests as Twilio makes them, for workerd tests: form webhooks and the
 * media-stream upgrade, signed with the test auth token over the public URL
 * (WEBHOOK_BASE_URL), and sent to the worker under test.
 */
import { createExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { TwilioStandinControl } from '../../devtools/twilio-standin/control.ts'
import { formParams, twilioSignature } from '../twilio/signature.ts'

const publicUrl = (path: string) => `${env.WEBHOOK_BASE_URL}${path}`

/**
 * POSTs a form webhook the way Twilio signs it; with `settings`, to the worker's app run with
 * them (as resetting-rooms.ts makes) instead of the worker under test.
 */
export async function twilioPost(
  path: string,
  /** As a form has them: pairs, for a name given twice. */
  params: Record<string, string> | [string, string][],
  sign = true,
  settings?: typeof env,
) {
  const form = new URLSearchParams(params)
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (sign) {
    headers['x-twilio-signature'] = await twilioSignature(
      env.TWILIO_AUTH_TOKEN ?? '',
      publicUrl(path),
      formParams(form),
    )
  }
  const request = new Request(`http://worker.test${path}`, { method: 'POST', headers, body: form })
  if (!settings) return exports.default.fetch(request)
  const { default: app } = await import('../index.ts')
  return app.fetch(request, settings, createExecutionContext())
}

/** Opens the media stream as Twilio does: a GET upgrade signed over the wss:// URL. */
export async function twilioUpgrade(path: string, sign = true) {
  const headers: Record<string, string> = { Upgrade: 'websocket' }
  if (sign) {
    const url = publicUrl(path).replace(/^http/, 'ws')
    headers['x-twilio-signature'] = await twilioSignature(env.TWILIO_AUTH_TOKEN ?? '', url)
  }
  return exports.default.fetch(`http://worker.test${path}`, { headers })
}

/** A conference status callback, as Twilio posts it, with the CF sid the Twilio stand-in assigned. */
export async function conferenceCallback(
  conferenceId: string,
  sequence: number,
  fields: Record<string, string>,
) {
  const conference = await new TwilioStandinControl(env.TWILIO_API_BASE ?? '').conference(
    conferenceId,
  )
  return twilioPost('/api/twilio/status/conference', {
    AccountSid: env.TWILIO_ACCOUNT_SID ?? '',
    ConferenceSid: conference?.sid ?? `CF${'0'.repeat(32)}`,
    FriendlyName: conferenceId,
    SequenceNumber: String(sequence),
    Timestamp: new Date().toUTCString(),
    ...fields,
  })
}

/** A participant joining, unmuted and not on hold, as the conference callback reports it. */
export const participantJoins = (
  conferenceId: string,
  sequence: number,
  label: string,
  callSid: string,
) =>
  conferenceCallback(conferenceId, sequence, {
    StatusCallbackEvent: 'participant-join',
    CallSid: callSid,
    ParticipantLabel: label,
    Muted: 'false',
    Hold: 'false',
  })

/** A person from the web page joining. */
export const hostJoins = (conferenceId: string, sequence = 1, callSid = `CA${'1'.repeat(32)}`) =>
  participantJoins(conferenceId, sequence, 'web-web_host', callSid)
