import { describe, expect, it } from 'vitest'
import {
  addStats,
  countIgnored,
  countInvalid,
  MAX_IGNORED_TYPES,
  newBridgeStats,
} from './bridge-stats.ts'

/** Counts `times` bad inputs of one kind; returns the number of each that was logged. */
function loggedInvalid(times: number): number[] {
  const stats = newBridgeStats()
  const logged: number[] = []
  for (let n = 1; n <= times; n++) {
    if (countInvalid(stats, 'twilio:wrong_stream', 'MZ1')) logged.push(n)
  }
  return logged
}

describe('bad input', () => {
  it('is counted by kind', () => {
    const stats = newBridgeStats()
    countInvalid(stats, 'twilio:wrong_stream', 'MZ1')
    countInvalid(stats, 'twilio:wrong_stream', 'MZ2')
    countInvalid(stats, 'agent:invalid', 'not JSON')
    expect(stats.invalid).toEqual({ 'twilio:wrong_stream': 2, 'agent:invalid': 1 })
  })

  it('is logged at the 1st, 10th, 100th and 1000th of a kind only', () => {
    expect(loggedInvalid(1000)).toEqual([1, 10, 100, 1000])
  })

  it('is logged as a warning that names its kind, count and detail', () => {
    const stats = newBridgeStats()
    expect(countInvalid(stats, 'twilio:invalid_base64', 'payload of 3 chars')).toEqual({
      type: 'log',
      level: 'warn',
      message: 'bad input twilio:invalid_base64 (#1): payload of 3 chars',
    })
  })
})

describe('agent messages of unknown types', () => {
  it('are counted by type, and logged the first time each type comes', () => {
    const stats = newBridgeStats()
    expect(countIgnored(stats, 'vad_score', '{"type":"vad_score"}')).toEqual({
      type: 'log',
      level: 'info',
      message:
        'agent sent a vad_score message, a type this bridge does not know: ignored ({"type":"vad_score"})',
    })
    expect(countIgnored(stats, 'vad_score', '{"type":"vad_score"}')).toBeUndefined()
    expect(stats.ignored).toEqual({ vad_score: 2 })
  })

  it(`stop being counted beyond ${MAX_IGNORED_TYPES} types, and no longer logged`, () => {
    const stats = newBridgeStats()
    for (let n = 0; n < MAX_IGNORED_TYPES; n++) countIgnored(stats, `type_${n}`, '{}')
    expect(countIgnored(stats, 'one_too_many', '{}')).toBeUndefined()
    expect(Object.keys(stats.ignored)).toHaveLength(MAX_IGNORED_TYPES)
    expect(stats.ignored).not.toHaveProperty('one_too_many')
    countIgnored(stats, 'type_0', '{}')
    expect(stats.ignored.type_0).toBe(2)
  })

  it('are bad input when the type is a name every object has', () => {
    const stats = newBridgeStats()
    expect(countIgnored(stats, 'constructor', '{}')).toMatchObject({ level: 'warn' })
    expect(Object.keys(stats.ignored)).toEqual([])
    expect(stats.invalid).toEqual({ 'agent:invalid': 1 })
  })
})

describe('new stats', () => {
  it('are separate objects, so one bridge counts nothing of another', () => {
    const first = newBridgeStats()
    countInvalid(first, 'agent:invalid', 'x')
    first.twilioFrames++
    const second = newBridgeStats()
    expect(second.twilioFrames).toBe(0)
    expect(second.invalid).toEqual({})
  })
})

describe("a call's stats over a resumed stream", () => {
  it("add the lost stream's counts to the new one's, and keep the unknown types as few as one stream's", () => {
    const before = newBridgeStats()
    before.twilioFrames = 500
    countInvalid(before, 'twilio:non_json', 'x')
    for (let n = 0; n < MAX_IGNORED_TYPES; n++) countIgnored(before, `old_${n}`, '{}')
    const now = newBridgeStats()
    now.twilioFrames = 20
    countInvalid(now, 'twilio:non_json', 'x')
    countIgnored(now, 'new_type', '{}')
    const sum = addStats(before, now)
    expect(sum.twilioFrames).toBe(520)
    expect(sum.invalid).toEqual({ 'twilio:non_json': 2 })
    expect(Object.keys(sum.ignored)).toHaveLength(MAX_IGNORED_TYPES)
    expect(sum.ignored.new_type).toBe(1)
    expect(now.twilioFrames).toBe(20)
  })
})
