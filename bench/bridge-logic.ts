/**
 * What each worker's JavaScript costs per call-second, measured in workerd
 * without sockets (the loop is bench/passthrough/logic.ts, served by the
 * floor's `wrangler dev`). End-to-end windows swing by 20% between runs of the
 * same worker on this shared machine, more than the whole difference between
 * the floor and our bridge; this measures that difference alone, to about 1%.
 *
 * workerd's clocks stand still while JavaScript runs, so each request is timed
 * from here: a warm-up, then rounds that alternate the cases, the median
 * round per case.
 */
import type { LogicCase, LogicResult } from './passthrough/logic.ts'
import { fixed, printTable } from './table.ts'

/** The bench's load: 50 Twilio frames per call-second (logic.ts adds the agent's messages). */
const FRAMES_PER_SECOND = 50
/** Each relay next to our bridge on the same agent format, in the table and in each round. */
const ROUND_ORDER: readonly LogicCase[] = ['floor', 'ours(ulaw)', 'floor+convert', 'ours']

export interface LogicFigures {
  label: LogicCase
  /** CPU (wall time of a busy isolate) per call-second of the bench's load, µs: median, min, max. */
  usPerCallSecond: number
  min: number
  max: number
  result: LogicResult
}

export async function measureLogic(
  baseUrl: string,
  options: { rounds: number; frames: number },
): Promise<LogicFigures[]> {
  const run = async (label: LogicCase): Promise<{ us: number; result: LogicResult }> => {
    const started = performance.now()
    const response = await fetch(
      `${baseUrl}/bench/logic?case=${encodeURIComponent(label)}&frames=${options.frames}`,
    )
    const elapsedMs = performance.now() - started
    if (!response.ok)
      throw new Error(`logic benchmark: ${response.status} ${await response.text()}`)
    const result = (await response.json()) as LogicResult
    return { us: ((elapsedMs * 1000) / result.frames) * FRAMES_PER_SECOND, result }
  }
  for (const label of ROUND_ORDER) await run(label)
  const times = new Map<LogicCase, number[]>(ROUND_ORDER.map((label) => [label, []]))
  const results = new Map<LogicCase, LogicResult>()
  for (let round = 0; round < options.rounds; round++) {
    for (const label of ROUND_ORDER) {
      const { us, result } = await run(label)
      times.get(label)?.push(us)
      results.set(label, result)
    }
  }
  return ROUND_ORDER.map((label) => {
    const sorted = [...(times.get(label) ?? [])].sort((a, b) => a - b)
    const result = results.get(label)
    if (!result || sorted.length === 0) throw new Error(`logic benchmark: no rounds of ${label}`)
    return {
      label,
      usPerCallSecond: sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN,
      min: sorted[0] ?? Number.NaN,
      max: sorted.at(-1) ?? Number.NaN,
      result,
    }
  })
}

/** What our bridge's JavaScript adds per call-second to the relay it is compared with. */
export function addedByOurs(figures: readonly LogicFigures[]): {
  ulawOverFloor: number
  pcmOverConvertingFloor: number
  pcmOverFloor: number
} {
  const us = (label: LogicCase) =>
    figures.find((figure) => figure.label === label)?.usPerCallSecond ?? Number.NaN
  return {
    ulawOverFloor: us('ours(ulaw)') - us('floor'),
    pcmOverConvertingFloor: us('ours') - us('floor+convert'),
    pcmOverFloor: us('ours') - us('floor'),
  }
}

export function printLogic(figures: readonly LogicFigures[], rounds: number): void {
  console.log(
    `JavaScript per call-second in workerd, no sockets (median of ${rounds} rounds; 50 Twilio frames, 5 agent audio events, pings):\n`,
  )
  printTable(
    ['worker', 'µs per call-s', 'min', 'max', 'to agent', 'to Twilio'],
    figures.map((f) => [
      f.label,
      fixed(f.usPerCallSecond, 1),
      fixed(f.min, 1),
      fixed(f.max, 1),
      String(f.result.sentToAgent),
      String(f.result.sentToTwilio),
    ]),
  )
  const added = addedByOurs(figures)
  console.log(
    `Our bridge's logic adds ${fixed(added.ulawOverFloor, 1)} µs per call-second to the floor's with ulaw_8000 agents, ` +
      `${fixed(added.pcmOverConvertingFloor, 1)} µs to a floor that converts as it does with pcm_16000 agents ` +
      `(conversion included: ${fixed(added.pcmOverFloor, 1)} µs).\n`,
  )
}
