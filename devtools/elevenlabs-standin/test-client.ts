/**
 * Test fixtures for the stand-in's own tests: a minimal ElevenLabs client
 * (signed URL, socket, messages in arrival order) and synthetic user audio.
 */
import { WebSocket } from 'ws'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import type { AudioFormat } from './agent-config.ts'
import { encodeSamples, sampleRateOf } from './audio-codec.ts'

export type ServerMessage = { type: string } & Record<string, unknown>

export interface TestConversation {
  socket: WebSocket
  /** Every JSON message received so far, in order. */
  messages: ServerMessage[]
  /** Resolves with the first message of `type` received at or after message `from`. */
  next(type: string, from?: number): Promise<ServerMessage>
  send(message: unknown): void
  closed: Promise<{ code: number; reason: string }>
}

export async function signedUrl(baseUrl: string, agentId: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/convai/conversation/get-signed-url?agent_id=${agentId}`, {
    headers: { 'xi-api-key': TEST_CREDENTIALS.ELEVENLABS_API_KEY },
  })
  if (!res.ok) throw new Error(`get-signed-url: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { signed_url: string }).signed_url
}

/** Opens a conversation; the initiation is sent only when given. */
export async function openConversation(
  baseUrl: string,
  agentId: string,
  initiation?: Record<string, unknown>,
): Promise<TestConversation> {
  const socket = new WebSocket(await signedUrl(baseUrl, agentId))
  const messages: ServerMessage[] = []
  const waiters = new Set<() => void>()
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as ServerMessage)
    for (const wake of waiters) wake()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
      for (const wake of waiters) wake()
    })
  })
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  if (initiation)
    socket.send(JSON.stringify({ type: 'conversation_initiation_client_data', ...initiation }))
  const next = (type: string, from = 0) =>
    new Promise<ServerMessage>((resolve, reject) => {
      const check = () => {
        const found = messages.slice(from).find((message) => message.type === type)
        if (found) resolve(found)
        else if (socket.readyState === WebSocket.CLOSED) reject(new Error(`closed before ${type}`))
        else return
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })
  return { socket, messages, next, send: (message) => socket.send(JSON.stringify(message)), closed }
}

/** `ms` of a 300 Hz tone at -12 dBFS (speech, to the turn detector) or of silence. */
export function userAudio(format: AudioFormat, ms: number, loud: boolean): string {
  const rate = sampleRateOf(format)
  const samples = new Int16Array(Math.round((rate * ms) / 1000))
  if (loud) {
    for (let i = 0; i < samples.length; i++)
      samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / rate))
  }
  return Buffer.from(encodeSamples(samples, format)).toString('base64')
}

/** Sends audio in 20 ms chunks, as Twilio's cadence would give the bridge. */
export function sendSpeech(
  conversation: TestConversation,
  format: AudioFormat,
  pattern: [ms: number, loud: boolean][],
) {
  for (const [ms, loud] of pattern) {
    for (let sent = 0; sent < ms; sent += 20) {
      conversation.send({ user_audio_chunk: userAudio(format, 20, loud) })
    }
  }
}

let agentCount = 0
/** A fresh agent id per test, so parallel tests never share conversations. */
export const uniqueAgentId = (name: string): string =>
  `agent_${name}_${process.pid}_${++agentCount}`
