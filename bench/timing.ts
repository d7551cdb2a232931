/**
 * Timing for the benchmark sections: warm the code up, then time several
 * runs of many calls each and report the median, which shrugs off the odd
 * slow run (GC, another process) that a mean would absorb. Alternatives are
 * timed in alternation (a run of each, then the next run of each), so slow
 * spells of the machine fall on all of them alike.
 */

export interface TimingOptions {
  /** Runs whose median is reported. */
  readonly runs?: number
  /** Roughly how long each run of each alternative lasts. */
  readonly runMs?: number
  readonly warmUpMs?: number
}

/** Calls `work` until `ms` have passed, in growing batches; returns how many calls that took. */
function callsIn(work: () => unknown, ms: number): number {
  let calls = 0
  const start = performance.now()
  for (let batch = 1; performance.now() - start < ms; batch = Math.min(batch * 2, 4096)) {
    for (let i = 0; i < batch; i++) work()
    calls += batch
  }
  return calls
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Median time of one call of each of `works`, in nanoseconds. */
export function nanosecondsPerCall(
  works: readonly (() => unknown)[],
  options: TimingOptions = {},
): number[] {
  const { runs = 9, runMs = 50, warmUpMs = 200 } = options
  const calls = works.map((work) =>
    Math.max(1, Math.round(callsIn(work, warmUpMs) * (runMs / warmUpMs))),
  )
  const times = works.map((): number[] => [])
  for (let run = 0; run < runs; run++) {
    works.forEach((work, i) => {
      const count = calls[i] ?? 1
      const start = performance.now()
      for (let call = 0; call < count; call++) work()
      times[i]?.push(((performance.now() - start) * 1e6) / count)
    })
  }
  return times.map(median)
}
