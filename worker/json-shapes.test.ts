import { describe, expect, it } from 'vitest'
import { agentMessageShapes, parseAgentEvent } from './elevenlabs/agent-events.ts'
import { ShapeKeeper } from './json-shapes.ts'
import { parseStreamMessage, streamMessageShapes } from './twilio/media-stream.ts'

const twilioMedia = (payload: string) => ({
  event: 'media',
  sequenceNumber: '3',
  media: { track: 'inbound', chunk: '2', timestamp: '40', payload },
  streamSid: 'MZ1',
})

describe('ShapeKeeper', () => {
  it('keeps the latest message of each kind, each apart', () => {
    const shapes = new ShapeKeeper<'a' | 'b'>()
    const [a1, a2, b1] = [{ n: 1 }, { n: 2 }, { m: 1 }]
    shapes.keep('a', a1)
    shapes.keep('b', b1)
    shapes.keep('a', a2)
    expect(shapes.kept('a')).toBe(a2)
    expect(shapes.kept('b')).toBe(b1)
  })
})

describe("the parsers keep the latest message of each kind they read, as JSON.parse made it (its map's only holder between messages)", () => {
  it('Twilio media, its nested media object included', () => {
    const data = JSON.stringify(twilioMedia('AAAA'))
    parseStreamMessage(data)
    expect(streamMessageShapes.kept('media')).toEqual(JSON.parse(data))
  })

  it("Twilio's echo of a mark", () => {
    const echo = { event: 'mark', sequenceNumber: '9', streamSid: 'MZ1', mark: { name: '0.1' } }
    parseStreamMessage(JSON.stringify(echo))
    expect(streamMessageShapes.kept('mark')).toEqual(echo)
  })

  it("Twilio's start, which comes once a call", () => {
    const start = {
      event: 'start',
      sequenceNumber: '1',
      start: { streamSid: 'MZ1', callSid: 'CA1', customParameters: { streamToken: 't' } },
      streamSid: 'MZ1',
    }
    parseStreamMessage(JSON.stringify(start))
    expect(streamMessageShapes.kept('start')).toEqual(start)
  })

  it('not a malformed message: its shape is not the one that comes all call long', () => {
    parseStreamMessage(JSON.stringify(twilioMedia('BBBB')))
    parseStreamMessage(
      JSON.stringify({ event: 'media', media: { track: 'inbound' }, streamSid: 'MZ1' }),
    )
    expect(streamMessageShapes.kept('media')).toEqual(twilioMedia('BBBB'))
  })

  it("the agent's audio and pings, each kind apart", () => {
    const audio = { type: 'audio', audio_event: { audio_base_64: 'AAAA', event_id: 4 } }
    const ping = { type: 'ping', ping_event: { event_id: 5, ping_ms: null } }
    parseAgentEvent(JSON.stringify(audio))
    parseAgentEvent(JSON.stringify(ping))
    expect(agentMessageShapes.kept('audio')).toEqual(audio)
    expect(agentMessageShapes.kept('ping')).toEqual(ping)
  })

  it('not an agent message without its required fields', () => {
    const audio = { type: 'audio', audio_event: { audio_base_64: 'CCCC', event_id: 6 } }
    parseAgentEvent(JSON.stringify(audio))
    parseAgentEvent(JSON.stringify({ type: 'audio', audio_event: { event_id: 7 } }))
    expect(agentMessageShapes.kept('audio')).toEqual(audio)
  })
})
