/**
 * Twilio Media Streams, bidirectional (`<Connect><Stream>`): the messages Twilio
 * sends, parsed once into typed events, and the three messages we may send back.
 *
 * Parsing never throws: anything that is not a well-formed Twilio message
 * becomes an `invalid` event carrying the reason and, for framing-level
 * violations, the close code to answer with. Twilio treats binary frames,
 * non-protocol JSON and a wrong streamSid as errors (31950/31951), so the
 * builders below are the only way this codebase writes to a stream.
 * Source: https://www.twilio.com/docs/voice/media-streams/websocket-messages
 */

import { ShapeKeeper } from '../json-shapes.ts'

/** Larger than any real Twilio message (a 20 ms media frame is about 300 bytes). */
export const MAX_MESSAGE_BYTES = 64 * 1024
/** A keypad key, as `dtmf.digit` names it: 0-9, * and # (A-D on the keypads that have them). */
const DTMF_DIGIT = /^[0-9*#A-D]$/

export interface StreamStart {
  streamSid: string
  callSid: string
  accountSid: string
  tracks: string[]
  customParameters: Record<string, string>
  mediaFormat: { encoding: string; sampleRate: number; channels: number }
}

export type InvalidReason =
  | 'binary_frame'
  | 'too_large'
  | 'not_json'
  | 'unknown_event'
  | 'malformed'

export type StreamEvent =
  | { event: 'connected' }
  | ({ event: 'start' } & StreamStart)
  | {
      event: 'media'
      streamSid: string
      /** Presentation time of the first sample, in ms from the start of the stream. */
      timestamp: number
      chunk: number
      payload: string
    }
  | { event: 'dtmf'; streamSid: string; digit: string }
  | { event: 'mark'; streamSid: string; name: string }
  | { event: 'stop'; streamSid: string }
  | {
      event: 'invalid'
      reason: InvalidReason
      detail: string
      /** Set when the message breaks the framing itself and the socket should be closed. */
      closeCode?: 1003 | 1007 | 1009
    }

const invalid = (
  reason: InvalidReason,
  detail: string,
  closeCode?: 1003 | 1007 | 1009,
): StreamEvent =>
  closeCode ? { event: 'invalid', reason, detail, closeCode } : { event: 'invalid', reason, detail }

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** Twilio sends counters as strings ("chunk": "2"); accept numbers too. */
const count = (value: unknown): number => {
  const n =
    typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : Number.NaN
  return Number.isFinite(n) ? n : Number.NaN
}

/**
 * Every kind read (json-shapes.ts): the media frames above all, but the code that reads
 * them checks for the other kinds' maps too, the start's among them, which comes once.
 */
export const streamMessageShapes = new ShapeKeeper<Exclude<StreamEvent['event'], 'invalid'>>()

export function parseStreamMessage(data: string | ArrayBuffer): StreamEvent {
  if (typeof data !== 'string') {
    return invalid('binary_frame', `binary frame of ${data.byteLength} bytes`, 1003)
  }
  // A character is one to three bytes on the wire: only a long message needs counting.
  if (data.length > MAX_MESSAGE_BYTES / 3) {
    const bytes = utf8Bytes(data)
    if (bytes > MAX_MESSAGE_BYTES) return invalid('too_large', `message of ${bytes} bytes`, 1009)
  }
  let message: unknown
  try {
    message = JSON.parse(data)
  } catch {
    return invalid('not_json', `not JSON: ${data.slice(0, 40)}`, 1007)
  }
  if (!isObject(message)) return invalid('not_json', 'JSON that is not an object', 1007)
  const event = parseEvent(message)
  if (event.event !== 'invalid') streamMessageShapes.keep(event.event, message)
  return event
}

function parseEvent(message: Json): StreamEvent {
  switch (message.event) {
    case 'media':
      return parseMedia(message)
    case 'connected':
      return { event: 'connected' }
    case 'start':
      return parseStart(message)
    case 'mark': {
      const name = isObject(message.mark) ? str(message.mark.name) : undefined
      const streamSid = str(message.streamSid)
      return name !== undefined && streamSid
        ? { event: 'mark', streamSid, name }
        : invalid('malformed', 'mark without streamSid or mark.name')
    }
    case 'dtmf': {
      const digit = isObject(message.dtmf) ? str(message.dtmf.digit) : undefined
      const streamSid = str(message.streamSid)
      // One key of a keypad: it goes into what the agent is told.
      return digit && DTMF_DIGIT.test(digit) && streamSid
        ? { event: 'dtmf', streamSid, digit }
        : invalid('malformed', 'dtmf without streamSid or a keypad digit')
    }
    case 'stop': {
      const streamSid = str(message.streamSid)
      return streamSid
        ? { event: 'stop', streamSid }
        : invalid('malformed', 'stop without streamSid')
    }
    default:
      return invalid(
        'unknown_event',
        `unknown event ${JSON.stringify(message.event)?.slice(0, 40)}`,
      )
  }
}

function parseMedia(message: Json): StreamEvent {
  const media = message.media
  const streamSid = str(message.streamSid)
  if (!isObject(media) || !streamSid)
    return invalid('malformed', 'media without streamSid or media')
  const payload = str(media.payload)
  if (payload === undefined) return invalid('malformed', 'media without a payload')
  return {
    event: 'media',
    streamSid,
    timestamp: count(media.timestamp),
    chunk: count(media.chunk),
    payload,
  }
}

function parseStart(message: Json): StreamEvent {
  const start = message.start
  if (!isObject(start)) return invalid('malformed', 'start without start')
  const streamSid = str(start.streamSid) ?? str(message.streamSid)
  const callSid = str(start.callSid)
  if (!streamSid || !callSid) return invalid('malformed', 'start without streamSid or callSid')
  const format = isObject(start.mediaFormat) ? start.mediaFormat : {}
  const customParameters: Record<string, string> = {}
  if (isObject(start.customParameters)) {
    for (const [name, value] of Object.entries(start.customParameters)) {
      if (typeof value === 'string') customParameters[name] = value
    }
  }
  return {
    event: 'start',
    streamSid,
    callSid,
    accountSid: str(start.accountSid) ?? '',
    tracks: Array.isArray(start.tracks) ? start.tracks.filter((t) => typeof t === 'string') : [],
    customParameters,
    mediaFormat: {
      encoding: str(format.encoding) ?? '',
      sampleRate: count(format.sampleRate),
      channels: count(format.channels),
    },
  }
}

/** Twilio's SIDs are letters and digits, so they can be spliced into JSON safely. */
const SAFE_SID = /^[A-Za-z0-9]+$/

export const isSafeStreamSid = (sid: string): boolean => SAFE_SID.test(sid)

/**
 * Outbound messages. `streamSid` must have passed `isSafeStreamSid` and `payload`
 * must be base64: both are spliced in without escaping, because this runs for
 * every frame the agent speaks.
 */
export const mediaMessage = (streamSid: string, payload: string): string =>
  `{"event":"media","streamSid":"${streamSid}","media":{"payload":"${payload}"}}`

export const markMessage = (streamSid: string, name: string): string =>
  JSON.stringify({ event: 'mark', streamSid, mark: { name } })

export const clearMessage = (streamSid: string): string =>
  `{"event":"clear","streamSid":"${streamSid}"}`

/** The length of `text` in UTF-8, as it came over the socket, without encoding it. */
function utf8Bytes(text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    // Two bytes up to U+07FF, three above; a surrogate pair (two units) is four.
    if (unit >= 0x80) bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2
  }
  return bytes
}
