import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type WebSocket, WebSocketServer } from 'ws'
import { silentPayloads } from './framing.ts'
import { newStreamSid } from './messages.ts'
import { MediaStreamSimulator } from './simulator.ts'

/** A server side that records what the simulator sends, for one connection at a time. */
interface ServerSide {
  socket: WebSocket
  request: IncomingMessage
  messages: Record<string, unknown>[]
  next(event: string, from?: number): Promise<Record<string, unknown>>
}

let server: WebSocketServer
let url: string
const connections: ServerSide[] = []

beforeAll(async () => {
  server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    perMessageDeflate: true,
    verifyClient: ({ req }, accept) =>
      req.headers['x-twilio-signature'] ? accept(true) : accept(false, 403, 'not signed'),
  })
  await new Promise((resolve) => server.once('listening', resolve))
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/twilio/media-stream/conf-x`
  server.on('connection', (socket, request) => {
    const messages: Record<string, unknown>[] = []
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())))
    const next = async (event: string, from = 0) => {
      for (;;) {
        const found = messages.slice(from).find((message) => message.event === event)
        if (found) return found
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
    connections.push({ socket, request, messages, next })
  })
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

async function connect() {
  const streamSid = newStreamSid()
  const simulator = await MediaStreamSimulator.connect({
    url,
    headers: { 'x-twilio-signature': 'signed' },
    streamSid,
    callSid: `CA${'1'.repeat(32)}`,
    accountSid: `AC${'2'.repeat(32)}`,
    customParameters: { role: 'agent' },
  })
  for (;;) {
    const side = connections.at(-1)
    if (side && side.messages.length >= 2) return { simulator, side, streamSid }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const send = (side: ServerSide, message: Record<string, unknown>) =>
  side.socket.send(JSON.stringify(message))

describe('MediaStreamSimulator', () => {
  it('opens the signed upgrade without permessage-deflate, then sends connected and start', async () => {
    const { simulator, side, streamSid } = await connect()
    expect(side.request.headers['x-twilio-signature']).toBe('signed')
    expect(side.request.headers['sec-websocket-extensions']).toBeUndefined()
    expect(side.messages.map((m) => m.event)).toEqual(['connected', 'start'])
    expect(side.messages[1]).toMatchObject({
      streamSid,
      start: { customParameters: { role: 'agent' } },
    })
    await simulator.stop()
  })

  it('sends every frame, in order, numbered as Twilio numbers them', async () => {
    const { simulator, side } = await connect()
    const payloads = silentPayloads(3)
    await simulator.play(payloads)
    await side.next('media', 4)
    const media = side.messages.filter((m) => m.event === 'media')
    expect(media.map((m) => (m.media as { chunk: string }).chunk)).toEqual(['1', '2', '3'])
    expect(media.map((m) => (m.media as { payload: string }).payload)).toEqual(payloads)
    expect(simulator.sentAt).toHaveLength(3)
    await simulator.stop()
  })

  it("stamps frames with the stream's clock, so a pause between plays shows as a gap", async () => {
    const { simulator, side } = await connect()
    await simulator.play(silentPayloads(2))
    await new Promise((resolve) => setTimeout(resolve, 200))
    await simulator.play(silentPayloads(1))
    await side.next('media', 4)
    const [first = 0, second = 0, third = 0] = side.messages
      .filter((m) => m.event === 'media')
      .map((m) => Number((m.media as { timestamp: string }).timestamp))
    expect(second - first).toBe(20)
    expect(third - second).toBeGreaterThanOrEqual(200)
    await simulator.stop()
  })

  it('starts a play right after another where the last frame ends, not on top of it', async () => {
    const { simulator, side } = await connect()
    await simulator.play(silentPayloads(2))
    await simulator.play(silentPayloads(2))
    await side.next('media', 5)
    const stamps = side.messages
      .filter((m) => m.event === 'media')
      .map((m) => Number((m.media as { timestamp: string }).timestamp))
    const gaps = stamps.slice(1).map((stamp, i) => stamp - (stamps[i] ?? 0))
    expect(gaps).toHaveLength(3)
    // Within a play, 20 ms apart; between the two, at least the last frame's 20 ms (more
    // only when the machine fired the first play's last timer late).
    expect([gaps[0], gaps[2]]).toEqual([20, 20])
    expect(gaps[1]).toBeGreaterThanOrEqual(20)
    await simulator.stop()
  })

  it('echoes a mark at once when nothing is playing, and queued marks only when cleared', async () => {
    const { simulator, side, streamSid } = await connect()
    send(side, { event: 'mark', streamSid, mark: { name: 'idle' } })
    expect(await side.next('mark')).toMatchObject({ streamSid, mark: { name: 'idle' } })
    const minute = Buffer.alloc(60 * 8000, 0xff).toString('base64')
    send(side, { event: 'media', streamSid, media: { payload: minute } })
    send(side, { event: 'mark', streamSid, mark: { name: 'after-a-minute' } })
    await simulator.next((command) => command.event === 'mark')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(side.messages.filter((m) => m.event === 'mark')).toHaveLength(1)
    send(side, { event: 'clear', streamSid })
    expect(await side.next('mark', 3)).toMatchObject({ mark: { name: 'after-a-minute' } })
    expect(simulator.playback.clearedMs).toBeGreaterThan(59_000)
    await simulator.stop()
  })

  it('records what Twilio would reject: binary frames and messages for another stream', async () => {
    const { simulator, side } = await connect()
    side.socket.send(Buffer.from([1, 2, 3]))
    send(side, { event: 'clear', streamSid: 'MZsomeoneelse' })
    for (;;) {
      if (simulator.violations.length === 2) break
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(simulator.violations[0]).toMatch(/binary frame.*31950/)
    expect(simulator.violations[1]).toMatch(/wrong streamSid.*31951/)
    await simulator.stop()
  })

  it('ends with stop and a normal close', async () => {
    const { simulator, side } = await connect()
    const closed = new Promise((resolve) => side.socket.once('close', resolve))
    await simulator.stop()
    expect(await closed).toBe(1000)
    expect(side.messages.at(-1)).toMatchObject({ event: 'stop', sequenceNumber: '2' })
  })

  it('says how the upgrade was refused', async () => {
    await expect(
      MediaStreamSimulator.connect({
        url,
        streamSid: newStreamSid(),
        callSid: 'CA1',
        accountSid: 'AC1',
        customParameters: {},
      }),
    ).rejects.toThrow(/answered 403: not signed/)
  })
})
