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
  const latencies: number[] = []
  for (const { sentAt, receivedAt } of timelines) {
    sent += sentAt.length
    received += receivedAt.length
    const matched = Math.min(sentAt.length, receivedAt.length)
    for (let k = 0; k < matched; k++) {
      const at = sentAt[k] ?? 0
      if (at >= from && at < to) latencies.push((receivedAt[k] ?? 0) - at)
    }
  }
  latencies.sort((a, b) => a - b)
  return {
    sent,
    received,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
  }
}

/** The nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil(fraction * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN
}
