/**
 * The bridge benchmark itself (bench/bridge.ts starts it):
 * `node bench/bridge-run.ts [--streams 20,50] [--seconds 30] [--repeat 1]
 * [--interruptions 10] [--variants | --variant NAME ...] [--ulaw-only]
 * [--together] [--calibrate [--calibrate-with VARIANT]] [--trace-gc] [--trace-deopt]
 * [--transcripts] [--search [--search-from 50] [--search-step 50] [--search-max 400]]
 * [--only ours|floor] [--no-pin] [--apart] [--logic-rounds 7] [--logic-frames 200000] [--logic-only]`.
 *
 * The pass-through floor and our worker each run under their own `wrangler
 * dev` on loopback, both started up front; only one carries load at a time,
 * so each runtime's CPU is its own, and (unless --no-pin) both runtimes get a
 * CPU to themselves while the load generator, the agent, wrangler and its
 * proxies share the rest. First the logic benchmark (bridge-logic.ts: each
 * worker's JavaScript, timed in workerd without sockets), then an
 * interruption window at N = 1 for each worker, a short warm-up window of each
 * variant (not counted: V8 has yet to optimize each variant's own code),
 * then, for each repeat and stream count, the floor's windows, then ours (ours
 * first every other repeat): alternating, so a slow spell of the machine falls on both,
 * and neither always goes first. Each window waits until the last one's calls have
 * been gone SETTLE_MS, and its streams run UNMEASURED_MS before it is measured
 * (the warm-up's and the interruption window's do not). Variants: by
 * default `convert` (the floor running our converters, as a pcm_16000 agent
 * needs) and `ulaw` (ours with ulaw_8000 agents, nothing to convert), so that
 * like can be judged against like; --variant NAME picks others (`relay` for
 * none), --variants runs them all, including the floor with one more piece
 * of our bridge at a time and `batch2` (two Twilio frames per agent chunk).
 * With --together, each of ours' runs shares its windows with the floor's run it
 * is judged against (ours(ulaw) with the floor, ours with floor+convert): N
 * calls to each, frames interleaved, both runtimes on the same CPU, so that a
 * slow spell of the machine cannot fall on one and not the other; without it, each
 * repeat's windows of ours and its floor are paired, and the pairs' ratios judged the
 * same way. --calibrate puts a second floor in ours' place (in either mode): two
 * identical runtimes, to show how far apart the harness measures what does not
 * differ; --calibrate-with spin4000 (or alloc300, or retain1500) makes that second
 * floor one that only spends more CPU (or makes more garbage) per message, or only keeps
 * a larger heap, to show what that alone does to the tail. --ulaw-only leaves out ours'
 * pcm_16000 runs (and the floor's converting ones beside them), so that both runtimes
 * carry the same messages all run long. --apart (with --together) gives each runtime and its proxy a CPU
 * of their own instead, swapped from one repeat to the next, and lets the rest run on
 * any: on a slower VM one CPU could not carry both runtimes' 50 calls.
 * With --trace-gc, V8 in both runtimes reports its collections, and the run ends
 * with the worker's isolate's full ones (count, pauses and their marking and clearing,
 * heap before and after, the limits V8 set) and scavenges (count, pauses, time finding
 * roots, the young generation's size).
 * With --trace-deopt, V8 in both runtimes reports what it optimizes and what optimized
 * code it throws away, and the run ends with the counts inside the measured windows (after
 * the warm-up), and how many deoptimizations a full collection caused.
 * With --transcripts, the agent opens each reply as ElevenLabs opens a turn (a
 * `user_transcript`, then an `agent_response`, then the audio), and each window prints
 * how long the first audio of each reply took to reach Twilio.
 * With --search, rising stream counts for each worker and chosen variant until
 * one workerd process drops a frame or its p99 reaches 50 ms. Prints each window
 * as it ends, then the summary and the verdicts.
 */
import { parseArgs } from 'node:util'
import { startTwilioStandin } from '../devtools/twilio-standin/server.ts'
import { BenchAgent } from './bridge-agent.ts'
import { pinApart, pinRuntimes, type WorkerdProcesses, workerdProcesses } from './bridge-cpu.ts'
import { type Loaded, runTogether, type WindowResult } from './bridge-load.ts'
import { type LogicFigures, measureLogic, printLogic } from './bridge-logic.ts'
import {
  lostNothing,
  medians,
  printCapacity,
  printClears,
  printCodeChurn,
  printCollections,
  printPairs,
  printReplyStarts,
  printSlowSeconds,
  printStalls,
  printVerdicts,
  printWindows,
} from './bridge-report.ts'
import { type CodeEvent, type Collection, codeEvent, collection } from './bridge-stats.ts'
import {
  type DevExtras,
  type FloorVariant,
  floorInOursPlace,
  isFloorVariant,
  type OurVariant,
  type Session,
  startFloor,
  startOurs,
} from './bridge-targets.ts'

const SEARCH_P99_MS = 50
/**
 * The least time between the end of one window's calls and the next window in the
 * same runtime. Back to back, ours' p99 at N = 50 grew from 14 to 131 ms over four
 * windows, and with 10 s between them it did not grow at all (docs/bridge-bench.md,
 * "The tail"): what 50 calls ending at once leave to the runtime (closing their
 * sockets, their rooms' writes and logs, letting their objects go) landed inside the
 * next window.
 * Calls do not end 50 at a time in life.
 */
const SETTLE_MS = 15_000
/**
 * How long each measured window's streams run before it is measured. Before this, half of
 * ours' frames over 50 ms came in its first 5 s, just after its 50 calls were set up at once
 * (docs/bridge-bench.md, "The first seconds"); calls are not set up 50 at a time in life.
 */
const UNMEASURED_MS = 5000
/**
 * Before the measured windows, a short one of each variant (or pair), printed but counted
 * in no figure. Without it the first window of a floor whose busy loop had never run
 * measured 1.15–1.27x the CPU of the later ones, once with a 2 s backlog
 * (docs/bridge-bench.md, "Stand-ins").
 */
const WARM_UP = { streams: 5, seconds: 5 }
const VARIANTS: Record<Kind, (FloorVariant | OurVariant)[]> = {
  floor: ['repack', 'convert', 'marks', 'convert+marks', 'batch2'],
  ours: ['ulaw'],
}

type Kind = 'floor' | 'ours'
type Variant = FloorVariant | OurVariant | undefined
/** One worker's part of a window: which worker, and which of its variants (undefined: itself). */
type Run = readonly [kind: Kind, variant: Variant]
const runKey = ([kind, variant]: Run) => `${kind} ${variant ?? ''}`

interface Running {
  session: Session
  processes: WorkerdProcesses
  runs: number
  /** When this runtime's last window ended its calls (performance.now()). */
  lastEnded?: number
}

const { values: flags } = parseArgs({
  allowNegative: true,
  options: {
    streams: { type: 'string', default: '20,50' },
    seconds: { type: 'string', default: '30' },
    repeat: { type: 'string', default: '1' },
    interruptions: { type: 'string', default: '10' },
    variants: { type: 'boolean', default: false },
    variant: { type: 'string', multiple: true, default: [] },
    together: { type: 'boolean', default: false },
    calibrate: { type: 'boolean', default: false },
    'calibrate-with': { type: 'string', default: 'relay' },
    'ulaw-only': { type: 'boolean', default: false },
    'trace-gc': { type: 'boolean', default: false },
    'trace-deopt': { type: 'boolean', default: false },
    transcripts: { type: 'boolean', default: false },
    search: { type: 'boolean', default: false },
    'search-from': { type: 'string', default: '50' },
    'search-step': { type: 'string', default: '50' },
    'search-max': { type: 'string', default: '400' },
    only: { type: 'string' },
    pin: { type: 'boolean', default: true },
    apart: { type: 'boolean', default: false },
    'logic-rounds': { type: 'string', default: '7' },
    'logic-frames': { type: 'string', default: '200000' },
    'logic-only': { type: 'boolean', default: false },
  },
})
const counts = flags.streams.split(',').map(Number)
const seconds = Number(flags.seconds)
const kinds = (['floor', 'ours'] as const).filter(
  (kind) => (!flags.only || flags.only === kind) && (!flags['logic-only'] || kind === 'floor'),
)
if (flags['ulaw-only'] && (flags.variants || flags.variant.length > 0)) {
  console.error('--ulaw-only picks the variants itself: drop --variant and --variants.')
  process.exit(2)
}
if (flags['calibrate-with'] !== 'relay' && !flags.calibrate) {
  console.error(
    "--calibrate-with chooses the floor that --calibrate puts in ours' place: add --calibrate.",
  )
  process.exit(2)
}
const standIn = floorVariant(flags['calibrate-with'])
if (flags.apart && !(flags.together && flags.pin)) {
  console.error(
    '--apart pins the two runtimes of --together to a CPU each: add --together, drop --no-pin.',
  )
  process.exit(2)
}
if (flags.together && kinds.length < 2) {
  console.error('--together needs both workers: drop --only and --logic-only.')
  process.exit(2)
}
const logicRounds = Number(flags['logic-rounds'])
const picked = flags['ulaw-only']
  ? ['ulaw']
  : flags.variant.length > 0
    ? flags.variant
    : ['ulaw', 'convert']
const chosen = (variant: string) => flags.variants || picked.includes(variant)
/** What each worker runs, in this order: its chosen variants, then itself (undefined). */
const runsOf = (kind: Kind): Variant[] => [
  ...VARIANTS[kind].filter(chosen),
  ...(flags['ulaw-only'] && kind === 'ours' ? [] : [undefined]),
]
/** --together: each of ours' runs beside the floor's run it is judged against. */
const pairs = (): Run[][] =>
  runsOf('ours').map((variant) => [
    ['floor', variant === 'ulaw' || !chosen('convert') ? undefined : 'convert'],
    ['ours', variant],
  ])
/** The runs of each measured window: each pair with --together, else each run alone. */
const measured = (): (readonly Run[])[] =>
  flags.together
    ? pairs()
    : kinds.flatMap((kind) => runsOf(kind).map((variant): Run[] => [[kind, variant]]))

console.log(
  `\nBridge: ${counts.join(', ')} streams in real time for ${seconds} s, ${flags.repeat} time(s) each, through wrangler dev on loopback` +
    `${flags.together ? ', ours and its floor in the same windows' : ''}\n`,
)
const agent = await BenchAgent.start(() => performance.now())
const twilio = await startTwilioStandin()
const running = new Map<Kind, Running>()
const results: WindowResult[] = []
const searched: WindowResult[] = []
/** --together: ours' result and its floor's, from one window. */
const shared: [ours: WindowResult, floor: WindowResult][] = []
/** Alternating: ours' result and its floor's, from the same repeat and stream count. */
const alternated: [ours: WindowResult, floor: WindowResult][] = []
const capacity = new Map<string, number | undefined>()
/** --trace-gc: each runtime's collections. */
const collections = new Map<Kind, Collection[]>()
/** --trace-deopt: each runtime's optimizations and deoptimizations in measured windows. */
const codeChurn = new Map<Kind, CodeEvent[]>()
/** Whether a measured window (after the warm-up) is being measured now. */
let measuring = false
let warmedUp = false
let logic: LogicFigures[] | undefined
try {
  for (const kind of kinds) running.set(kind, await start(kind))
  if (flags.pin) pin()
  const floor = running.get('floor')
  if (floor && logicRounds > 0) {
    logic = await measureLogic(floor.session.worker.url, {
      rounds: logicRounds,
      frames: Number(flags['logic-frames']),
    })
    printLogic(logic, logicRounds)
  }
  if (!flags['logic-only']) await runWindows()
} finally {
  for (const { session } of running.values()) await session.worker.stop()
  await agent.close()
  await twilio.close()
}
if (flags['logic-only']) process.exit(0)
printWindows(results)
if (Number(flags.repeat) > 1) {
  console.log(`Medians of ${flags.repeat} windows each:\n`)
  printWindows(medians(results))
}
printClears(results)
if (shared.length > 0) {
  console.log('Ours and its floor in the same windows (--together), ratios of ours to the floor:\n')
  printPairs(shared, 'shared windows')
}
if (alternated.length > 0) {
  console.log(
    'Ours and its floor in alternating windows, each pair from one repeat, ratios of ours to the floor:\n',
  )
  printPairs(alternated, 'alternating pairs')
}
if (capacity.size > 0) {
  console.log('Search for the largest stream count:\n')
  printWindows(searched)
  printCapacity(capacity)
}
if (collections.size > 0) {
  console.log(
    "Each runtime's garbage collections over the run, in the worker's isolate (--trace-gc):\n",
  )
  printCollections(collections)
  console.log()
}
if (codeChurn.size > 0) {
  console.log(
    "Each runtime's optimizations and deoptimizations in the measured windows (--trace-deopt):\n",
  )
  printCodeChurn(codeChurn)
  console.log()
}
printVerdicts(medians(results), counts, logic)

async function runWindows(): Promise<void> {
  for (const kind of kinds) {
    results.push(...(await window([[kind, undefined]], 1, Number(flags.interruptions), true)))
  }
  // Each variant's own code (the ulaw_8000 pass-through, a stand-in's busy loop) has not
  // run yet: unwarmed, V8 runs it unoptimized through much of the first window.
  console.log(`Warm-up: ${WARM_UP.streams} streams for ${WARM_UP.seconds} s of each, not counted`)
  for (const runs of measured()) await window(runs, WARM_UP.streams, WARM_UP.seconds)
  warmedUp = true
  console.log('Measured windows:')
  for (let repeat = 0; repeat < Number(flags.repeat); repeat++) {
    if (flags.apart) pin(repeat)
    for (const streams of counts) {
      const alone = new Map<string, WindowResult>()
      // Alternating, which runtime goes first swaps from one repeat to the next too: with two
      // identical floors, the one always first had twice the other's p99 (docs/bridge-bench.md,
      // "The first seconds").
      const windows = flags.together || repeat % 2 === 0 ? measured() : measured().toReversed()
      for (const runs of windows) {
        // Side by side, which worker's calls come first alternates from one repeat to the next.
        const windowResults = await window(repeat % 2 ? runs.toReversed() : runs, streams, seconds)
        results.push(...windowResults)
        const ours = windowResults.find((r) => r.label.startsWith('ours'))
        const floor = windowResults.find((r) => r.label.startsWith('floor'))
        if (ours && floor) shared.push([ours, floor])
        const [run] = runs
        if (runs.length === 1 && run && windowResults[0]) alone.set(runKey(run), windowResults[0])
      }
      for (const [floorRun, oursRun] of flags.together ? [] : pairs()) {
        const ours = oursRun && alone.get(runKey(oursRun))
        const floor = floorRun && alone.get(runKey(floorRun))
        if (ours && floor) alternated.push([ours, floor])
      }
    }
  }
  if (!flags.search) return
  for (const kind of kinds) {
    for (const variant of runsOf(kind)) {
      const [label, streams] = await search(kind, variant)
      capacity.set(label, streams)
    }
  }
}

/**
 * Both runtimes on a CPU of their own, the rest elsewhere. With --apart, each runtime and
 * its proxy on a CPU apart from the other's, the CPUs swapped from one repeat to the next
 * so that neither runtime keeps the CPU the machine's interrupts favour.
 */
function pin(repeat = 0): void {
  const all = [...running.values()]
  if (flags.apart) {
    const groups = [...running].map(([label, { processes }]) => ({
      label,
      pids: [...processes.runtime, ...processes.proxy],
    }))
    const wranglers = all.map(({ session }) => session.worker.pid)
    console.log(pinApart(repeat % 2 ? groups.toReversed() : groups, [process.pid, ...wranglers]))
    return
  }
  const others = all.flatMap(({ session, processes }) => [session.worker.pid, ...processes.proxy])
  console.log(
    pinRuntimes(
      all.flatMap(({ processes }) => processes.runtime),
      [process.pid, ...others],
    ),
  )
}

async function start(kind: Kind): Promise<Running> {
  const extras = withExtras(
    flags['trace-gc'] ? traceGc(kind) : {},
    flags['trace-deopt'] ? traceDeopt(kind) : {},
  )
  const session =
    kind === 'floor'
      ? await startFloor(agent.url, extras)
      : flags.calibrate
        ? floorInOursPlace(await startFloor(agent.url, extras), standIn)
        : await startOurs(agent.url, twilio.url, extras)
  const processes = workerdProcesses(session.worker.pid, session.worker.port)
  console.log(
    `${kind}: wrangler pid ${session.worker.pid}, workerd runtime ${processes.runtime.join(',')}, proxy ${processes.proxy.join(',')}`,
  )
  return { session, processes, runs: 0 }
}

/** --calibrate-with's floor variant; a name that is none ends the run. */
function floorVariant(name: string): FloorVariant {
  if (isFloorVariant(name)) return name
  console.error(
    `--calibrate-with takes a floor variant (relay, spin4000, alloc300, retain1500, …), not ${name}.`,
  )
  process.exit(2)
}

/** V8 prints each collection, and each stops its isolate (a full one for tens of ms). */
function traceGc(kind: Kind): DevExtras {
  const mine: Collection[] = []
  collections.set(kind, mine)
  return {
    // One line per collection with its phases and V8's sizing (the plain --trace-gc has neither).
    v8Flags: ['--trace-gc-nvp'],
    onLine: (line) => {
      const gc = collection(line)
      if (gc) mine.push(gc)
    },
  }
}

/** The optimizations and deoptimizations of a runtime, while a measured window is measured. */
function traceDeopt(kind: Kind): DevExtras {
  const mine: CodeEvent[] = []
  codeChurn.set(kind, mine)
  return {
    v8Flags: ['--trace-opt', '--trace-deopt'],
    onLine: (line) => {
      const event = measuring ? codeEvent(line) : undefined
      if (event) mine.push(event)
    },
  }
}

/** The tracers' flags together, each tracer reading every line. */
function withExtras(...extras: DevExtras[]): DevExtras {
  const readers = extras.flatMap(({ onLine }) => (onLine ? [onLine] : []))
  return {
    v8Flags: extras.flatMap(({ v8Flags = [] }) => v8Flags),
    ...(readers.length > 0 && {
      onLine: (line: string) => {
        for (const read of readers) read(line)
      },
    }),
  }
}

/** One window: `streams` calls to each run's worker, all at once; one result per run. */
async function window(
  runs: readonly Run[],
  streams: number,
  windowSeconds: number,
  interrupt = false,
): Promise<WindowResult[]> {
  const parts = runs.map(([kind, variant]) => {
    const worker = running.get(kind)
    if (!worker) throw new Error(`${kind} is not running`)
    const target = worker.session.target(`${kind}${++worker.runs}`, variant)
    return { worker, loaded: { target, processes: worker.processes } satisfies Loaded }
  })
  const workers = parts.map(({ worker }) => worker)
  // Every runtime's, not only this window's: pinned, both runtimes share a CPU, and one's
  // calls ending would land in the other's next window.
  const lastEnded = Math.max(
    ...[...running.values()].map((worker) => worker.lastEnded ?? Number.NEGATIVE_INFINITY),
  )
  const settled = lastEnded + SETTLE_MS - performance.now()
  if (settled > 0) await new Promise((resolve) => setTimeout(resolve, settled))
  const loaded = parts.map(({ loaded }) => loaded)
  const windowResults = await runTogether(loaded, agent, {
    streams,
    seconds: windowSeconds,
    interrupt,
    transcripts: flags.transcripts,
    // The interruption window stays cold: a call's first interruption may meet cold code.
    unmeasuredMs: warmedUp ? UNMEASURED_MS : 0,
    onWindow: (phase) => {
      measuring = warmedUp && phase === 'start'
    },
  })
  for (const worker of workers) worker.lastEnded = performance.now()
  printWindows(windowResults)
  printSlowSeconds(windowResults)
  printStalls(windowResults)
  printReplyStarts(windowResults)
  return windowResults
}

/** The largest stream count, rising in steps, at which nothing is lost and p99 stays under 50 ms. */
async function search(
  kind: Kind,
  variant: Variant,
): Promise<[label: string, streams: number | undefined]> {
  let best: number | undefined
  let label: string = kind
  const step = Number(flags['search-step'])
  const last = Number(flags['search-max'])
  for (let streams = Number(flags['search-from']); streams <= last; streams += step) {
    const [result] = await window([[kind, variant]], streams, seconds)
    if (!result) break
    label = result.label
    searched.push(result)
    const fast = Math.max(result.toAgent.p99, result.toTwilio.p99) < SEARCH_P99_MS
    if (!lostNothing(result) || !fast) break
    best = streams
  }
  return [label, best]
}
