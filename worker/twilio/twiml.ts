/**
 * The TwiML documents the worker answers Twilio with, built as escaped strings (the
 * `twilio` package's builder needs Node). Attribute names and values follow
 * https://www.twilio.com/docs/voice/twiml/conference and …/twiml/stream.
 *
 * @example
 * c.body(sayAndHangUpTwiml('This conference has ended.'), 200, { 'content-type': 'text/xml' })
 */

/** Conference events reported to the status callback: everything the room tracks. */
export const CONFERENCE_STATUS_EVENTS = [
  'start',
  'end',
  'join',
  'leave',
  'mute',
  'hold',
  'speaker',
] as const

/** The combined length Twilio allows a `<Parameter>`'s name and value. */
export const MAX_STREAM_PARAMETER_LENGTH = 500

export interface ConferenceLeg {
  /** The conference's friendly name, e.g. `conf-…`. */
  conferenceName: string
  participantLabel: string
  statusCallback: string
  beep: boolean | 'onEnter' | 'onExit'
  startConferenceOnEnter: boolean
  endConferenceOnExit: boolean
  /** Played while waiting for the conference to start; '' is silence. */
  waitUrl: string
  jitterBufferSize?: 'large' | 'medium' | 'small' | 'off'
}

export interface MediaStreamLeg {
  /** wss:// only, without a query string: Twilio drops query strings, so route by path. */
  url: string
  statusCallback?: string
  /** Arrive in the stream's `start.customParameters`. */
  parameters?: Readonly<Record<string, string>>
  /**
   * Asked (POST) what to do once the stream ends: `<Connect action>`. Without it the call
   * ends with the stream (https://www.twilio.com/docs/voice/twiml/connect#action).
   */
  action?: string
}

/** A caller (browser or phone) joins the conference. */
export function joinConferenceTwiml(leg: ConferenceLeg): string {
  const name = escapeXml(leg.conferenceName)
  if (name === '') throw new RangeError('<Conference> needs a conference name.')
  const conference = element(
    'Conference',
    {
      participantLabel: leg.participantLabel,
      beep: String(leg.beep),
      startConferenceOnEnter: String(leg.startConferenceOnEnter),
      endConferenceOnExit: String(leg.endConferenceOnExit),
      waitUrl: leg.waitUrl,
      statusCallback: leg.statusCallback,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: CONFERENCE_STATUS_EVENTS.join(' '),
      jitterBufferSize: leg.jitterBufferSize,
    },
    name,
  )
  return response(element('Dial', {}, conference))
}

/** The agent's leg becomes a bidirectional media stream to the worker. */
export function connectStreamTwiml(stream: MediaStreamLeg): string {
  checkStreamUrl(stream.url)
  const parameters = Object.entries(stream.parameters ?? {}).map(([name, value]) => {
    checkParameter(name, value)
    return element('Parameter', { name, value })
  })
  const attributes = {
    url: stream.url,
    statusCallback: stream.statusCallback,
    statusCallbackMethod: stream.statusCallback === undefined ? undefined : 'POST',
  }
  const connect = {
    action: stream.action,
    method: stream.action === undefined ? undefined : 'POST',
  }
  return response(element('Connect', connect, element('Stream', attributes, parameters.join(''))))
}

/** Ends the call without a word: for a leg with nobody on it to hear one. */
export const hangUpTwiml = (): string => response(element('Hangup'))

/** Tells the caller something short, then ends the call. */
export function sayAndHangUpTwiml(message: string): string {
  if (message.trim() === '') throw new RangeError('<Say> needs something to say.')
  return response(element('Say', {}, escapeXml(message)) + element('Hangup'))
}

function checkStreamUrl(url: string): void {
  if (!url.startsWith('wss://')) {
    throw new RangeError(`A <Stream> url must start with wss:// (Twilio error 31922); got ${url}`)
  }
  if (url.includes('?')) {
    throw new RangeError(
      `A <Stream> url cannot carry a query string, Twilio drops it: put values in the path or in <Parameter>s; got ${url}`,
    )
  }
}

function checkParameter(name: string, value: string): void {
  if (name === '') throw new RangeError('A <Parameter> needs a name.')
  if (name.length + value.length >= MAX_STREAM_PARAMETER_LENGTH) {
    throw new RangeError(
      `The <Parameter> "${name.slice(0, 40)}" is too long: name and value together must stay under ${MAX_STREAM_PARAMETER_LENGTH} characters.`,
    )
  }
}

const response = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`

/** `content` is markup, already escaped; attributes are escaped here and skipped when undefined. */
function element(
  name: string,
  attributes: Record<string, string | undefined> = {},
  content = '',
): string {
  const written = Object.entries(attributes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('')
  return content === '' ? `<${name}${written}/>` : `<${name}${written}>${content}</${name}>`
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
}

/**
 * Escapes markup and the whitespace an XML parser would otherwise normalise, and drops
 * characters XML 1.0 cannot carry (control characters, lone surrogates): one of those
 * in a caller's name would make Twilio reject the whole document (error 12100).
 */
export function escapeXml(text: string): string {
  let escaped = ''
  for (const char of text) {
    if (isXmlChar(char.codePointAt(0) ?? 0)) escaped += ENTITIES[char] ?? char
  }
  return escaped
}

const isXmlChar = (code: number) =>
  code === 0x9 ||
  code === 0xa ||
  code === 0xd ||
  (code >= 0x20 && code <= 0xd7ff) ||
  (code >= 0xe000 && code <= 0xfffd) ||
  (code >= 0x10000 && code <= 0x10ffff)
