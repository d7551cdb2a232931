/**
 * What the stand-in reads of the TwiML a Voice URL answers: a `<Dial><Conference>` and its
 * attributes (https://www.twilio.com/docs/voice/twiml/conference), with Twilio's defaults.
 * Anything else (`<Say>`, `<Hangup/>`) ends the call, which is all the stand-in needs.
 */
import type { Subscription } from './resources.ts'
import { conferenceSubscription } from './status-callbacks.ts'

export interface DialledConference {
  /** The conference's friendly name: the element's text. */
  name: string
  participantLabel: string | null
  muted: boolean
  startConferenceOnEnter: boolean
  endConferenceOnExit: boolean
  /** Where its conference events go, read as a participant create's fields would be. */
  statusCallback: Subscription | null
}

const XML_ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&apos;': "'",
}

/** Undoes the five XML entities TwiML builders write. */
export const unescapeXml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos);/g, (entity) => XML_ENTITIES[entity] ?? entity)

/** The `<Conference>` inside a `<Dial>` of `twiml`, or undefined when there is none. */
export function dialledConference(twiml: string): DialledConference | undefined {
  const dial = /<Dial\b[^>]*>([\s\S]*?)<\/Dial>/.exec(twiml)?.[1]
  const conference = dial && /<Conference\b([^>]*)>([^<]*)<\/Conference>/.exec(dial)
  if (!conference) return undefined
  const attributes = new Map<string, string>()
  for (const [, name = '', value = ''] of (conference[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)) {
    attributes.set(name, unescapeXml(value))
  }
  const flag = (name: string, fallback: boolean) =>
    attributes.has(name) ? attributes.get(name) === 'true' : fallback
  const statusCallback: Record<string, string[]> = {}
  for (const [attribute, field] of [
    ['statusCallback', 'ConferenceStatusCallback'],
    ['statusCallbackMethod', 'ConferenceStatusCallbackMethod'],
    ['statusCallbackEvent', 'ConferenceStatusCallbackEvent'],
  ] as const) {
    const value = attributes.get(attribute)
    if (value !== undefined) statusCallback[field] = [value]
  }
  return {
    name: unescapeXml(conference[2] ?? '').trim(),
    participantLabel: attributes.get('participantLabel') ?? null,
    muted: flag('muted', false),
    startConferenceOnEnter: flag('startConferenceOnEnter', true),
    endConferenceOnExit: flag('endConferenceOnExit', false),
    statusCallback: conferenceSubscription(statusCallback),
  }
}
