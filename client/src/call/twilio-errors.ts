/**
 * What the Voice SDK's errors mean for the person on the page, and what to do. The SDK's
 * own message ("ConnectionError (31005): Error sent from gateway in HANGUP") names the
 * error, not the way out. Codes: @twilio/voice-sdk's lib/twilio/errors (generated.ts),
 * https://www.twilio.com/docs/api/errors
 *
 * None says "Rejoin": an error may come while the call carries on (a token expired over
 * a sleep), or beside a conversation that has ended; the call bar offers Rejoin, and says
 * so, only when it can.
 */
export interface VoiceError {
  code?: number
  message: string
}

const MICROPHONE =
  'The browser did not give the call a microphone: allow it (the icon at the left of the address bar) and check one is connected.'
const ACCESS =
  "Twilio refused the call's access token: check TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET on the server, and that its clock is right."
const EXPIRED = "The call's access ran out before it could be renewed: check the network."
const NETWORK =
  'The connection to Twilio failed or was lost: check the network (a firewall or VPN may block calls from the browser).'
const AUDIO = "The browser could not set up the call's audio: try again, or in another browser."

const ADVICE: Record<number, string> = {
  31401: MICROPHONE,
  31402: MICROPHONE,
  20101: ACCESS,
  20104: EXPIRED,
  20151: ACCESS,
  31201: ACCESS,
  31202: ACCESS,
  31203: ACCESS,
  31204: ACCESS,
  31205: EXPIRED,
  31207: ACCESS,
  31001: 'Twilio found no TwiML App for the call: check TWILIO_TWIML_APP_SID on the server.',
  // Both Twilio hanging up with an error and the SDK's signalling socket closing abnormally
  // (1006: the network; lib/twilio/wstransport.ts).
  31005:
    "The connection to Twilio was lost, or Twilio ended the call with an error: check the network; if it happens as the call starts, check the TwiML App's Voice URL (Twilio's debugger says why).",
  31003: NETWORK,
  31009: NETWORK,
  53000: NETWORK,
  53001: NETWORK,
  53405: NETWORK,
  53400: AUDIO,
  53402: AUDIO,
}

/** The advice for a known code, with the code kept for whoever helps; the SDK's words otherwise. */
export function describeVoiceError({ code, message }: VoiceError): string {
  const advice = code === undefined ? undefined : ADVICE[code]
  if (advice) return `${advice} (Twilio error ${code})`
  return message
}

/**
 * The Device errors its signalling transport reports as it tries again on its own (a
 * socket closed abnormally, none available, the signalling connection lost): a call still
 * connecting goes on. @twilio/voice-sdk 2.x, lib/twilio/wstransport.ts and pstream.ts.
 * Any other Device error (an access token refused, 20101 or 312xx) leaves `connect()`
 * waiting for good, so it ends the attempt.
 */
const RETRIED = new Set([31005, 31009, 53000, 53001])

/** The access token expired (AccessTokenExpired, 20104; its signalling form, 31205). */
export const isTokenExpiry = (code: number | undefined): boolean => code === 20104 || code === 31205

export const retriedByDevice = (code: number | undefined): boolean =>
  code !== undefined && RETRIED.has(code)
