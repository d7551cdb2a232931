/**
 * What the worker asks Twilio's REST API to do, as typed parameters, and their encoding as
 * the form fields Twilio reads (its API takes application/x-www-form-urlencoded bodies).
 * https://www.twilio.com/docs/voice/api/conference-participant-resource#create-a-participant-resource
 */

export type CallProgressEvent = 'initiated' | 'ringing' | 'answered' | 'completed'
export type ConferenceEvent =
  | 'start'
  | 'end'
  | 'join'
  | 'leave'
  | 'mute'
  | 'hold'
  | 'modify'
  | 'speaker'
  | 'announcement'

export interface CreateParticipantParams {
  from: string
  /** E.164, `client:identity`, `sip:…` or `app:AP…` (a TwiML App). */
  to: string
  /**
   * Sent to an `app:`/`client:`/`sip:` target as a query string on `To`, the form Twilio's
   * Participants API documents for `To` ("Custom parameters may also be specified",
   * https://www.twilio.com/docs/voice/api/conference-participant-resource#custom-parameters;
   * examples in https://www.twilio.com/docs/voice/how-share-information-between-your-applications).
   */
  customParameters?: Readonly<Record<string, string>>
  label?: string
  beep?: boolean | 'onEnter' | 'onExit'
  startConferenceOnEnter?: boolean
  endConferenceOnExit?: boolean
  /** Hold music before the conference starts; '' is silence. */
  waitUrl?: string
  statusCallback?: string
  statusCallbackEvent?: readonly CallProgressEvent[]
  /** Only the first participant's conference callback counts (Twilio's Participants API). */
  conferenceStatusCallback?: string
  conferenceStatusCallbackEvent?: readonly ConferenceEvent[]
  /** Seconds to ring, 5 to 600. */
  timeout?: number
  earlyMedia?: boolean
  muted?: boolean
  jitterBufferSize?: 'large' | 'medium' | 'small' | 'off'
}

export interface UpdateParticipantParams {
  muted?: boolean
  hold?: boolean
  holdUrl?: string
  endConferenceOnExit?: boolean
}

export interface UpdateCallParams {
  status?: 'completed' | 'canceled'
  twiml?: string
  url?: string
}

type FormValue = string | number | boolean | readonly string[] | undefined

/** Form fields in order; arrays become repeated keys, like twilio-node's `arrayFormat: 'repeat'`. */
export function formOf(fields: Record<string, FormValue>): URLSearchParams {
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue
    for (const each of typeof value === 'object' ? value : [value]) form.append(name, String(each))
  }
  return form
}

export function participantForm(params: CreateParticipantParams): URLSearchParams {
  return formOf({
    From: params.from,
    To: withCustomParameters(params.to, params.customParameters),
    Label: params.label,
    Beep: params.beep,
    StartConferenceOnEnter: params.startConferenceOnEnter,
    EndConferenceOnExit: params.endConferenceOnExit,
    WaitUrl: params.waitUrl,
    StatusCallback: params.statusCallback,
    StatusCallbackMethod: params.statusCallback === undefined ? undefined : 'POST',
    StatusCallbackEvent: params.statusCallbackEvent,
    ConferenceStatusCallback: params.conferenceStatusCallback,
    ConferenceStatusCallbackMethod:
      params.conferenceStatusCallback === undefined ? undefined : 'POST',
    ConferenceStatusCallbackEvent: params.conferenceStatusCallbackEvent,
    Timeout: params.timeout,
    EarlyMedia: params.earlyMedia,
    Muted: params.muted,
    JitterBufferSize: params.jitterBufferSize,
  })
}

function withCustomParameters(to: string, parameters: Readonly<Record<string, string>> = {}) {
  const query = Object.entries(parameters)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&')
  if (query === '') return to
  if (!/^(app|client|sip):/i.test(to)) {
    throw new RangeError(`Custom parameters only reach app:, client: or sip: targets, not ${to}.`)
  }
  return `${to}${to.includes('?') ? '&' : '?'}${query}`
}
