/**
 * The two workers the bridge benchmark compares, each under its own
 * `wrangler dev` (only one carries load at a time, so each runtime's CPU is
 * its own): ours,
 * set up call by call as Twilio would (start-conference, the agent leg's
 * TwiML, a person joining, the signed stream), with pcm_16000 agents; and the
 * pass-through floor (bench/passthrough/), streams opened straight away with
 * ulaw_8000 agents, or pcm_16000 for its converting variants. Our worker can
 * also be given ulaw_8000 agents, which it passes through without converting.
 */
import {
  openAgentStream,
  startAgentCall,
  type WorkerUnderTest,
} from '../devtools/media-stream-simulator/call-setup.ts'
import { newStreamSid } from '../devtools/media-stream-simulator/messages.ts'
import { MediaStreamSimulator } from '../devtools/media-stream-simulator/simulator.ts'
import { upgradeHeaders } from '../devtools/media-stream-simulator/twilio-requests.ts'
import {
  type RunningWorker,
  startWranglerDev,
  type WranglerDevOptions,
} from '../test/e2e/wrangler-dev.ts'
import { TEST_CREDENTIALS } from '../test/test-env.ts'
import type { BridgeTarget } from './bridge-load.ts'

/** What the floor adds of our bridge (relay-room.ts). */
export type FloorVariant =
  | 'relay'
  | 'repack'
  | 'convert'
  | 'marks'
  | 'convert+marks'
  | 'batch2'
  | `spin${number}`
  | `alloc${number}`
  | `retain${number}`

/** A floor variant's name, as --calibrate-with takes it. */
export const isFloorVariant = (name: string): name is FloorVariant =>
  /^(relay|repack|convert|marks|convert\+marks|batch2|spin\d+|alloc\d+|retain\d+)$/.test(name)

/** Our worker with ulaw_8000 agents: the bridge's logic without the conversion. */
export type OurVariant = 'pcm' | 'ulaw'

export interface Session {
  worker: RunningWorker
  /** The target for a run: its agent ids are unique to `tag`. */
  target(tag: string, variant?: FloorVariant | OurVariant): BridgeTarget
}

/** The bench agent reads the formats from the agent id (bridge-agent.ts). */
const ULAW = '_ulaw'

const sender = (worker: RunningWorker): WorkerUnderTest => ({
  url: worker.url,
  webhookBaseUrl: TEST_CREDENTIALS.WEBHOOK_BASE_URL,
  authToken: TEST_CREDENTIALS.TWILIO_AUTH_TOKEN,
  accountSid: TEST_CREDENTIALS.TWILIO_ACCOUNT_SID,
})

/** What a benchmark may add to a worker's `wrangler dev`: V8 flags, a reader of its output. */
export type DevExtras = Pick<WranglerDevOptions, 'v8Flags' | 'onLine'>

export async function startOurs(
  agentUrl: string,
  twilioApiBase: string,
  extras: DevExtras = {},
): Promise<Session> {
  const worker = await startWranglerDev({
    ...extras,
    config: 'wrangler.toml',
    readyPath: '/api/health',
    vars: () => ({
      ...TEST_CREDENTIALS,
      TWILIO_API_BASE: twilioApiBase,
      ELEVENLABS_API_BASE: agentUrl,
    }),
  })
  const target = sender(worker)
  return {
    worker,
    target: (tag, variant = 'pcm') => ({
      label: variant === 'pcm' ? 'ours' : `ours(${variant})`,
      agentId: (index) => `bench_${tag}_${index}${variant === 'ulaw' ? ULAW : ''}`,
      open: async (agentId) =>
        openAgentStream(target, await startAgentCall(target, twilioApiBase, { agentId })),
    }),
  }
}

export async function startFloor(agentUrl: string, extras: DevExtras = {}): Promise<Session> {
  const { TWILIO_AUTH_TOKEN, WEBHOOK_BASE_URL, ELEVENLABS_API_KEY } = TEST_CREDENTIALS
  const worker = await startWranglerDev({
    ...extras,
    config: 'bench/passthrough/wrangler.toml',
    vars: () => ({
      TWILIO_AUTH_TOKEN,
      WEBHOOK_BASE_URL,
      ELEVENLABS_API_KEY,
      ELEVENLABS_API_BASE: agentUrl,
    }),
  })
  const target = sender(worker)
  return {
    worker,
    target: (tag, variant = 'relay') => ({
      label: variant === 'relay' ? 'floor' : `floor+${variant}`,
      agentId: (index) => `bench_${tag}_${index}${/convert|repack/.test(variant) ? '' : ULAW}`,
      open: (agentId) => openRelayStream(target, agentId, variant as FloorVariant),
    }),
  }
}

/**
 * --calibrate: the floor again, in ours' place, so that a side-by-side run compares two
 * identical runtimes and shows how far apart the harness measures them. Ours' ulaw_8000
 * runs become `standIn` (the plain relay, or with --calibrate-with a variant such as
 * `spin4000`, the floor with only more CPU, `alloc300`, with only more garbage, or
 * `retain1500`, with only a larger live heap), its
 * pcm_16000 runs the converting floor; labels keep the `ours` prefix the report pairs
 * windows by.
 */
export function floorInOursPlace(floor: Session, standIn: FloorVariant = 'relay'): Session {
  return {
    worker: floor.worker,
    target: (tag, variant) => {
      const target = floor.target(tag, variant === 'ulaw' ? standIn : 'convert')
      return { ...target, label: `ours=${target.label}` }
    },
  }
}

/** The floor has no conferences: its stream goes straight to a room named like one. */
async function openRelayStream(
  target: WorkerUnderTest,
  agentId: string,
  variant: FloorVariant,
): Promise<MediaStreamSimulator> {
  const conferenceId = `conf-${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`
  const path = `/api/twilio/media-stream/${conferenceId}`
  return MediaStreamSimulator.connect({
    url: `${target.url.replace(/^http/, 'ws')}${path}`,
    headers: await upgradeHeaders(target, path),
    streamSid: newStreamSid(),
    callSid: `CA${crypto.randomUUID().replaceAll('-', '')}`,
    accountSid: target.accountSid,
    customParameters: { conferenceId, role: 'agent', agentId, variant },
  })
}
