/**
 * Where the worker's JavaScript spends its time, or what it allocates, under
 * the bridge benchmark's load:
 * `node bench/bridge-profile.ts [ours|floor] [variant] [streams] [seconds] [--alloc | --survivors | --resting | --loaded]`
 * runs one window (after a short warm-up) with V8's sampling profiler on
 * while the streams run (not while the calls are set up), through
 * wrangler's inspector proxy, and prints the functions with the most self
 * time. The profiler slows the worker down a little; compare shares,
 * not the CPU figure, with the benchmark's.
 *
 * With --alloc, V8's sampling heap profiler instead, counting objects the
 * garbage collector has already freed too: bytes allocated per Twilio frame,
 * by the function that allocated them. That is how the pass-through's
 * needless re-encoding was found (docs/bridge-bench.md, "Allocation").
 *
 * With --survivors, the same profiler leaves out what a scavenge freed: what is left
 * is what the young generation kept or promoted, which is what the full
 * collections have to clear (docs/bridge-bench.md, "The tail").
 *
 * With --resting, no load: a heap snapshot of the isolate after one request, which is
 * what every isolate of the worker keeps for as long as it lives (docs/bridge-bench.md,
 * "what sets the size of a heap").
 *
 * With --loaded, a heap snapshot halfway through the window: what the isolate keeps
 * while its calls run (the snapshot collects garbage first), by kind and by the
 * largest groups of objects, which is what every full collection has to mark; then its
 * machine code by the tier that compiled it, and the functions with the most.
 */
import { WebSocket } from 'ws'
import { startTwilioStandin } from '../devtools/twilio-standin/server.ts'
import { BenchAgent } from './bridge-agent.ts'
import { type WorkerdProcesses, workerdProcesses } from './bridge-cpu.ts'
import { type BridgeTarget, runWindow, type WindowOptions } from './bridge-load.ts'
import { type FloorVariant, type OurVariant, startFloor, startOurs } from './bridge-targets.ts'
import { type CodeTier, type HeapSnapshot, type MachineCode, machineCode } from './heap-snapshot.ts'
import { fixed, printTable } from './table.ts'

interface CallFrame {
  functionName: string
  scriptId: string
  url: string
  lineNumber: number
  columnNumber: number
}

/** A function's samples (CPU: hits; --alloc: bytes), from either profiler. */
interface ProfileNode {
  callFrame: CallFrame
  weight: number
}

interface AllocationNode {
  callFrame: CallFrame
  selfSize: number
  children: AllocationNode[]
}

const SAMPLING_HEAP_INTERVAL_BYTES = 1024

const SAMPLING_INTERVAL_US = 200
const SHOWN = 30

/** Self weight by function, anonymous ones named by their line in the bundle wrangler built. */
async function printSelf(
  inspector: Inspector,
  nodes: ProfileNode[],
  columns: [string, (weight: number) => string][],
) {
  const sources = await scriptSources(inspector, nodes)
  const self = new Map<string, number>()
  for (const { callFrame, weight } of nodes) {
    const line = sources.get(callFrame.scriptId)?.[callFrame.lineNumber]
    const name = !callFrame.functionName
      ? `(anonymous) ${line?.trim().slice(0, 70) ?? ''}`
      : isMangled(callFrame.functionName)
        ? `${callFrame.functionName} ${line?.slice(callFrame.columnNumber, callFrame.columnNumber + 60) ?? ''}`
        : callFrame.functionName
    self.set(name, (self.get(name) ?? 0) + weight)
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, SHOWN)
  printTable(
    [...columns.map(([title]) => title), 'function'],
    top.map(([name, weight]) => [...columns.map(([, show]) => show(weight)), name]),
  )
}

/**
 * A name the minifier made up: private methods are renamed (`#R`), and a short name is
 * ambiguous across the bundle; such functions are shown with their source.
 */
const isMangled = (name: string) => name.startsWith('#') || name.length <= 3

/** The lines of each script with anonymous or mangled functions in the profile (read after profiling). */
async function scriptSources(inspector: Inspector, nodes: ProfileNode[]) {
  const ids = new Set(
    nodes
      .filter(
        (node) =>
          (!node.callFrame.functionName || isMangled(node.callFrame.functionName)) &&
          node.callFrame.url,
      )
      .map((node) => node.callFrame.scriptId),
  )
  await inspector.call('Debugger.enable')
  const sources = new Map<string, string[]>()
  for (const scriptId of ids) {
    const { scriptSource } = (await inspector.call('Debugger.getScriptSource', { scriptId })) as {
      scriptSource: string
    }
    sources.set(scriptId, scriptSource.split('\n'))
  }
  return sources
}

/** A minimal Chrome DevTools protocol client for the worker's isolate. */
class Inspector {
  readonly #socket: WebSocket
  readonly #pending = new Map<number, (result: unknown) => void>()
  readonly #listeners = new Map<string, (params: unknown) => void>()
  #nextId = 0

  private constructor(socket: WebSocket) {
    this.#socket = socket
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as {
        id?: number
        result?: unknown
        method?: string
        params?: unknown
      }
      if (message.method !== undefined) this.#listeners.get(message.method)?.(message.params)
      if (message.id === undefined) return
      this.#pending.get(message.id)?.(message.result)
      this.#pending.delete(message.id)
    })
  }

  /** Hears the events of one method (one listener each). */
  on(method: string, listener: (params: unknown) => void): void {
    this.#listeners.set(method, listener)
  }

  /** Connects to the user worker's target (wrangler lists it at /json). */
  static async open(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
      webSocketDebuggerUrl: string
    }[]
    const url = targets[0]?.webSocketDebuggerUrl
    if (!url) throw new Error(`wrangler's inspector on port ${port} lists no worker`)
    const socket = new WebSocket(url)
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    return new Inspector(socket)
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#nextId
    return new Promise((resolve) => {
      this.#pending.set(id, resolve)
      this.#socket.send(JSON.stringify({ id, method, params }))
    })
  }

  close(): void {
    this.#socket.close()
  }
}

/** A heap snapshot of the isolate (V8 collects garbage before it takes one). */
async function takeSnapshot(inspector: Inspector): Promise<HeapSnapshot> {
  let chunks = ''
  inspector.on('HeapProfiler.addHeapSnapshotChunk', (params) => {
    chunks += (params as { chunk: string }).chunk
  })
  await inspector.call('HeapProfiler.enable')
  await inspector.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
  return JSON.parse(chunks) as HeapSnapshot
}

/** --resting: the isolate's heap after one request, from a heap snapshot. */
async function printResting(inspector: Inspector, label: string): Promise<void> {
  const { snapshot, nodes } = await takeSnapshot(inspector)
  const fields = snapshot.meta.node_fields
  const [types] = snapshot.meta.node_types
  const [type, size] = [fields.indexOf('type'), fields.indexOf('self_size')]
  let total = 0
  let largestString = 0
  for (let i = 0; i < nodes.length; i += fields.length) {
    const bytes = nodes[i + size] ?? 0
    total += bytes
    if (types[nodes[i + type] ?? -1] === 'string') largestString = Math.max(largestString, bytes)
  }
  console.log(
    `\n${label} at rest: ${fixed(total / 1e6, 2)} MB in ${nodes.length / fields.length} objects;` +
      ` its largest string (a worker's: its bundle's source) ${fixed(largestString / 1e6, 2)} MB\n`,
  )
}

/**
 * --loaded: what a heap snapshot under load holds, by node kind (V8's: code, strings,
 * objects, closures, ...) and the largest groups by kind and name.
 */
function printLoaded(heap: HeapSnapshot, label: string): void {
  const { snapshot, nodes, strings } = heap
  const fields = snapshot.meta.node_fields
  const [types] = snapshot.meta.node_types
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ]
  const byKind = new Map<string, [bytes: number, count: number]>()
  const byGroup = new Map<string, [bytes: number, count: number]>()
  let total = 0
  for (let i = 0; i < nodes.length; i += fields.length) {
    const bytes = nodes[i + size] ?? 0
    const kind = types[nodes[i + type] ?? -1] ?? '?'
    // Strings and numbers are named by their value: group those by kind alone.
    const grouped = ['string', 'concatenated string', 'sliced string', 'number'].includes(kind)
      ? kind
      : `${kind}: ${(strings[nodes[i + name] ?? -1] ?? '?').slice(0, 60)}`
    total += bytes
    tally(byKind, kind, bytes)
    tally(byGroup, grouped, bytes)
  }
  console.log(
    `\n${label} under load: ${fixed(total / 1e6, 2)} MB live in ${nodes.length / fields.length} objects\n`,
  )
  const rows = (map: Map<string, [number, number]>, shown: number) =>
    [...map]
      .sort((a, b) => b[1][0] - a[1][0])
      .slice(0, shown)
      .map(([key, [bytes, count]]) => [fixed(bytes / 1e3, 1), String(count), key])
  printTable(['KB', 'objects', 'kind'], rows(byKind, 20))
  console.log('')
  printTable(['KB', 'objects', 'kind: name'], rows(byGroup, SHOWN))
  printMachineCode(machineCode(heap))
}

/** Adds an object of `bytes` to `key`'s total and count. */
function tally<K>(map: Map<K, [bytes: number, count: number]>, key: K, bytes: number): void {
  const entry = map.get(key) ?? [0, 0]
  entry[0] += bytes
  entry[1]++
  map.set(key, entry)
}

/** Machine code by tier, then the functions with the most of it. */
function printMachineCode(code: MachineCode[]): void {
  const tiers = new Map<CodeTier, [bytes: number, count: number]>()
  for (const { tier, bytes } of code) tally(tiers, tier, bytes)
  console.log('\nmachine code by tier (baseline: Sparkplug; optimized: Maglev or TurboFan)\n')
  printTable(
    ['KB', 'code objects', 'tier'],
    [...tiers]
      .sort((a, b) => b[1][0] - a[1][0])
      .map(([tier, [bytes, count]]) => [fixed(bytes / 1e3, 1), String(count), tier]),
  )
  console.log('')
  printTable(
    ['KB', 'tier', 'function'],
    code
      .filter(({ tier }) => tier === 'baseline' || tier === 'optimized')
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, SHOWN)
      .map(({ tier, name, bytes }) => [fixed(bytes / 1e3, 1), tier, name || '(anonymous)']),
  )
}

const resting = process.argv.includes('--resting')
const loaded = process.argv.includes('--loaded')
const survivors = process.argv.includes('--survivors')
const alloc = survivors || process.argv.includes('--alloc')
const [kind = 'ours', variant, streams = '50', seconds = '20'] = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith('--'))
const agent = await BenchAgent.start(() => performance.now())
const twilio = await startTwilioStandin()
const session =
  kind === 'ours' ? await startOurs(agent.url, twilio.url) : await startFloor(agent.url)
try {
  const processes = workerdProcesses(session.worker.pid, session.worker.port)
  const target = (tag: string) => session.target(tag, variant as FloorVariant | OurVariant)
  const inspector = await Inspector.open(session.worker.inspectorPort)
  if (resting) {
    await (await fetch(session.worker.url)).arrayBuffer()
    await printResting(inspector, kind)
  } else if (loaded) {
    await printSnapshotUnderLoad(inspector, target, processes)
  } else {
    await printUnderLoad(inspector, target, processes)
  }
  inspector.close()
} finally {
  await session.worker.stop()
  await agent.close()
  await twilio.close()
}

/** The profiled window: the CPU profile, or with --alloc / --survivors the allocation one. */
async function printUnderLoad(
  inspector: Inspector,
  target: (tag: string) => BridgeTarget,
  processes: WorkerdProcesses,
): Promise<void> {
  const [start, stop] = alloc
    ? [
        () =>
          inspector.call('HeapProfiler.startSampling', {
            samplingInterval: SAMPLING_HEAP_INTERVAL_BYTES,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: !survivors,
          }),
        () => inspector.call('HeapProfiler.stopSampling'),
      ]
    : [() => inspector.call('Profiler.start'), () => inspector.call('Profiler.stop')]
  if (!alloc) {
    await inspector.call('Profiler.enable')
    await inspector.call('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US })
  }
  let stopped: Promise<unknown> | undefined
  const result = await warmThenRun(target, processes, 'profiled', (phase) => {
    if (phase === 'start') void start()
    else stopped = stop()
  })
  const title = `\n${result.label}, ${streams} streams for ${seconds} s: ${fixed(result.runtimeCpu, 2)} ms CPU per stream-second (profiled)`
  if (alloc) {
    const { profile } = (await stopped) as { profile: { head: AllocationNode } }
    const nodes = flatten(profile.head)
    const frames = result.toAgent.sent
    const total = nodes.reduce((sum, node) => sum + node.weight, 0)
    const what = survivors ? 'kept past a scavenge' : 'allocated'
    console.log(`${title}, ${fixed(total / frames, 0)} bytes ${what} per Twilio frame\n`)
    await printSelf(inspector, nodes, [
      ['bytes/frame', (bytes) => fixed(bytes / frames, 0)],
      ['%', (bytes) => fixed((100 * bytes) / total, 1)],
    ])
  } else {
    const { profile } = (await stopped) as {
      profile: { nodes: { callFrame: CallFrame; hitCount?: number }[]; samples: number[] }
    }
    const nodes = profile.nodes.map(({ callFrame, hitCount = 0 }) => ({
      callFrame,
      weight: hitCount,
    }))
    console.log(`${title}\n`)
    await printSelf(inspector, nodes, [
      ['self %', (hits) => fixed((100 * hits) / profile.samples.length, 1)],
    ])
  }
}

/** A short warm-up window, then the one looked at, with `onWindow` told when its streams start and stop. */
async function warmThenRun(
  target: (tag: string) => BridgeTarget,
  processes: WorkerdProcesses,
  tag: string,
  onWindow: WindowOptions['onWindow'],
) {
  await runWindow(target('warm-up'), agent, processes, { streams: 5, seconds: 5 })
  return runWindow(target(tag), agent, processes, {
    streams: Number(streams),
    seconds: Number(seconds),
    onWindow,
  })
}

function flatten(node: AllocationNode, into: ProfileNode[] = []): ProfileNode[] {
  into.push({ callFrame: node.callFrame, weight: node.selfSize })
  for (const child of node.children) flatten(child, into)
  return into
}

/** --loaded: a heap snapshot halfway through the window. */
async function printSnapshotUnderLoad(
  inspector: Inspector,
  target: (tag: string) => BridgeTarget,
  processes: WorkerdProcesses,
): Promise<void> {
  let taken: Promise<HeapSnapshot> | undefined
  const result = await warmThenRun(target, processes, 'snapshot', (phase) => {
    if (phase !== 'start') return
    taken = new Promise((resolve) => setTimeout(resolve, (Number(seconds) * 1000) / 2)).then(() =>
      takeSnapshot(inspector),
    )
  })
  if (!taken) throw new Error('the window never started')
  printLoaded(await taken, `${result.label}, ${streams} streams`)
}
