/**
 * The bridge benchmark's arithmetic: frame counts and latency percentiles of
 * one direction, from send and arrival times matched by order per stream
 * (frame k sent is frame k received, since the path is 1:1).
 */

export interface Direction {
  sent: number
  received: number
  p50: number
  /**
   * p98 and p99.5 show where the p99 sits: at N = 50 on a knee between the frames that
   * met no stall and the few that did (p99.5 tens of ms), where a little more stalled
   * time moves the p99 a long way (docs/bridge-bench.md, "Stand-ins").
   */
  p98: number
  p99: number
  p995: number
  max: number
}

/** A stream's send and arrival times in one direction, in ms on the same clock. */
export interface Timeline {
  sentAt: readonly number[]
  receivedAt: readonly number[]
}

/** Counts every message; latencies only of those sent in [from, to). */
export function direction(timelines: readonly Timeline[], from: number, to: number): Direction {
  let sent = 0
  let received = 0
  for (const { sentAt, receivedAt } of timelines) {
    sent += sentAt.length
    received += receivedAt.length
  }
  const latencies = Array.from(matchedLatencies(timelines, from, to), ({ latency }) => latency)
  latencies.sort((a, b) => a - b)
  return {
    sent,
    received,
    p50: percentile(latencies, 0.5),
    p98: percentile(latencies, 0.98),
    p99: percentile(latencies, 0.99),
    p995: percentile(latencies, 0.995),
    max: latencies.at(-1) ?? Number.NaN,
  }
}

/** The latency of each message sent in [from, to) that arrived, in the order they were sent. */
export function latenciesInOrder(
  timelines: readonly Timeline[],
  from: number,
  to: number,
): number[] {
  return matchedInOrder(timelines, from, to).map(({ latency }) => latency)
}

/** Each message sent in [from, to) that arrived, in the order they were sent, across streams. */
function matchedInOrder(timelines: readonly Timeline[], from: number, to: number) {
  return Array.from(matchedLatencies(timelines, from, to)).sort((a, b) => a.at - b.at)
}

/** Each message sent in [from, to) that arrived: when it was sent, and how long it took. */
function* matchedLatencies(timelines: readonly Timeline[], from: number, to: number) {
  for (const { sentAt, receivedAt } of timelines) {
    const matched = Math.min(sentAt.length, receivedAt.length)
    for (let k = 0; k < matched; k++) {
      const at = sentAt[k] ?? 0
      if (at >= from && at < to) yield { at, latency: (receivedAt[k] ?? 0) - at }
    }
  }
}

/** One second of a window in which messages were slow: how many, and the slowest. */
export interface SlowSecond {
  /** Seconds since the window's start. */
  second: number
  count: number
  worstMs: number
}

/**
 * The seconds of [from, to) in which messages took longer than `overMs`: a tail that
 * comes in stalls (every stream at once, for a moment) looks different here from one
 * spread over the window.
 */
export function slowSeconds(
  timelines: readonly Timeline[],
  from: number,
  to: number,
  overMs: number,
): SlowSecond[] {
  const bySecond = new Map<number, SlowSecond>()
  for (const { at, latency } of matchedLatencies(timelines, from, to)) {
    if (latency <= overMs) continue
    const second = Math.floor((at - from) / 1000)
    const slow = bySecond.get(second) ?? { second, count: 0, worstMs: 0 }
    slow.count++
    slow.worstMs = Math.max(slow.worstMs, latency)
    bySecond.set(second, slow)
  }
  return [...bySecond.values()].sort((a, b) => a.second - b.second)
}

/** Messages late together: a stop of the runtime that every call waited through. */
export interface Stall {
  /** When its first late message was sent, ms since the window's start. */
  at: number
  /** How many messages were late in it, and the slowest. */
  count: number
  worstMs: number
}

/** The late messages of a window, and how many of them came in stalls. */
export interface Stalls {
  late: number
  stalls: Stall[]
}

/**
 * The messages sent in [from, to) that took longer than `overMs`, grouped into stalls:
 * runs of them sent at most `gapMs` apart, kept when they hold at least `minCount`. At
 * N = 50 a quiet machine's p99 lies inside such runs, one per collection or so, and
 * how long they last sets it (docs/bridge-bench.md, "A pause on two cores").
 */
export function stalls(
  timelines: readonly Timeline[],
  from: number,
  to: number,
  { overMs, gapMs, minCount }: { overMs: number; gapMs: number; minCount: number },
): Stalls {
  const late = matchedInOrder(timelines, from, to).filter(({ latency }) => latency > overMs)
  const runs: (Stall & { lastAt: number })[] = []
  for (const { at, latency } of late) {
    const run = runs.at(-1)
    if (run && at - run.lastAt <= gapMs) {
      run.count++
      run.worstMs = Math.max(run.worstMs, latency)
      run.lastAt = at
    } else {
      runs.push({ at, count: 1, worstMs: latency, lastAt: at })
    }
  }
  return {
    late: late.length,
    stalls: runs
      .filter(({ count }) => count >= minCount)
      .map(({ at, count, worstMs }) => ({ at: at - from, count, worstMs })),
  }
}

/** The nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil(fraction * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN
}

/** One garbage collection of V8's, as `--trace-gc-nvp` prints it. */
export interface Collection {
  /**
   * The isolate that collected, as `pid:address`. `wrangler dev`'s workerd processes each
   * hold several (the worker's, and wrangler's own small workers), and each prints its own
   * collections.
   */
  isolate: string
  kind: 'full' | 'scavenge'
  /** Heap in use before and after, in MB. */
  beforeMb: number
  afterMb: number
  pauseMs: number
  /**
   * Where a full collection's pause went: marking what is live, and clearing what died
   * (weak references and handles, the runtime's among them).
   */
  markMs: number
  clearMs: number
  /** A scavenge's time finding its roots (the handles the runtime holds included). */
  rootsMs: number
  /** The young generation's capacity, MB. */
  youngMb: number
  /** Where V8 set the old generation's limit: the next full collection comes there. */
  oldLimitMb: number
}

/**
 * `[pid:isolate:n]  time ms: GC: {"pause":57.66,"gc":"mc",...}`: workerd's V8 prints
 * `--trace-gc-nvp` as JSON, one line per collection, with the pause's phases (V8's
 * src/heap/gc-tracer.cc names them); sizes are in bytes.
 */
const MB = 1024 * 1024
const TRACE_GC_NVP = /\[(\d+:0x[\da-f]+)(?::\d+)?\].*? GC: (\{.*\})\s*$/

/** A `--trace-gc-nvp` line's collection, if it is a full one or a scavenge. */
export function collection(line: string): Collection | undefined {
  const match = TRACE_GC_NVP.exec(line)
  if (!match) return undefined
  const [, isolate = '', json = ''] = match
  let fields: Record<string, unknown>
  try {
    fields = JSON.parse(json)
  } catch {
    return undefined
  }
  const kind = fields.gc === 's' ? 'scavenge' : fields.gc === 'mc' ? 'full' : undefined
  if (!kind) return undefined
  const n = (name: string) => (typeof fields[name] === 'number' ? fields[name] : 0)
  const mb = (name: string) => n(name) / MB
  return {
    isolate,
    kind,
    beforeMb: mb('start_object_size'),
    afterMb: mb('end_object_size'),
    pauseMs: n('pause'),
    markMs: n('mark'),
    clearMs: n('clear'),
    rootsMs: n('scavenge.roots'),
    youngMb: mb('new_space_capacity'),
    oldLimitMb: mb('old_gen_allocation_limit'),
  }
}

/**
 * V8's `--trace-opt` and `--trace-deopt` lines, as workerd prints them: a function queued
 * for optimization (`[marking 0x… <JSFunction f …> for optimization to MAGLEV, …]`),
 * optimized code thrown away for a reason found outside it (`[marking dependent code … for
 * deoptimization, reason: embedded weak objects cleared]`: a full collection freed a map or
 * object the code was built on), and code left mid-run because what it met was not what it
 * was built for (`[bailout (kind: deopt-eager, reason: wrong map): begin. …`).
 */
export type CodeEvent = { kind: 'optimizing' } | { kind: 'deoptimized'; reason: string }

const OPTIMIZING = /\[marking 0x[\da-f]+ <JSFunction.*> for optimization to /
const DEOPTIMIZED = [
  /\[marking dependent code .* for deoptimization, reason: (.+)\]\s*$/,
  /\[bailout \(kind: [\w-]+, reason: (.+?)\): begin\./,
]

/** A trace line's optimization or deoptimization, if it is one. */
export function codeEvent(line: string): CodeEvent | undefined {
  if (OPTIMIZING.test(line)) return { kind: 'optimizing' }
  for (const pattern of DEOPTIMIZED) {
    const reason = pattern.exec(line)?.[1]
    if (reason !== undefined) return { kind: 'deoptimized', reason }
  }
  return undefined
}

/** What one isolate's collections came to over a run. */
export interface CollectionSummary {
  full: readonly Collection[]
  scavenges: readonly Collection[]
}

/**
 * The collections of the isolate that collected most often: under load, the worker's own
 * (the others are wrangler's asset and proxy workers, a few collections a window).
 */
export function busiestIsolate(collections: readonly Collection[]): CollectionSummary {
  const counts = new Map<string, number>()
  for (const { isolate } of collections) counts.set(isolate, (counts.get(isolate) ?? 0) + 1)
  const [busiest] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? []
  const mine = collections.filter(({ isolate }) => isolate === busiest)
  return {
    full: mine.filter(({ kind }) => kind === 'full'),
    scavenges: mine.filter(({ kind }) => kind === 'scavenge'),
  }
}

/**
 * A confidence interval for the median of independent measurements that assumes nothing
 * about their distribution: the k-th smallest and the k-th largest, with the largest k
 * for which the interval holds the true median with probability at least `level`. That
 * probability is 1 - 2 P(Binomial(n, 1/2) < k): the interval misses only when k or more
 * measurements fall on the same side of the median. Undefined when there are too few
 * measurements for `level` even with k = 1 (fewer than 6 for 95%).
 */
export function medianInterval(
  values: readonly number[],
  level = 0.95,
): { low: number; high: number; coverage: number } | undefined {
  const n = values.length
  const sorted = [...values].sort((a, b) => a - b)
  let best: { low: number; high: number; coverage: number } | undefined
  let below = 0 // P(Binomial(n, 1/2) < k), summed one k at a time
  for (let k = 1; 2 * k <= n + 1; k++) {
    below += binomial(n, k - 1) / 2 ** n
    const coverage = 1 - 2 * below
    if (coverage < level) break
    best = { low: sorted[k - 1] ?? Number.NaN, high: sorted[n - k] ?? Number.NaN, coverage }
  }
  return best
}

function binomial(n: number, k: number): number {
  let result = 1
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i
  return result
}
