import { describe, expect, it } from 'vitest'
import {
  codeEvent,
  direction,
  latenciesInOrder,
  medianInterval,
  percentile,
  stalls,
} from './bridge-stats.ts'

describe('medianInterval', () => {
  it('needs six measurements for 95%: with five, even the extremes miss 1 time in 16', () => {
    expect(medianInterval([1, 2, 3, 4, 5])).toBeUndefined()
    expect(medianInterval([6, 1, 5, 2, 4, 3])).toEqual({ low: 1, high: 6, coverage: 1 - 2 / 64 })
  })

  it('narrows to the second smallest and second largest at nine measurements', () => {
    const interval = medianInterval([9, 1, 8, 2, 7, 3, 6, 4, 5])
    // 1 - 2 (1 + 9) / 512
    expect(interval).toEqual({ low: 2, high: 8, coverage: 1 - 20 / 512 })
  })

  it('takes the narrowest interval that still reaches the level', () => {
    const values = Array.from({ length: 12 }, (_, i) => i + 1)
    // k = 3: 1 - 2 (1 + 12 + 66) / 4096 = 0.961; k = 4 would be 0.854.
    expect(medianInterval(values)).toMatchObject({ low: 3, high: 10 })
    expect(medianInterval(values, 0.8)).toMatchObject({ low: 4, high: 9 })
  })
})

describe('percentile', () => {
  it('is the nearest rank, NaN when there is nothing', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(sorted, 0.99)).toBe(99)
    expect(percentile(sorted, 0.5)).toBe(50)
    expect(percentile([], 0.99)).toBeNaN()
  })
})

describe('latenciesInOrder', () => {
  it('gives each latency inside the window in the order of sending, across streams', () => {
    const timelines = [
      // Sent before the window, and one that never arrived: left out.
      { sentAt: [-5, 10, 30, 50], receivedAt: [100, 19, 31] },
      { sentAt: [20, 40], receivedAt: [22.5, 44] },
    ]
    expect(latenciesInOrder(timelines, 0, 100)).toEqual([9, 2.5, 1, 4])
  })
})

describe('direction', () => {
  it('counts every message, and takes latencies only of those sent inside the window', () => {
    // 1000 frames sent 10 ms apart from t = 0, the k-th taking k / 100 ms; one more, sent
    // before the window, that took far longer, and one sent that never arrived.
    const sentAt = Array.from({ length: 1002 }, (_, k) => (k - 1) * 10)
    const receivedAt = sentAt.slice(0, 1001).map((at, k) => at + (k === 0 ? 500 : (k - 1) / 100))
    const flow = direction([{ sentAt, receivedAt }], 0, 10_000)
    expect(flow).toMatchObject({ sent: 1002, received: 1001 })
    expect(flow.max).toBeCloseTo(9.99)
    expect(flow.p50).toBeCloseTo(4.99)
    expect(flow.p98).toBeCloseTo(9.79)
    expect(flow.p99).toBeCloseTo(9.89)
    expect(flow.p995).toBeCloseTo(9.94)
  })
})

describe('codeEvent', () => {
  it("reads V8's --trace-opt and --trace-deopt lines, as workerd prints them", () => {
    expect(
      codeEvent(
        '[marking 0x3b1700c5ee8d <JSFunction handle (sfi = 0x3b17008fadcd)> for optimization to MAGLEV, ConcurrencyMode::kConcurrent, reason: hot and stable]',
      ),
    ).toEqual({ kind: 'optimizing' })
    expect(
      codeEvent(
        '[marking dependent code 0x3b170093a809 <Code MAGLEV> (0x3b17008f434d <SharedFunctionInfo hn>) (opt id 83) for deoptimization, reason: embedded weak objects cleared]',
      ),
    ).toEqual({ kind: 'deoptimized', reason: 'embedded weak objects cleared' })
    expect(
      codeEvent(
        '[bailout (kind: deopt-eager, reason: wrong map): begin. deoptimizing 0x3b1700c342c1 <JSFunction ys (sfi = 0x3b17008f43dd)>, 0x3b170093547d <Code MAGLEV>, opt id 120, bytecode offset 475, deopt exit 4, FP to SP delta 40, caller SP 0x7ffc638b4568, pc 0x5581dd24de03]',
      ),
    ).toEqual({ kind: 'deoptimized', reason: 'wrong map' })
  })

  it("counts an optimization once, not again at its compiling lines; passes over others' lines", () => {
    expect(
      codeEvent(
        '[compiling method 0x3b1700c5ee8d <JSFunction handle (sfi = 0x3b17008fadcd)> (target MAGLEV), mode: ConcurrencyMode::kConcurrent]',
      ),
    ).toBeUndefined()
    expect(
      codeEvent(
        '[completed compiling 0x3b1700c5ee8d <JSFunction handle (sfi = 0x3b17008fadcd)> (target MAGLEV) - took 0.001, 1.329, 0.033 ms]',
      ),
    ).toBeUndefined()
    expect(
      codeEvent('[ConferenceRoom conf-1] bridge ended: Twilio stopped the stream'),
    ).toBeUndefined()
  })
})

describe('stalls', () => {
  const options = { overMs: 8, gapMs: 30, minCount: 3 }

  it('groups late messages sent close together across streams, and keeps the large groups', () => {
    const timelines = [
      // Late at 100, 110 and 160, on time at 120.
      { sentAt: [100, 110, 120, 160], receivedAt: [130, 125, 121, 180] },
      // Late at 105 and 125: with the first stream's, 100-125 is one run of four; 160 was
      // sent 35 ms after 125, so it starts a run of its own, too small to keep.
      { sentAt: [105, 125, 200], receivedAt: [140, 150, 201] },
    ]
    expect(stalls(timelines, 0, 1000, options)).toEqual({
      late: 5,
      stalls: [{ at: 100, count: 4, worstMs: 35 }],
    })
  })

  it('counts only what was sent inside the window, and times stalls from its start', () => {
    const timelines = [{ sentAt: [90, 100, 110, 120], receivedAt: [200, 200, 200, 200] }]
    expect(stalls(timelines, 100, 1000, options)).toEqual({
      late: 3,
      stalls: [{ at: 0, count: 3, worstMs: 100 }],
    })
    expect(stalls(timelines, 100, 1000, { ...options, overMs: 100 })).toEqual({
      late: 0,
      stalls: [],
    })
  })
})
