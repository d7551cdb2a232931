/**
 * The bridge benchmark's output: one row per measured window, the
 * interruption -> clear latencies, the largest stream count each worker
 * carried, and a verdict on each target of the issue (no frame lost; our CPU
 * per stream-second within 1.1x the floor's and our p99 within 1.2x, at each
 * stream count; `clear` within 5 ms of the interruption at N = 1).
 */
import { SLOW_MS, STALLS, type WindowResult } from './bridge-load.ts'
import { addedByOurs, type LogicFigures } from './bridge-logic.ts'
import {
  busiestIsolate,
  type CodeEvent,
  type Collection,
  type Direction,
  medianInterval,
  percentile,
} from './bridge-stats.ts'
import { fixed, printTable } from './table.ts'

const CPU_RATIO_TARGET = 1.1
const P99_RATIO_TARGET = 1.2
const CLEAR_TARGET_MS = 5

export const lostNothing = (result: WindowResult): boolean =>
  [result.toAgent, result.toTwilio, result.clears].every(
    (flow) => !flow || flow.sent === flow.received,
  ) && result.violations === 0

const ms = (value: number) => fixed(value, 1)
/** Where a p99 sits: the p98 and the p99.5 around it. */
const tail = (flow: Direction) => `${ms(flow.p98)}–${ms(flow.p995)}`

export function printWindows(results: readonly WindowResult[]): void {
  printTable(
    [
      'worker',
      'N',
      'tw>ag sent',
      'recv',
      'p50',
      'p99',
      'ag>tw sent',
      'recv',
      'p50',
      'p99',
      'CPU ms/stream-s',
      'proxy',
      'agent conns',
      'loadgen CPU',
      'loop p99',
      'load',
    ],
    results.map((r) => [
      r.label,
      String(r.streams),
      String(r.toAgent.sent),
      String(r.toAgent.received),
      ms(r.toAgent.p50),
      ms(r.toAgent.p99),
      String(r.toTwilio.sent),
      String(r.toTwilio.received),
      ms(r.toTwilio.p50),
      ms(r.toTwilio.p99),
      fixed(r.runtimeCpu, 2),
      fixed(r.proxyCpu, 2),
      String(r.runtimeAgentSockets),
      `${fixed(r.loadGeneratorCpu / 10, 0)}%`,
      ms(r.loadGeneratorDelayP99),
      fixed(r.loadAverage, 1),
    ]),
  )
}

/** Where a window's slow frames fell: "s 12: 40 frames, worst 129 ms". */
export function printSlowSeconds(results: readonly WindowResult[]): void {
  for (const r of results) {
    if (r.slowToAgent.length === 0) continue
    const seconds = r.slowToAgent.map(
      ({ second, count, worstMs }) => `s ${second}: ${count} (worst ${ms(worstMs)} ms)`,
    )
    console.log(
      `${r.label}, frames over ${SLOW_MS} ms to the agent by second: ${seconds.join(', ')}`,
    )
  }
}

/**
 * How much of each window's tail came in stalls, and how long they were: on a quiet machine
 * at N = 50 nearly all of it, so the p99 is set by the stalls (docs/bridge-bench.md, "A
 * pause on two cores").
 */
export function printStalls(results: readonly WindowResult[]): void {
  for (const r of results) {
    const { late, stalls } = r.stallsToAgent
    if (late === 0) continue
    const inStalls = stalls.reduce((sum, { count }) => sum + count, 0)
    const each = stalls.map(
      ({ at, count, worstMs }) => `${fixed(at / 1000, 1)} s: ${count} (worst ${ms(worstMs)} ms)`,
    )
    console.log(
      `${r.label}, frames over ${STALLS.overMs} ms to the agent: ${late}, ${stalls.length === 0 ? 'none in stalls' : `${inStalls} of them in ${stalls.length} stalls: ${each.join(', ')}`}`,
    )
  }
}

/** The first audio of each reply, which waits behind whatever the room did as the turn opened. */
export function printReplyStarts(results: readonly WindowResult[]): void {
  for (const r of results) {
    const starts = r.replyStarts
    if (!starts || starts.sent === 0) continue
    console.log(
      `${r.label}, first audio of each reply to Twilio: ${starts.received}/${starts.sent}, p50 ${ms(starts.p50)} ms, p99 ${ms(starts.p99)} ms, max ${ms(starts.max)} ms`,
    )
  }
}

export function printClears(results: readonly WindowResult[]): void {
  const rows = results.flatMap((r) => (r.clears ? [[r, r.clears] as const] : []))
  printTable(
    ['worker', 'interruptions', 'clears received', 'p50 ms', 'max ms', 'each, in order, ms'],
    rows.map(([result, clears]) => [
      result.label,
      String(clears.sent),
      String(clears.received),
      ms(clears.p50),
      ms(clears.max),
      (result.clearsInOrder ?? []).map((latency) => latency.toFixed(1)).join(' '),
    ]),
  )
}

const middle = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN
}

function medianDirection(flows: readonly Direction[]): Direction {
  const sum = (of: (flow: Direction) => number) =>
    flows.reduce((total, flow) => total + of(flow), 0)
  return {
    sent: sum((flow) => flow.sent),
    received: sum((flow) => flow.received),
    p50: middle(flows.map((flow) => flow.p50)),
    p98: middle(flows.map((flow) => flow.p98)),
    p99: middle(flows.map((flow) => flow.p99)),
    p995: middle(flows.map((flow) => flow.p995)),
    max: Math.max(...flows.map((flow) => flow.max)),
  }
}

/** One row per worker and stream count: frames summed, everything else the median of its windows. */
export function medians(results: readonly WindowResult[]): WindowResult[] {
  const groups = new Map<string, WindowResult[]>()
  for (const result of results) {
    const key = `${result.label} ${result.streams} ${result.clears ? 'interrupting' : ''}`
    groups.set(key, [...(groups.get(key) ?? []), result])
  }
  return [...groups.values()].map((group) => {
    const of = (value: (r: WindowResult) => number) => middle(group.map(value))
    const [first] = group as [WindowResult, ...WindowResult[]]
    const clears = group.flatMap((r) => (r.clears ? [r.clears] : []))
    return {
      ...first,
      toAgent: medianDirection(group.map((r) => r.toAgent)),
      toTwilio: medianDirection(group.map((r) => r.toTwilio)),
      clears: clears.length > 0 ? medianDirection(clears) : undefined,
      runtimeCpu: of((r) => r.runtimeCpu),
      proxyCpu: of((r) => r.proxyCpu),
      loadGeneratorCpu: of((r) => r.loadGeneratorCpu),
      loadGeneratorDelayP99: of((r) => r.loadGeneratorDelayP99),
      loadAverage: of((r) => r.loadAverage),
      violations: group.reduce((sum, r) => sum + r.violations, 0),
    }
  })
}

const verdict = (met: boolean) => (met ? 'met' : 'NOT MET')

/** ours' row against the floor's (both medians): CPU and p99 ratios with their verdicts. */
function compare(ours: WindowResult, floor: WindowResult): string {
  const cpu = ours.runtimeCpu / floor.runtimeCpu
  const ratio = (of: (r: WindowResult) => Direction) => of(ours).p99 / of(floor).p99
  const toAgent = ratio((r) => r.toAgent)
  const toTwilio = ratio((r) => r.toTwilio)
  return (
    `CPU ${fixed(cpu, 2)}x (target ${CPU_RATIO_TARGET}x): ${verdict(cpu <= CPU_RATIO_TARGET)}; ` +
    `p99 ${fixed(toAgent, 2)}x to the agent, ${fixed(toTwilio, 2)}x to Twilio (target ${P99_RATIO_TARGET}x): ` +
    verdict(toAgent <= P99_RATIO_TARGET && toTwilio <= P99_RATIO_TARGET)
  )
}

/**
 * The issue's targets, for each stream count measured for both workers (give it `medians`):
 * ours against the floor as measured, like against like where the variants ran (ulaw_8000
 * agents against the floor, pcm_16000 agents against the converting floor), and, with the
 * logic benchmark's figures, the floor's measured CPU plus what our JavaScript adds to it.
 */
export function printVerdicts(
  results: readonly WindowResult[],
  counts: readonly number[],
  logic?: readonly LogicFigures[],
): void {
  const find = (label: string, streams: number) =>
    results.find((r) => r.label === label && r.streams === streams && !r.clears)
  console.log(`No frame lost in any window: ${verdict(results.every(lostNothing))}`)
  const added = logic && addedByOurs(logic)
  for (const streams of counts) {
    const floor = find('floor', streams)
    if (!floor) continue
    const pairs: [string, WindowResult | undefined, WindowResult | undefined][] = [
      ['ours (pcm_16000 agents) against the floor', find('ours', streams), floor],
      ['ours(ulaw) against the floor', find('ours(ulaw)', streams), floor],
      ['ours against floor+convert', find('ours', streams), find('floor+convert', streams)],
    ]
    for (const [what, ours, base] of pairs) {
      if (ours && base) console.log(`N = ${streams}, ${what}: ${compare(ours, base)}`)
    }
    if (added) {
      // The logic benchmark has no sockets: it cannot see what bigger pcm messages cost to send,
      // so pcm_16000 is judged against the converting floor's measured CPU, which pays that too.
      const plus = (base: WindowResult, us: number) =>
        (base.runtimeCpu + us / 1000) / base.runtimeCpu
      const ulaw = plus(floor, added.ulawOverFloor)
      const converting = find('floor+convert', streams)
      const pcm = converting && plus(converting, added.pcmOverConvertingFloor)
      console.log(
        `N = ${streams}, measured relay CPU plus what our logic adds to it (logic benchmark): ` +
          `${fixed(ulaw, 3)}x the floor with ulaw_8000 agents (target ${CPU_RATIO_TARGET}x): ${verdict(ulaw <= CPU_RATIO_TARGET)}` +
          (pcm === undefined
            ? ''
            : `; ${fixed(pcm, 3)}x floor+convert with pcm_16000 agents: ${verdict(pcm <= CPU_RATIO_TARGET)}`),
      )
    }
  }
  const clears = results.find((r) => r.label === 'ours' && r.clears)?.clears
  if (clears) {
    console.log(
      `clear after interruption at N = 1: p50 ${fixed(clears.p50, 2)} ms, max ${fixed(clears.max, 2)} ms ` +
        `(target ${CLEAR_TARGET_MS} ms): ${verdict(clears.max <= CLEAR_TARGET_MS && clears.sent === clears.received)}`,
    )
  }
  console.log()
}

/**
 * A ratio's verdict over shared windows: its median, and, from six windows on, the median's
 * 95% interval (bench/bridge-stats.ts). Met or not met only when the whole interval lies on
 * one side of the target; a window-to-window spread wider than the margin leaves it open,
 * which is what a verdict from the median alone used to hide.
 */
function judged(ratios: readonly number[], target: number): string {
  const median = `${fixed(middle(ratios), 2)}x`
  const interval = medianInterval(ratios)
  if (!interval) {
    return `${median} (target ${target}x): not settled, too few windows for an interval (6 or more)`
  }
  const { low, high, coverage } = interval
  const word = high <= target ? 'met' : low > target ? 'NOT MET' : 'not settled'
  return (
    `${median} (${Math.floor(coverage * 100)}% interval ${fixed(low, 2)}–${fixed(high, 2)}x, ` +
    `target ${target}x): ${word}`
  )
}

/**
 * Windows that loaded ours and its floor together (--together): each window's ratios of
 * ours to the floor, then, by pairing and stream count, their medians and verdicts.
 * Within a window both workers met the same machine, so the ratios vary far less than
 * those of separate windows do.
 */
export function printPairs(
  pairs: readonly (readonly [ours: WindowResult, floor: WindowResult])[],
  /** What a pair is: `shared windows` (--together) or `alternating pairs`. */
  unit: string,
): void {
  const ratios = pairs.map(([ours, floor]) => ({
    key: `${ours.label} / ${floor.label}`,
    streams: ours.streams,
    cpu: ours.runtimeCpu / floor.runtimeCpu,
    toAgent: ours.toAgent.p99 / floor.toAgent.p99,
    toTwilio: ours.toTwilio.p99 / floor.toTwilio.p99,
    ours,
    floor,
  }))
  const times = (value: number) => `${fixed(value, 2)}x`
  printTable(
    [
      'pair',
      'N',
      'CPU ms/stream-s',
      'CPU ratio',
      'p99 to agent ms',
      'ratio',
      'p99 to Twilio ms',
      'ratio',
      'p98–p99.5 to agent ms',
    ],
    ratios.map((r) => [
      r.key,
      String(r.streams),
      `${fixed(r.ours.runtimeCpu, 2)} / ${fixed(r.floor.runtimeCpu, 2)}`,
      times(r.cpu),
      `${ms(r.ours.toAgent.p99)} / ${ms(r.floor.toAgent.p99)}`,
      times(r.toAgent),
      `${ms(r.ours.toTwilio.p99)} / ${ms(r.floor.toTwilio.p99)}`,
      times(r.toTwilio),
      `${tail(r.ours.toAgent)} / ${tail(r.floor.toAgent)}`,
    ]),
  )
  const groups = new Map<string, typeof ratios>()
  for (const r of ratios) {
    const key = `N = ${r.streams}, ${r.key}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  for (const [key, group] of groups) {
    const judge = (of: (r: (typeof group)[number]) => number, target: number) =>
      judged(group.map(of), target)
    console.log(
      `${key}, ${group.length} ${unit}: CPU ${judge((r) => r.cpu, CPU_RATIO_TARGET)}; ` +
        `p99 to the agent ${judge((r) => r.toAgent, P99_RATIO_TARGET)}; ` +
        `p99 to Twilio ${judge((r) => r.toTwilio, P99_RATIO_TARGET)}`,
    )
  }
  console.log()
}

export function printCapacity(capacity: ReadonlyMap<string, number | undefined>): void {
  for (const [label, streams] of capacity) {
    console.log(
      `${label}: ${streams === undefined ? 'no stream count passed' : `${streams} streams`} ` +
        'with every frame delivered and p99 under 50 ms both ways',
    )
  }
  console.log()
}

/**
 * --trace-gc: each runtime's collections over the whole run (set-up and settling included),
 * in its busiest isolate. Full collections and scavenges both stop the isolate: every
 * message of every call waits for them. A full collection's pause is mostly marking and
 * clearing; V8 sets the next one's limit (`old limit`) from what was live after it plus
 * the young generation's capacity at the time (`young gen`).
 */
export function printCollections(byWorker: ReadonlyMap<string, readonly Collection[]>): void {
  // '–' where a runtime had none of a kind (a short run may have no full collection).
  const pauses = (collections: readonly Collection[], ...fractions: number[]) => {
    const sorted = collections.map((gc) => gc.pauseMs).sort((a, b) => a - b)
    return sorted.length === 0 ? '–' : fractions.map((f) => ms(percentile(sorted, f))).join(' / ')
  }
  const median = (values: number[], digits = 1) =>
    values.length === 0 ? '–' : fixed(middle(values), digits)
  const row = (worker: string, collections: readonly Collection[]) => {
    const { full, scavenges } = busiestIsolate(collections)
    return [
      worker,
      String(full.length),
      pauses(full, 0.5, 1),
      `${median(full.map((gc) => gc.markMs))} / ${median(full.map((gc) => gc.clearMs))}`,
      median(full.map((gc) => gc.beforeMb)),
      median(full.map((gc) => gc.afterMb)),
      median(full.map((gc) => gc.oldLimitMb)),
      median(full.map((gc) => gc.youngMb)),
      String(scavenges.length),
      pauses(scavenges, 0.5, 0.9, 1),
      median(scavenges.map((gc) => gc.rootsMs)),
      scavenges.length === 0 ? '–' : fixed(Math.max(...scavenges.map((gc) => gc.youngMb)), 1),
    ]
  }
  printTable(
    [
      'runtime',
      'full GCs',
      'pause p50 / max ms',
      'mark / clear p50 ms',
      'heap before p50 MB',
      'live after p50 MB',
      'old limit p50 MB',
      'young gen p50 MB',
      'scavenges',
      'pause p50 / p90 / max ms',
      'roots p50 ms',
      'young gen largest MB',
    ],
    [...byWorker].map(([worker, collections]) => row(worker, collections)),
  )
}

/** V8's reason when a full collection freed a map or object that optimized code was built on. */
const AT_A_COLLECTION = 'embedded weak objects cleared'

/**
 * --trace-deopt: each runtime's optimizations and deoptimizations inside the measured
 * windows. Code thrown away at a collection leaves what it ran to slower tiers until V8
 * optimizes it again, just when the calls catch up on what queued behind the pause.
 */
export function printCodeChurn(byWorker: ReadonlyMap<string, readonly CodeEvent[]>): void {
  const row = (worker: string, events: readonly CodeEvent[]) => {
    const reasons = new Map<string, number>()
    for (const event of events) {
      if (event.kind === 'deoptimized')
        reasons.set(event.reason, (reasons.get(event.reason) ?? 0) + 1)
    }
    const deoptimized = [...reasons.values()].reduce((sum, n) => sum + n, 0)
    const others = [...reasons]
      .filter(([reason]) => reason !== AT_A_COLLECTION)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([reason, n]) => `${reason} (${n})`)
    return [
      worker,
      String(events.length - deoptimized),
      String(deoptimized),
      String(reasons.get(AT_A_COLLECTION) ?? 0),
      others.join(', ') || '–',
    ]
  }
  printTable(
    [
      'runtime',
      'optimizations',
      'deoptimizations',
      'at a full collection',
      'other reasons, most frequent',
    ],
    [...byWorker].map(([worker, events]) => row(worker, events)),
  )
}
