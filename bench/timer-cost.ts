/**
 * What one timer wake-up of a Durable Object costs the runtime:
 * `node bench/timer-cost.ts [--rooms 50] [--seconds 10] [--repeat 3]`.
 *
 * Runs bench/timer-cost/'s worker under `wrangler dev` and, in turn, makes `--rooms`
 * Durable Objects wake on a timer every 1000, 100 and 10 ms for `--seconds`, and once
 * with no wake-ups but the last (the control). Each wake clears and sets the timer as the
 * room's `timer` action does. It prints the runtime's CPU for each, and what a wake-up
 * costs over the control. The bridge benchmark asked whether the marks' fallback timer,
 * about 0.75 wake-ups per call-second while the agent speaks, explains part of ours' CPU
 * (docs/bridge-bench.md, "Alternating windows"); this gives the price of one.
 */
import { parseArgs } from 'node:util'
import { startWranglerDev } from '../test/e2e/wrangler-dev.ts'
import { cpuMs, workerdProcesses } from './bridge-cpu.ts'
import { printTable } from './table.ts'

const { values } = parseArgs({
  options: {
    rooms: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '3' },
  },
})
const rooms = Number(values.rooms)
const seconds = Number(values.seconds)
const repeat = Number(values.repeat)
const CONTROL_PERIOD_MS = Number.MAX_SAFE_INTEGER
const PERIODS_MS = [1000, 100, 10]
/** The marks' fallback timer in a simulated call of the bridge benchmark's load. */
const MARK_WAKES_PER_CALL_SECOND = 0.75

const worker = await startWranglerDev({
  config: 'bench/timer-cost/wrangler.toml',
  vars: () => ({}),
  readyPath: '/?rooms=1&period=1&seconds=0',
})
try {
  const { runtime } = workerdProcesses(worker.pid, worker.port)
  const window = async (periodMs: number) => {
    const before = cpuMs(runtime)
    const response = await fetch(
      `${worker.url}/?rooms=${rooms}&period=${periodMs}&seconds=${seconds}`,
    )
    const { wakes } = (await response.json()) as { wakes: number }
    return { wakes, cpuMs: cpuMs(runtime) - before }
  }
  // Every Durable Object and code path runs once before anything is measured.
  await window(100)
  const rows: string[][] = []
  const perWake: number[] = []
  for (let round = 1; round <= repeat; round++) {
    const control = await window(CONTROL_PERIOD_MS)
    rows.push([String(round), 'none', String(control.wakes), control.cpuMs.toFixed(0), '–'])
    for (const periodMs of PERIODS_MS) {
      const { wakes, cpuMs: spent } = await window(periodMs)
      const perWakeUs = ((spent - control.cpuMs) * 1000) / (wakes - control.wakes)
      // A 1000 ms period adds a few clock ticks of CPU (10 ms each): too coarse to price.
      if (periodMs < 1000) perWake.push(perWakeUs)
      rows.push([
        String(round),
        `${periodMs} ms`,
        String(wakes),
        spent.toFixed(0),
        perWakeUs.toFixed(1),
      ])
    }
  }
  console.log(
    `Timer wake-ups: ${rooms} Durable Objects, ${seconds} s a window, the runtime's CPU (ms)`,
  )
  printTable(['round', 'period', 'wake-ups', 'CPU ms', 'µs a wake-up over the control'], rows)
  const median = perWake.sort((a, b) => a - b)[Math.floor(perWake.length / 2)] ?? Number.NaN
  console.log(
    `Median ${median.toFixed(1)} µs a wake-up (the 100 and 10 ms periods): at ${MARK_WAKES_PER_CALL_SECOND} wake-ups per call-second, ${(median * MARK_WAKES_PER_CALL_SECOND).toFixed(0)} µs of CPU per call-second.`,
  )
} finally {
  await worker.stop()
}
