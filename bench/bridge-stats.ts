/**
 * The bridge benchmark's arithmetic: frame counts and latency percentiles of
 * one direction, from send and arrival times matched by order per stream
 * (frame k sent is frame k received, since the path is 1:1).
 */

export interface Direction {
  sent: number
  received: number
  p50: number
  p99: number
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
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
  }
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

/** The nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil(fraction * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN
}

/** One garbage collection of V8's, as `--trace-gc` prints it. */
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
}

// `[pid:isolate]  time ms: Mark-Compact 37.0 (46.0) -> 1.2 (19.8) MB, pooled: 26.2 MB, 106.21 / 0.00 ms ...`
const TRACE_GC =
  /\[(\d+:0x[\da-f]+)\]\s+[\d.]+ ms: (Mark-Compact|Scavenge)(?: \(reduce\))? ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB,(?: pooled: [\d.]+ MB,)? ([\d.]+) \/ /

/** A `--trace-gc` line's collection, if it is a full one or a scavenge. */
export function collection(line: string): Collection | undefined {
  const match = TRACE_GC.exec(line)
  if (!match) return undefined
  const [, isolate = '', kind, before = '', after = '', pause = ''] = match
  return {
    isolate,
    kind: kind === 'Scavenge' ? 'scavenge' : 'full',
    beforeMb: Number(before),
    afterMb: Number(after),
    pauseMs: Number(pause),
  }
}

/** What one isolate's collections came to over a run. */
export interface CollectionSummary {
  full: readonly Collection[]
  scavenges: readonly Collection[]
  /**
   * For each scavenge, the MB allocated since the collection before it: under load, the
   * size V8 has given the young generation (it grows it while much survives).
   */
  allocatedMb: readonly number[]
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
    allocatedMb: mine.flatMap((gc, i) => {
      const before = mine[i - 1]
      return gc.kind === 'scavenge' && before ? [gc.beforeMb - before.afterMb] : []
    }),
  }
}
