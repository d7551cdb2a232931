/**
 * One measured window of the bridge benchmark: N calls set up and ready, then
 * N streams of speech in real time for the window (frames spread evenly over
 * the 20 ms cadence, as independent calls would be), the agent replying on a
 * schedule, the workerd runtime's CPU read at the window's start and end, and
 * a short drain before counting what arrived. `runTogether` loads several
 * workers in the same window, N calls each, their frames interleaved, so that
 * whatever the machine does during it falls on all of them alike.
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { FRAME_MS, toPayloads } from '../devtools/media-stream-simulator/framing.ts'
import type { MediaStreamSimulator } from '../devtools/media-stream-simulator/simulator.ts'
import type { BenchAgent } from './bridge-agent.ts'
import type { BenchConversation, ReplySchedule } from './bridge-conversation.ts'
import { connectionsTo, cpuMs, type WorkerdProcesses } from './bridge-cpu.ts'
import {
  type Direction,
  direction,
  latenciesInOrder,
  type SlowSecond,
  type Stalls,
  slowSeconds,
  stalls,
} from './bridge-stats.ts'

/** A worker under test, as the load generator drives it. */
export interface BridgeTarget {
  /** Row label: ours, floor, floor+convert… */
  label: string
  /** The agent id of stream `index` (it tells the bench agent the formats). */
  agentId(index: number): string
  /** Sets up one call and opens its stream. */
  open(agentId: string): Promise<MediaStreamSimulator>
}

export interface WindowOptions {
  streams: number
  seconds: number
  /** Interrupt the agent's replies (0.5 s into each, one reply a second) to time `clear`. */
  interrupt?: boolean
  /** Open each reply with a `user_transcript` and an `agent_response`, as ElevenLabs does. */
  transcripts?: boolean
  /**
   * How long the streams run before the measured `seconds` begin: sent and received, but
   * in no figure. The first seconds after N calls are set up at once carry their set-up's
   * garbage and first compilations (docs/bridge-bench.md, "The first seconds").
   */
  unmeasuredMs?: number
  /** Told when the measured window starts and ends (the profiler hooks in here). */
  onWindow?: (phase: 'start' | 'end') => void
}

export interface WindowResult {
  label: string
  streams: number
  seconds: number
  toAgent: Direction
  toTwilio: Direction
  /** The seconds in which frames took over SLOW_MS to reach the agent. */
  slowToAgent: SlowSecond[]
  /** The frames over STALLS.overMs to the agent, and the stalls that held them. */
  stallsToAgent: Stalls
  /** interruption -> clear, when the window interrupted the agent. */
  clears: Direction | undefined
  /** Each interruption's time to its `clear`, in order: a slow first one is a cold path. */
  clearsInOrder: number[] | undefined
  /** The first `audio` event of each reply -> its `media` (not measured when interrupting). */
  replyStarts: Direction | undefined
  /** workerd CPU per stream-second of the window, in ms. */
  runtimeCpu: number
  proxyCpu: number
  /** TCP connections the measured workerd held to the agent: proof it runs the bridges. */
  runtimeAgentSockets: number
  /** The load generator's own CPU (ms per second) and event-loop delay p99 (ms). */
  loadGeneratorCpu: number
  loadGeneratorDelayP99: number
  /** The machine's 1-minute load average at the window's end, ours included. */
  loadAverage: number
  violations: number
}

/** What counts as a slow frame (slowToAgent): the capacity search's limit for a p99. */
export const SLOW_MS = 50
/**
 * A stall: at least 20 frames over 8 ms to the agent, each sent within 30 ms of the last.
 * A frame takes under 1 ms at the median, so 20 late together are the runtime stopping,
 * not one call's bad luck.
 */
export const STALLS = { overMs: 8, gapMs: 30, minCount: 20 }
const SETUP_CONCURRENCY = 8
const READY_TIMEOUT_MS = 30_000
const LEAD_IN_MS = 500
const DRAIN_MS = 1500
const SPEECH = toPayloads(
  new Uint8Array(readFileSync(new URL('../test/fixtures/speech-8k.ulaw', import.meta.url))),
)

/** The agent replies 2 s in every 4 s, in 100 ms chunks; or, interrupting, 0.5 s every 1 s. */
const schedule = (
  interrupt: boolean,
  transcripts: boolean,
  offset: number,
  until: number,
): ReplySchedule => ({
  firstAt: offset,
  chunkMs: 100,
  until,
  transcripts,
  ...(interrupt
    ? { everyMs: 1000, replyMs: 1000, interruptAfterMs: 500 }
    : { everyMs: 4000, replyMs: 2000 }),
})

/** A worker under load in a window: its target and the workerd processes to measure. */
export interface Loaded {
  target: BridgeTarget
  processes: WorkerdProcesses
}

export async function runWindow(
  target: BridgeTarget,
  agent: BenchAgent,
  processes: WorkerdProcesses,
  options: WindowOptions,
): Promise<WindowResult> {
  const [result] = await runTogether([{ target, processes }], agent, options)
  if (!result) throw new Error('runTogether returned no result')
  return result
}

/** One window with `options.streams` calls to each worker, all at once. */
export async function runTogether(
  workers: readonly Loaded[],
  agent: BenchAgent,
  {
    streams,
    seconds,
    interrupt = false,
    transcripts = false,
    unmeasuredMs = 0,
    onWindow,
  }: WindowOptions,
): Promise<WindowResult[]> {
  const callsOf = await Promise.all(workers.map(({ target }) => openCalls(target, agent, streams)))
  const now = () => performance.now()
  const streamsFrom = now() + LEAD_IN_MS
  const start = streamsFrom + unmeasuredMs
  const end = start + seconds * 1000
  const frames = Array.from(
    { length: Math.round((seconds * 1000 + unmeasuredMs) / FRAME_MS) },
    (_, k) => SPEECH[k % SPEECH.length] ?? '',
  )
  // Stream i of worker w is the (i * workers + w)th of all: the workers' frames alternate.
  const total = streams * workers.length
  const plays = callsOf.flatMap((calls, w) =>
    calls.map(({ stream, conversation }, i) => {
      const slot = i * workers.length + w
      const offset = streamsFrom + (slot * (interrupt ? 0 : 4000)) / total
      conversation.speak(schedule(interrupt, transcripts, offset, end))
      return stream.play(frames, streamsFrom + (slot * FRAME_MS) / total)
    }),
  )
  const usage = await measureUsage(
    workers.map(({ processes }) => processes),
    agent.port,
    { start, end, onWindow },
  )
  await Promise.all(plays)
  await new Promise((resolve) => setTimeout(resolve, DRAIN_MS))
  const results = workers.map(({ target }, w) =>
    summarize(target.label, callsOf[w] ?? [], { streams, seconds, start, end, interrupt }),
  )
  for (const calls of callsOf) {
    await Promise.all(calls.map(({ stream }) => stream.stop()))
    for (const { conversation } of calls) agent.forget(conversation.agentId)
  }
  const streamSeconds = streams * seconds
  return results.map((result, w) => {
    const own = usage.workers[w] ?? { runtime: Number.NaN, proxy: Number.NaN, agentSockets: 0 }
    return {
      ...result,
      runtimeCpu: own.runtime / streamSeconds,
      proxyCpu: own.proxy / streamSeconds,
      runtimeAgentSockets: own.agentSockets,
      loadGeneratorCpu: usage.node / seconds,
      loadGeneratorDelayP99: usage.delayP99,
      loadAverage: loadavg()[0] ?? Number.NaN,
    }
  })
}

interface Call {
  stream: MediaStreamSimulator
  conversation: BenchConversation
}

/** Opens every call, a few at a time, and waits until each bridge is ready. */
async function openCalls(target: BridgeTarget, agent: BenchAgent, count: number): Promise<Call[]> {
  const calls: Call[] = []
  for (let first = 0; first < count; first += SETUP_CONCURRENCY) {
    const batch = Array.from(
      { length: Math.min(SETUP_CONCURRENCY, count - first) },
      async (_, i) => {
        const agentId = target.agentId(first + i)
        const conversation = agent.conversation(agentId)
        const stream = await target.open(agentId)
        const ready = (await conversation).ready
        await Promise.race([ready, timeout(`the bridge of ${agentId} to get ready`)])
        return { stream, conversation: await conversation }
      },
    )
    calls.push(...(await Promise.all(batch)))
  }
  return calls
}

function timeout(what: string): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), READY_TIMEOUT_MS).unref()
  })
}

/** CPU used between `start` and `end` by each worker's workerd processes and by this process. */
async function measureUsage(
  workers: readonly WorkerdProcesses[],
  agentPort: number,
  { start, end, onWindow }: { start: number; end: number; onWindow: WindowOptions['onWindow'] },
) {
  const until = (time: number) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, time - performance.now())))
  const agentSockets = workers.map(({ runtime }) =>
    runtime.reduce((sum, pid) => sum + connectionsTo(pid, agentPort), 0),
  )
  await until(start)
  const delay = monitorEventLoopDelay({ resolution: 5 })
  delay.enable()
  const read = () =>
    workers.map(({ runtime, proxy }) => ({ runtime: cpuMs(runtime), proxy: cpuMs(proxy) }))
  const before = read()
  onWindow?.('start')
  const node = process.cpuUsage()
  await until(end)
  const nodeUsed = process.cpuUsage(node)
  const after = read()
  onWindow?.('end')
  const usage = {
    workers: after.map(({ runtime, proxy }, w) => ({
      runtime: runtime - (before[w]?.runtime ?? Number.NaN),
      proxy: proxy - (before[w]?.proxy ?? Number.NaN),
      agentSockets: agentSockets[w] ?? 0,
    })),
    node: (nodeUsed.user + nodeUsed.system) / 1000,
    delayP99: delay.percentile(99) / 1e6,
  }
  delay.disable()
  return usage
}

function summarize(
  label: string,
  calls: Call[],
  window: { streams: number; seconds: number; start: number; end: number; interrupt: boolean },
) {
  const { start, end } = window
  const timesOf = (stream: MediaStreamSimulator, event: string) =>
    stream.received.filter(({ command }) => command.event === event).map(({ at }) => at)
  const toAgent = calls.map(({ stream, conversation }) => ({
    sentAt: stream.sentAt,
    receivedAt: conversation.chunksAt,
  }))
  const toTwilio = calls.map(({ stream, conversation }) => ({
    sentAt: conversation.audioSentAt,
    receivedAt: timesOf(stream, 'media'),
  }))
  // Audio is never dropped without an interruption, so the k-th media is the k-th audio event.
  const replyStarts = toTwilio.map(({ sentAt, receivedAt }, c) => {
    const starts = calls[c]?.conversation.replyStarts ?? []
    const matched = starts.filter((k) => k < receivedAt.length)
    return {
      sentAt: starts.map((k) => sentAt[k] ?? Number.NaN),
      receivedAt: matched.map((k) => receivedAt[k] ?? Number.NaN),
    }
  })
  const clears = calls.map(({ stream, conversation }) => ({
    sentAt: conversation.interruptionsSentAt,
    receivedAt: timesOf(stream, 'clear'),
  }))
  return {
    label,
    streams: window.streams,
    seconds: window.seconds,
    toAgent: direction(toAgent, start, end),
    toTwilio: direction(toTwilio, start, end),
    slowToAgent: slowSeconds(toAgent, start, end, SLOW_MS),
    stallsToAgent: stalls(toAgent, start, end, STALLS),
    clears: window.interrupt ? direction(clears, start, end) : undefined,
    clearsInOrder: window.interrupt ? latenciesInOrder(clears, start, end) : undefined,
    replyStarts: window.interrupt ? undefined : direction(replyStarts, start, end),
    violations: calls.reduce((sum, { stream }) => sum + stream.violations.length, 0),
  }
}
