/**
 * Oracle: the `twilio` package's VoiceResponse (xmlbuilder, Node only). Both outputs are
 * parsed and compared as trees, so attribute order and escaping style do not matter.
 */
import twilio from 'twilio'
import { describe, expect, it } from 'vitest'
import {
  CONFERENCE_STATUS_EVENTS,
  type ConferenceLeg,
  connectStreamTwiml,
  joinConferenceTwiml,
  sayAndHangUpTwiml,
} from './twiml.ts'

interface XmlElement {
  name: string
  attributes: Record<string, string>
  children: Array<XmlElement | string>
}

const decodeEntities = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_all, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) {
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16))
    }
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)))
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity] ?? ''
  })

/** Just enough XML for TwiML: a declaration, elements, attributes, text and entities. */
function parseXml(xml: string): XmlElement {
  const source = xml.replace(/\r\n?/g, '\n').replace(/^<\?xml[^?]*\?>\s*/, '')
  const root: XmlElement = { name: '#document', attributes: {}, children: [] }
  const open: XmlElement[] = [root]
  const tokens =
    /<\/([\w:]+)\s*>|<([\w:]+)((?:\s+[\w:]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g
  for (const [token, closing, name, attributeText, selfClosing, text] of source.matchAll(tokens)) {
    const parent = open.at(-1)
    if (!parent) throw new Error(`unbalanced XML at ${token}`)
    if (text !== undefined) parent.children.push(decodeEntities(text))
    else if (closing !== undefined) {
      if (open.pop()?.name !== closing) throw new Error(`mismatched </${closing}>`)
    } else if (name !== undefined) {
      const element: XmlElement = { name, attributes: {}, children: [] }
      for (const [, key = '', quoted = ''] of (attributeText ?? '').matchAll(
        /([\w:]+)\s*=\s*("[^"]*"|'[^']*')/g,
      )) {
        element.attributes[key] = decodeEntities(quoted.slice(1, -1).replace(/[\t\n\r]/g, ' '))
      }
      parent.children.push(element)
      if (selfClosing !== '/') open.push(element)
    }
  }
  if (open.length !== 1) throw new Error('unclosed element')
  const [document] = root.children
  if (typeof document !== 'object') throw new Error('no root element')
  return document
}

const TRICKY = [
  'conf-1',
  'Tom & Jerry <3 "quotes" \'apostrophes\'',
  'Zoë, Łukasz, 東京, مرحبا, 👋🏽',
  'line one\nline two\ttabbed',
  '&amp; already escaped',
  ']]> <![CDATA[ x ]]>',
]

function theirConference(leg: ConferenceLeg): string {
  const response = new twilio.twiml.VoiceResponse()
  response.dial().conference(
    {
      participantLabel: leg.participantLabel,
      beep: String(leg.beep) as 'true',
      startConferenceOnEnter: leg.startConferenceOnEnter,
      endConferenceOnExit: leg.endConferenceOnExit,
      waitUrl: leg.waitUrl,
      statusCallback: leg.statusCallback,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: [...CONFERENCE_STATUS_EVENTS],
      ...(leg.jitterBufferSize && { jitterBufferSize: leg.jitterBufferSize }),
    },
    leg.conferenceName,
  )
  return response.toString()
}

describe('TwiML against twilio.twiml.VoiceResponse', () => {
  it.each(TRICKY)('joins the same conference as twilio for %j', (text) => {
    const leg: ConferenceLeg = {
      conferenceName: text,
      participantLabel: `web ${text}`,
      statusCallback: `https://bridge.example.test/api/twilio/status/conference?c=${encodeURIComponent(text)}&x=1`,
      beep: 'onEnter',
      startConferenceOnEnter: true,
      endConferenceOnExit: false,
      waitUrl: '',
      jitterBufferSize: 'small',
    }
    expect(parseXml(joinConferenceTwiml(leg))).toEqual(parseXml(theirConference(leg)))
  })

  it('writes booleans and leaves out an unset jitter buffer like twilio', () => {
    const leg: ConferenceLeg = {
      conferenceName: 'conf-2',
      participantLabel: 'phone',
      statusCallback: 'https://bridge.example.test/status',
      beep: false,
      startConferenceOnEnter: false,
      endConferenceOnExit: true,
      waitUrl: 'https://bridge.example.test/hold.xml',
    }
    expect(parseXml(joinConferenceTwiml(leg))).toEqual(parseXml(theirConference(leg)))
  })

  it.each(TRICKY)('connects the same stream with parameters as twilio for %j', (text) => {
    const stream = {
      url: 'wss://bridge.example.test/api/twilio/media-stream/conf-1',
      statusCallback: 'https://bridge.example.test/api/twilio/status/stream?a=1&b=2',
      parameters: { conferenceId: 'conf-1', role: 'agent', note: text },
    }
    const response = new twilio.twiml.VoiceResponse()
    const theirs = response.connect().stream({
      url: stream.url,
      statusCallback: stream.statusCallback,
      statusCallbackMethod: 'POST',
    })
    for (const [name, value] of Object.entries(stream.parameters)) theirs.parameter({ name, value })
    expect(parseXml(connectStreamTwiml(stream))).toEqual(parseXml(response.toString()))
  })

  it.each(TRICKY)('says and hangs up like twilio for %j', (text) => {
    const response = new twilio.twiml.VoiceResponse()
    response.say(text)
    response.hangup()
    expect(parseXml(sayAndHangUpTwiml(text))).toEqual(parseXml(response.toString()))
  })

  it('starts with the same XML declaration as twilio', () => {
    const declaration = /^<\?xml[^?]*\?>/
    expect(sayAndHangUpTwiml('bye').match(declaration)?.[0]).toBe(
      new twilio.twiml.VoiceResponse().toString().match(declaration)?.[0],
    )
  })
})
