import { describe, expect, it } from 'vitest'
import { newStreamSid, readServerCommand, TwilioMessages } from './messages.ts'

const identity = {
  streamSid: `MZ${'a'.repeat(32)}`,
  callSid: `CA${'b'.repeat(32)}`,
  accountSid: `AC${'c'.repeat(32)}`,
  customParameters: { conferenceId: 'conf-x', role: 'agent', streamToken: 't' },
}

describe('TwilioMessages', () => {
  it('writes connected, start, media, mark and stop with counters as strings', () => {
    const messages = new TwilioMessages(identity)
    const sent = [
      messages.connected(),
      messages.start(),
      messages.media('AAAA'),
      messages.media('BBBB'),
      messages.mark('m1'),
      messages.stop(),
    ].map((text) => JSON.parse(text))
    expect(sent[0]).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' })
    expect(sent[1]).toEqual({
      event: 'start',
      sequenceNumber: '1',
      start: {
        accountSid: identity.accountSid,
        streamSid: identity.streamSid,
        callSid: identity.callSid,
        tracks: ['inbound'],
        customParameters: identity.customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: identity.streamSid,
    })
    expect(sent[3]).toEqual({
      event: 'media',
      sequenceNumber: '3',
      media: { track: 'inbound', chunk: '2', timestamp: '20', payload: 'BBBB' },
      streamSid: identity.streamSid,
    })
    expect(sent[4]).toMatchObject({ event: 'mark', sequenceNumber: '4', mark: { name: 'm1' } })
    expect(sent[5]).toMatchObject({
      event: 'stop',
      sequenceNumber: '5',
      stop: { callSid: identity.callSid },
    })
  })

  it('makes stream SIDs of MZ and 32 hex digits', () => {
    expect(newStreamSid()).toMatch(/^MZ[0-9a-f]{32}$/)
  })
})

describe('readServerCommand', () => {
  const sid = identity.streamSid
  const read = (message: unknown) => readServerCommand(JSON.stringify(message), sid)

  it('reads media with its decoded size, marks and clear', () => {
    expect(read({ event: 'media', streamSid: sid, media: { payload: 'AAAAAA==' } })).toEqual({
      event: 'media',
      payload: 'AAAAAA==',
      bytes: 4,
    })
    expect(read({ event: 'mark', streamSid: sid, mark: { name: 'x' } })).toEqual({
      event: 'mark',
      name: 'x',
    })
    expect(read({ event: 'clear', streamSid: sid })).toEqual({ event: 'clear' })
  })

  it('rejects what Twilio rejects: not JSON, another stream, unknown events, bad payloads', () => {
    const reasons = [
      readServerCommand('hello', sid),
      read({ event: 'clear', streamSid: 'MZother' }),
      read({ event: 'transcript', streamSid: sid }),
      read({ event: 'media', streamSid: sid, media: { payload: 'not base64!' } }),
      read({ event: 'mark', streamSid: sid, mark: {} }),
    ].map((command) => command.event)
    expect(reasons).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'invalid'])
  })
})
