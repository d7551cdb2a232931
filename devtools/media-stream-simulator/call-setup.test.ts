import { describe, expect, it } from 'vitest'
import { connectStreamTwiml } from '../../worker/twilio/twiml.ts'
import { readStreamTwiml } from './call-setup.ts'

describe('readStreamTwiml', () => {
  it("reads the stream's path and parameters from the worker's own TwiML", () => {
    const twiml = connectStreamTwiml({
      url: 'wss://bridge.example.test/api/twilio/media-stream/conf-abc',
      statusCallback: 'https://bridge.example.test/api/twilio/status/stream?conferenceId=conf-abc',
      parameters: { conferenceId: 'conf-abc', role: 'agent', streamToken: 'a&b"c' },
    })
    expect(readStreamTwiml(twiml)).toEqual({
      streamPath: '/api/twilio/media-stream/conf-abc',
      customParameters: { conferenceId: 'conf-abc', role: 'agent', streamToken: 'a&b"c' },
    })
  })

  it('says what it got when the TwiML has no stream', () => {
    expect(() => readStreamTwiml('<Response><Hangup/></Response>')).toThrow(/no <Stream url>/)
  })
})
