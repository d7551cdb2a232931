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

/** One full garbage collection of V8's, as `--trace-gc` prints it. */
export interface FullCollection {
  /** Heap in use before and after, in MB. */
  beforeMb: number
  afterMb: number
  pauseMs: number
}

const MARK_COMPACT =
  /Mark-Compact ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB,(?: pooled: [\d.]+ MB,)? ([\d.]+) \/ /

/** A `--trace-gc` line's full collection, if it is one (scavenges are left out). */
export function fullCollection(line: string): FullCollection | undefined {
  const match = MARK_COMPACT.exec(line)
  if (!match) return undefined
  const [, before = '', after = '', pause = ''] = match
  return { beforeMb: Number(before), afterMb: Number(after), pauseMs: Number(pause) }
}
