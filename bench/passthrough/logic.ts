/**
 * The logic benchmark's loop, run inside workerd by the floor's worker
 * (`GET /bench/logic?case=…&frames=…`): the JavaScript each worker runs for
 * a call's messages, without sockets. The floor is its `Relay`; ours is what
 * the ConferenceRoom does for each socket message (parse, `MediaBridge.handle`,
 * then one send per action). Both get the same script, the bridge benchmark's
 * load for one call: 20 ms Twilio frames, a 100 ms agent `audio` event every
 * fifth frame while the agent speaks (2 s replies every 4 s, as
 * bridge-conversation.ts sends them), a ping every 3 s; ours also gets
 * Twilio's echo of each mark it sends.
 *
 * workerd's clocks stand still while JavaScript runs, so the caller times each
 * request from outside (bench/bridge-logic.ts).
 */
import { encodeBase64 } from '../../worker/audio/base64.ts'
import { encodeMulaw } from '../../worker/audio/mulaw.ts'
import { MediaBridge } from '../../worker/conference/bridge.ts'
import type { BridgeAction } from '../../worker/conference/bridge-types.ts'
import { parseAgentEvent } from '../../worker/elevenlabs/agent-events.ts'
import { conversationInitiation } from '../../worker/elevenlabs/client-messages.ts'
import { parseStreamMessage } from '../../worker/twilio/media-stream.ts'
import { Relay } from './relay-room.ts'

export const LOGIC_CASES = ['floor', 'floor+convert', 'ours(ulaw)', 'ours'] as const
export type LogicCase = (typeof LOGIC_CASES)[number]

const STREAM_SID = 'MZ0123456789abcdef0123456789abcdef'
const FRAME_MS = 20
const SCRIPT_FRAMES = 1000
const REPLY_EVERY_FRAMES = 200
const REPLY_FRAMES = 100
const PING_EVERY_FRAMES = 150

export interface LogicResult {
  frames: number
  agentEvents: number
  /** Messages each side was sent: the same for every case but for ours' marks. */
  sentToAgent: number
  sentToTwilio: number
}

/** A tone sweeping through the voice band: the converters' cost does not depend on the sound. */
function phoneAudio(samples: number, rate: number, start: number): Int16Array {
  const out = new Int16Array(samples)
  for (let i = 0; i < samples; i++) {
    const t = (start + i) / rate
    out[i] = Math.round(8000 * Math.sin(2 * Math.PI * (300 + 100 * (t % 30)) * t))
  }
  return out
}

const mulawBase64 = (samples: Int16Array) =>
  encodeBase64(encodeMulaw(samples, new Uint8Array(samples.length)))
const pcmBase64 = (samples: Int16Array) =>
  encodeBase64(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength))

interface Script {
  twilio: string[]
  /** Agent messages to deliver after Twilio frame i, keyed by i. */
  agent: Map<number, string[]>
}

function buildScript(agentFormat: 'ulaw_8000' | 'pcm_16000'): Script {
  const twilio: string[] = []
  const agent = new Map<number, string[]>()
  let eventId = 0
  let pingId = 0
  for (let i = 0; i < SCRIPT_FRAMES; i++) {
    const payload = mulawBase64(phoneAudio(160, 8000, i * 160))
    twilio.push(
      JSON.stringify({
        event: 'media',
        sequenceNumber: String(i + 2),
        media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * FRAME_MS), payload },
        streamSid: STREAM_SID,
      }),
    )
    const messages: string[] = []
    const inReply = i % REPLY_EVERY_FRAMES
    if (inReply === 0) eventId++
    if (inReply < REPLY_FRAMES && inReply % 5 === 0) {
      const audio =
        agentFormat === 'ulaw_8000'
          ? mulawBase64(phoneAudio(800, 8000, i * 160))
          : pcmBase64(phoneAudio(1600, 16000, i * 320))
      messages.push(
        JSON.stringify({
          type: 'audio',
          audio_event: { audio_base_64: audio, event_id: eventId },
        }),
      )
    }
    if (i % PING_EVERY_FRAMES === 0) {
      messages.push(JSON.stringify({ type: 'ping', ping_event: { event_id: ++pingId } }))
    }
    if (messages.length > 0) agent.set(i, messages)
  }
  return { twilio, agent }
}

const scripts = new Map<string, Script>()
const scriptFor = (format: 'ulaw_8000' | 'pcm_16000') => {
  let script = scripts.get(format)
  if (!script) {
    script = buildScript(format)
    scripts.set(format, script)
  }
  return script
}

/** Runs `frames` Twilio frames (and the agent messages between them) through one case. */
export function runLogic(which: LogicCase, frames: number): LogicResult {
  const counts: LogicResult = { frames: 0, agentEvents: 0, sentToAgent: 0, sentToTwilio: 0 }
  const script = scriptFor(which === 'floor' || which === 'ours(ulaw)' ? 'ulaw_8000' : 'pcm_16000')
  const feeder = which.startsWith('floor') ? floorFeeder(which, counts) : oursFeeder(which, counts)
  for (let n = 0; n < frames; n++) {
    const i = n % SCRIPT_FRAMES
    feeder.twilio(script.twilio[i] ?? '', n * FRAME_MS)
    counts.frames++
    for (const message of script.agent.get(i) ?? []) {
      feeder.agent(message, n * FRAME_MS)
      counts.agentEvents++
    }
  }
  return counts
}

interface Feeder {
  twilio(data: string, now: number): void
  agent(data: string, now: number): void
}

function floorFeeder(which: LogicCase, counts: LogicResult): Feeder {
  const relay = new Relay(
    {
      toAgent: () => {
        counts.sentToAgent++
      },
      toTwilio: () => {
        counts.sentToTwilio++
      },
    },
    STREAM_SID,
    which === 'floor+convert' ? 'convert' : 'relay',
  )
  return {
    // RelayRoom.webSocketMessage for a media frame.
    twilio(data) {
      const message = JSON.parse(data)
      if (message.event === 'media') relay.toAgent(message.media.payload)
    },
    agent: (data) => relay.fromAgent(data),
  }
}

function oursFeeder(which: LogicCase, counts: LogicResult): Feeder {
  const format = which === 'ours(ulaw)' ? 'ulaw_8000' : 'pcm_16000'
  const bridge = new MediaBridge({
    initiation: conversationInitiation(),
    humanWaitMs: 0,
  })
  const echoes: string[] = []
  // ConferenceRoom.#perform for what the bridge asks during a call.
  const perform = (actions: readonly BridgeAction[]) => {
    for (const action of actions) {
      switch (action.type) {
        case 'agent_send':
          counts.sentToAgent++
          break
        case 'twilio_send':
          counts.sentToTwilio++
          // Twilio echoes each mark once its audio has played: here, at once.
          if (action.data.startsWith('{"event":"mark"')) echoes.push(action.data)
          break
      }
    }
  }
  perform(
    bridge.handle(
      {
        type: 'twilio',
        message: parseStreamMessage(
          JSON.stringify({
            event: 'start',
            streamSid: STREAM_SID,
            start: { streamSid: STREAM_SID, callSid: 'CA0', customParameters: {} },
          }),
        ),
      },
      0,
    ),
  )
  perform(bridge.handle({ type: 'agent_opened', attempt: 1 }, 0))
  const metadata = JSON.stringify({
    type: 'conversation_initiation_metadata',
    conversation_initiation_metadata_event: {
      conversation_id: 'conv_bench',
      user_input_audio_format: format,
      agent_output_audio_format: format,
    },
  })
  perform(bridge.handle({ type: 'agent_event', attempt: 1, event: parseAgentEvent(metadata) }, 0))
  return {
    twilio(data, now) {
      perform(bridge.handle({ type: 'twilio', message: parseStreamMessage(data) }, now))
      for (const echo of echoes.splice(0)) {
        perform(bridge.handle({ type: 'twilio', message: parseStreamMessage(echo) }, now))
      }
    },
    agent(data, now) {
      perform(bridge.handle({ type: 'agent_event', attempt: 1, event: parseAgentEvent(data) }, now))
    },
  }
}
