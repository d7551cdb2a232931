/**
 * One whole call, scripted against the real worker and both stand-ins: start a
 * conference for a test's own agent, answer the agent leg's TwiML as Twilio
 * would, and open its media stream. Tests then play Twilio (the socket) and
 * the agent (the ElevenLabs stand-in's control API).
 */
import { runDurableObjectAlarm } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { vi } from 'vitest'
import type { AgentConfigInput } from '../../devtools/elevenlabs-standin/agent-config.ts'
import { StandinControl } from '../../devtools/elevenlabs-standin/control.ts'
import { TwilioStandinControl } from '../../devtools/twilio-standin/control.ts'
import { encodeBase64 } from '../audio/base64.ts'
import { roomFor } from '../conference/conference-id.ts'
import type { RoomView } from '../conference/room-record.ts'
import app from '../index.ts'
import { accessProtocol } from '../routes/access-protocol.ts'
import { collect, eventually } from './eventually.ts'
import { hostJoins, twilioPost, twilioUpgrade } from './twilio-requests.ts'

export const elevenLabs = () => new StandinControl(env.ELEVENLABS_API_BASE ?? '')

/**
 * The agent's reply before it hangs up (its end_call tool comes after a turn): a normal close
 * with not a word said is taken for a refusal (bridge.ts, SILENT_REFUSAL_MS).
 */
export const saidGoodbye = (conversationId: string) =>
  elevenLabs().push(conversationId, {
    message: {
      type: 'agent_response',
      agent_response_event: { agent_response: 'Goodbye.', event_id: 1 },
    },
  })
export const twilio = () => new TwilioStandinControl(env.TWILIO_API_BASE ?? '')

export const STREAM_SID = `MZ${'5'.repeat(32)}`

/**
 * Runs a room's alarm as if `ms` had passed, and answers the room as the API shows it.
 * Only Date moves (the room runs in the tests' isolate); timers stay real.
 */
export async function alarmAfter(conferenceId: string, ms: number): Promise<RoomView> {
  vi.useFakeTimers({ toFake: ['Date'] })
  try {
    vi.setSystemTime(Date.now() + ms)
    await runDurableObjectAlarm(roomFor(env, conferenceId))
  } finally {
    vi.useRealTimers()
  }
  return (await api(`/api/twilio/conferences/${conferenceId}`)).json() as Promise<RoomView>
}

export async function api(path: string, init?: RequestInit & { json?: unknown }) {
  const { json, ...rest } = init ?? {}
  return exports.default.fetch(`http://localhost${path}`, {
    ...rest,
    ...(json !== undefined && {
      method: rest.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...(rest.headers as object) },
      body: JSON.stringify(json),
    }),
  })
}

/** A fresh agent id registered on the stand-in, quiet unless the test says otherwise. */
export async function registerAgent(config: Omit<AgentConfigInput, 'agentId'> = {}) {
  const agentId = `agent_${crypto.randomUUID().replaceAll('-', '')}`
  await elevenLabs().registerAgent({
    agentId,
    firstMessage: '',
    reply: 'none',
    pingIntervalMs: 60_000,
    ...config,
  })
  return agentId
}

export async function startConference(agentId: string) {
  const res = await api('/api/twilio/start-conference', { json: { agentId } })
  if (res.status !== 201)
    throw new Error(`start-conference answered ${res.status}: ${await res.text()}`)
  return ((await res.json()) as { conferenceId: string }).conferenceId
}

/**
 * The agent leg as Twilio runs it: the TwiML App's Voice URL request, then the stream's
 * TwiML. The first leg's unless `label` names another (a return of the agent's).
 */
export async function answerAgentLeg(conferenceId: string, label = 'agent') {
  const conference = await twilio().conference(conferenceId)
  const agent = conference?.participants.find((p) => p.label === label)
  if (!agent) throw new Error('the agent participant was not created on Twilio')
  const res = await twilioPost('/api/twilio/conference-elevenlabs', {
    CallSid: agent.callSid,
    From: agent.from,
    To: agent.to,
    ...agent.customParameters,
  })
  const twiml = await res.text()
  return { twiml, streamToken: streamTokenIn(twiml), callSid: agent.callSid }
}

/** The one-time token a `<Connect><Stream>` TwiML gives its stream, if it gives one. */
export const streamTokenIn = (twiml: string): string | undefined =>
  twiml.match(/name="streamToken" value="([^"]+)"/)?.[1]

/**
 * The worker with some settings changed, as `wrangler dev` would run it with another .dev.vars;
 * `path` may be a whole URL, for a request to another host than localhost.
 */
export const apiWith = (overrides: Partial<typeof env>, path: string, init?: RequestInit) =>
  app.fetch(new Request(new URL(path, 'http://localhost'), init), { ...env, ...overrides }, {
    waitUntil: () => {},
    passThroughOnException: () => {},
    props: {},
  } as unknown as ExecutionContext)

/** A WebSocket upgrade as the page sends one, the access key beside `bridge.v1` (routes/access.ts). */
export const pageUpgrade = (overrides: Partial<typeof env>, path: string, key: string) =>
  apiWith(overrides, path, {
    headers: {
      Upgrade: 'websocket',
      'Sec-WebSocket-Protocol': `bridge.v1, ${accessProtocol(key)}`,
    },
  })

/** Opens the agent's media stream and sends `connected` and `start`, like Twilio. */
export async function openStream(
  conferenceId: string,
  streamToken: string,
  callSid: string,
  streamSid = STREAM_SID,
) {
  const res = await twilioUpgrade(`/api/twilio/media-stream/${conferenceId}`)
  return playTwilio(res, { conferenceId, streamToken, callSid, streamSid })
}

/**
 * Plays Twilio's side of an accepted media-stream upgrade: `connected` and `start` at
 * once, then frames and the rest when the test says.
 */
export async function playTwilio(
  res: Response,
  {
    conferenceId,
    streamToken,
    callSid,
    streamSid = STREAM_SID,
  }: { conferenceId: string; streamToken: string; callSid: string; streamSid?: string },
) {
  const socket = res.webSocket
  if (!socket) throw new Error(`media stream upgrade answered ${res.status}: ${await res.text()}`)
  socket.accept()
  const received = collect(socket)
  socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }))
  socket.send(
    JSON.stringify({
      event: 'start',
      sequenceNumber: '1',
      streamSid,
      start: {
        streamSid,
        callSid,
        accountSid: env.TWILIO_ACCOUNT_SID,
        tracks: ['inbound'],
        customParameters: { conferenceId, role: 'agent', streamToken },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    }),
  )
  let timestamp = 0
  return {
    socket,
    ...received,
    /** Sends `count` 20 ms frames of mu-law `byte`, timestamps running on. */
    sendFrames(count: number, byte = 0x55) {
      for (let i = 0; i < count; i++) {
        const payload = encodeBase64(new Uint8Array(160).fill(byte))
        socket.send(
          JSON.stringify({
            event: 'media',
            streamSid,
            sequenceNumber: String(i + 2),
            media: {
              track: 'inbound',
              chunk: String(i + 1),
              timestamp: String(timestamp),
              payload,
            },
          }),
        )
        timestamp += 20
      }
    },
    ofEvent: (event: string) => received.messages.filter((m) => m.event === event),
  }
}

/** Everything up to a live agent conversation; returns the stream and the conversation. */
export async function liveCall(
  config: Omit<AgentConfigInput, 'agentId'> = {},
  /** The CallSid the stream's `start` carries: the agent participant's unless given. */
  { streamCallSid }: { streamCallSid?: string } = {},
) {
  const agentId = await registerAgent(config)
  const conferenceId = await startConference(agentId)
  const leg = await answerAgentLeg(conferenceId)
  if (!leg.streamToken) throw new Error(`no stream token in ${leg.twiml}`)
  await hostJoins(conferenceId)
  const stream = await openStream(conferenceId, leg.streamToken, streamCallSid ?? leg.callSid)
  const conversation = await eventually('the agent conversation to start', async () =>
    (await elevenLabs().conversations({ agentId })).find((c) => c.status === 'active'),
  )
  return { agentId, conferenceId, stream, conversation, agentCallSid: leg.callSid }
}
