import { describe, expect, it } from 'vitest'
import {
  type ConferenceLeg,
  connectStreamTwiml,
  escapeXml,
  hangUpTwiml,
  joinConferenceTwiml,
  MAX_STREAM_PARAMETER_LENGTH,
  sayAndHangUpTwiml,
} from './twiml.ts'

const STREAM_URL = 'wss://bridge.example.test/api/twilio/media-stream/conf-1'

const browserLeg = (overrides: Partial<ConferenceLeg> = {}): ConferenceLeg => ({
  conferenceName: 'conf-1',
  participantLabel: 'web_alice',
  statusCallback: 'https://bridge.example.test/api/twilio/status/conference',
  beep: false,
  startConferenceOnEnter: true,
  endConferenceOnExit: true,
  waitUrl: '',
  ...overrides,
})

describe('joinConferenceTwiml', () => {
  it('dials the named conference with every callback event the room tracks', () => {
    expect(joinConferenceTwiml(browserLeg({ jitterBufferSize: 'small' }))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Conference participantLabel="web_alice" beep="false" startConferenceOnEnter="true" endConferenceOnExit="true" waitUrl="" statusCallback="https://bridge.example.test/api/twilio/status/conference" statusCallbackMethod="POST" statusCallbackEvent="start end join leave mute hold speaker" jitterBufferSize="small">conf-1</Conference></Dial></Response>',
    )
  })

  it('keeps an empty waitUrl, which means silence instead of hold music', () => {
    expect(joinConferenceTwiml(browserLeg())).toContain(' waitUrl=""')
  })

  it('leaves jitterBufferSize out unless it is given', () => {
    expect(joinConferenceTwiml(browserLeg())).not.toContain('jitterBufferSize')
  })

  it('escapes the conference name and the callback URL query', () => {
    const twiml = joinConferenceTwiml(
      browserLeg({
        conferenceName: `A&B <"it's">`,
        statusCallback: 'https://bridge.example.test/status?a=1&b=2',
      }),
    )
    expect(twiml).toContain('>A&amp;B &lt;&quot;it&apos;s&quot;&gt;</Conference>')
    expect(twiml).toContain('statusCallback="https://bridge.example.test/status?a=1&amp;b=2"')
  })

  it('refuses a conference without a name', () => {
    expect(() => joinConferenceTwiml(browserLeg({ conferenceName: '' }))).toThrow(/name/)
  })
})

describe('connectStreamTwiml', () => {
  it('connects a stream with a status callback and its parameters in order', () => {
    expect(
      connectStreamTwiml({
        url: STREAM_URL,
        statusCallback: 'https://bridge.example.test/api/twilio/status/stream',
        parameters: { conferenceId: 'conf-1', role: 'agent' },
      }),
    ).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${STREAM_URL}" statusCallback="https://bridge.example.test/api/twilio/status/stream" statusCallbackMethod="POST"><Parameter name="conferenceId" value="conf-1"/><Parameter name="role" value="agent"/></Stream></Connect></Response>`,
    )
  })

  it('asks an action URL what next once the stream ends, escaped', () => {
    const action =
      'https://bridge.example.test/api/twilio/conference-elevenlabs/stream-ended?conferenceId=conf-1&x=y'
    expect(connectStreamTwiml({ url: STREAM_URL, action })).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Connect action="${action.replace('&', '&amp;')}" method="POST"><Stream url="${STREAM_URL}"/></Connect></Response>`,
    )
    expect(hangUpTwiml()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>',
    )
  })

  it('writes a bare stream when there is no callback and no parameter', () => {
    expect(connectStreamTwiml({ url: STREAM_URL })).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${STREAM_URL}"/></Connect></Response>`,
    )
  })

  it.each([`${STREAM_URL}?conferenceId=conf-1`, `${STREAM_URL}?`])(
    'refuses a stream URL with a query string (%s), which Twilio would drop',
    (url) => {
      expect(() => connectStreamTwiml({ url })).toThrow(/query string/)
    },
  )

  it.each(['https://bridge.example.test/x', 'ws://bridge.example.test/x'])(
    'refuses %s: Twilio only opens wss:// streams',
    (url) => {
      expect(() => connectStreamTwiml({ url })).toThrow(/wss:\/\//)
    },
  )

  it('accepts a parameter just under the length limit and refuses one at it', () => {
    const name = 'note'
    const fits = 'x'.repeat(MAX_STREAM_PARAMETER_LENGTH - name.length - 1)
    expect(connectStreamTwiml({ url: STREAM_URL, parameters: { [name]: fits } })).toContain(fits)
    expect(() =>
      connectStreamTwiml({ url: STREAM_URL, parameters: { [name]: `${fits}x` } }),
    ).toThrow(/under 500 characters/)
  })

  it('refuses a parameter without a name', () => {
    expect(() => connectStreamTwiml({ url: STREAM_URL, parameters: { '': 'x' } })).toThrow(/name/)
  })
})

describe('sayAndHangUpTwiml', () => {
  it('says the message, then hangs up', () => {
    expect(sayAndHangUpTwiml('The conference has ended.')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>The conference has ended.</Say><Hangup/></Response>',
    )
  })

  it('refuses an empty message', () => {
    expect(() => sayAndHangUpTwiml('  ')).toThrow(RangeError)
  })
})

describe('escapeXml', () => {
  it('escapes the five markup characters', () => {
    expect(escapeXml(`& < > " '`)).toBe('&amp; &lt; &gt; &quot; &apos;')
  })

  it('keeps unicode, including characters outside the BMP', () => {
    expect(escapeXml('Zoë 東京 👋🏽')).toBe('Zoë 東京 👋🏽')
  })

  it('writes tabs and line breaks as references so parsers do not fold them', () => {
    expect(escapeXml('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d')
  })

  it('drops characters XML 1.0 cannot carry', () => {
    expect(escapeXml('a\u0000b\u0007c\u001fd\ud800e\uffffz')).toBe('abcdez')
  })
})
