/**
 * The bridge's counters, kept in the room's record. Two of them count by a name that
 * comes from outside (bad input by kind, unknown agent message types by type), so their
 * counting is bounded and logs sparingly: a peer sending garbage without end must not
 * flood the log or grow the record without end.
 */
import type { BridgeAction, BridgeStats } from './bridge-types.ts'

/** Distinct unknown agent message types counted in `stats.ignored`. */
export const MAX_IGNORED_TYPES = 20

/** What the bridge must log about a count, as the action it emits. */
export type CountLog = Extract<BridgeAction, { type: 'log' }>

export function newBridgeStats(): BridgeStats {
  return {
    twilioFrames: 0,
    agentChunksSent: 0,
    agentAudioEvents: 0,
    twilioMediaSent: 0,
    staleAudioDropped: 0,
    repeatedGreetingDropped: 0,
    paddedMs: 0,
    unpaddedMs: 0,
    bufferedMsDropped: 0,
    playedMs: 0,
    clears: 0,
    pings: 0,
    invalid: {},
    ignored: {},
  }
}

/**
 * Counts bad input; logs the 1st, 10th, 100th, ... of each kind so a flood cannot flood
 * the log. Allocates only what it logs: a bad frame may come every 20 ms.
 */
export function countInvalid(
  stats: BridgeStats,
  kind: string,
  detail: string,
): CountLog | undefined {
  const count = (stats.invalid[kind] ?? 0) + 1
  stats.invalid[kind] = count
  if (!Number.isInteger(Math.log10(count))) return undefined
  return { type: 'log', level: 'warn', message: `bad input ${kind} (#${count}): ${detail}` }
}

/** Counts a message of a type this bridge does not know; says so once per type. */
export function countIgnored(
  stats: BridgeStats,
  name: string,
  sample: string,
): CountLog | undefined {
  // A name Object.prototype has (`constructor`, `__proto__`) cannot be a count's key, and
  // no server of ElevenLabs' would invent it: bad input.
  if (name in Object.prototype) return countInvalid(stats, 'agent:invalid', `unknown type ${name}`)
  const count = stats.ignored[name]
  if (count !== undefined) {
    stats.ignored[name] = count + 1
    return undefined
  }
  // A server inventing types without end would grow the record without end.
  if (Object.keys(stats.ignored).length >= MAX_IGNORED_TYPES) return undefined
  stats.ignored[name] = 1
  return {
    type: 'log',
    level: 'info',
    message: `agent sent a ${name} message, a type this bridge does not know: ignored (${sample})`,
  }
}

/** The counts of two streams' bridges in one call, added up. */
export function addStats(before: BridgeStats, now: BridgeStats): BridgeStats {
  const sum = structuredClone(now)
  for (const key of Object.keys(sum) as (keyof BridgeStats)[]) {
    const value = before[key]
    if (typeof value === 'number') (sum[key] as number) += value
  }
  for (const kind of ['invalid', 'ignored'] as const) {
    for (const [name, count] of Object.entries(before[kind] ?? {})) {
      const known = Object.hasOwn(sum[kind], name)
      // The call's unknown types stay as few as one stream's.
      if (kind === 'ignored' && !known && Object.keys(sum.ignored).length >= MAX_IGNORED_TYPES) {
        continue
      }
      sum[kind][name] = (known ? (sum[kind][name] ?? 0) : 0) + count
    }
  }
  return sum
}
