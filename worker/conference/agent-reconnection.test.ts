import { describe, expect, it } from 'vitest'
import {
  AgentReconnection,
  MIN_ATTEMPT_MS,
  type ReconnectionOptions,
} from './agent-reconnection.ts'
import { BRIDGE_DEFAULTS } from './bridge.ts'

/** The bridge's defaults, which these tests' times assume: 30 s keepalive, three tries in 10 s. */
const reconnection = (options: Partial<ReconnectionOptions> = {}) => {
  const { keepaliveTimeoutMs, connectTimeoutMs, reconnectDelaysMs, reconnectWindowMs } =
    BRIDGE_DEFAULTS
  return new AgentReconnection({
    keepaliveTimeoutMs,
    connectTimeoutMs,
    reconnectDelaysMs,
    reconnectWindowMs,
    ...options,
  })
}

it("the bridge's default delays leave every try its minimum time inside the window", () => {
  const { reconnectDelaysMs: delays, reconnectWindowMs } = BRIDGE_DEFAULTS
  const needed = delays.reduce((sum, delay) => sum + delay + MIN_ATTEMPT_MS, 0)
  expect(needed).toBeLessThanOrEqual(reconnectWindowMs)
})

/** A connection that became ready at `readyAt` and last spoke at `lastAt`. */
function connected(agent: AgentReconnection, readyAt: number, lastAt = readyAt): void {
  agent.connecting(readyAt)
  agent.ready(readyAt)
  agent.heard(lastAt)
}

describe('reconnecting after a failure', () => {
  it('waits each of the delays in turn, then gives up once the tries run out', () => {
    const agent = reconnection()
    expect(agent.failed(0, true, undefined)).toEqual({ delayMs: 500 })
    expect(agent.failed(1000, true, undefined)).toEqual({ delayMs: 1500 })
    expect(agent.failed(3000, true, undefined)).toEqual({ delayMs: 3500 })
    expect(agent.failed(7000, true, undefined)).toEqual({
      giveUp: 'gave up after 3 reconnection attempts',
    })
  })

  it('counts the failures that a reconnection is under way for', () => {
    const agent = reconnection()
    expect(agent.failures).toBe(0)
    agent.failed(0, true, undefined)
    expect(agent.failures).toBe(1)
  })

  it('gives up when what is left of the 10 s window cannot hold the delay and an attempt', () => {
    const fits = reconnection()
    fits.failed(0, true, undefined)
    // 7.5 s + 1.5 s of delay + 1 s for the attempt ends right at the window's end.
    expect(fits.failed(7500, true, undefined)).toEqual({ delayMs: 1500 })

    const late = reconnection()
    late.failed(0, true, undefined)
    expect(late.failed(7501, true, undefined)).toEqual({
      giveUp: 'gave up after 1 reconnection attempt: the agent was not back within 10 s',
    })
  })

  it('opens a new window at the first failure after the agent was ready again', () => {
    const agent = reconnection()
    agent.failed(0, true, undefined)
    connected(agent, 1000, 11_000)
    // Still the second failure (the connection was short), but 12 s after the first.
    expect(agent.failed(12_000, true, undefined)).toEqual({ delayMs: 1500 })
  })

  it('gives all the tries again to a connection that carried the conversation 30 s', () => {
    const agent = reconnection()
    agent.failed(0, true, undefined)
    agent.failed(1000, true, undefined)
    connected(agent, 5000, 35_000)
    expect(agent.failed(35_000, true, undefined)).toEqual({ delayMs: 500 })
    expect(agent.failures).toBe(1)
  })

  it('keeps counting across connections that fail soon after their greeting', () => {
    const agent = reconnection()
    agent.failed(0, true, undefined)
    connected(agent, 1000, 30_999)
    expect(agent.failed(31_000, true, undefined)).toEqual({ delayMs: 1500 })
    connected(agent, 33_000, 40_000)
    expect(agent.failed(40_000, true, undefined)).toEqual({ delayMs: 3500 })
    connected(agent, 44_000, 45_000)
    expect(agent.failed(45_000, true, undefined)).toEqual({
      giveUp: 'gave up after 3 reconnection attempts',
    })
  })

  it('does not take a later attempt that failed before it was ready for the connection that carried the call', () => {
    const agent = reconnection()
    connected(agent, 0, 29_000)
    expect(agent.failed(29_000, true, undefined)).toEqual({ delayMs: 500 })
    agent.connecting(29_500)
    agent.heard(31_000) // its error, say, before it closed
    expect(agent.failed(31_000, true, undefined)).toEqual({ delayMs: 1500 })
  })

  it('gives up at once on a failure that is not retryable, and says why from its error type', () => {
    expect(reconnection().failed(0, false, undefined)).toEqual({
      giveUp: expect.stringContaining('(check ELEVENLABS_CONVERSATION_OVERRIDE'),
    })
    expect(reconnection().failed(0, false, 'override_error')).toEqual({
      giveUp: expect.stringMatching(
        /^the agent rejected this conversation \(override_error\) \(check/,
      ),
    })
    expect(reconnection().failed(0, false, 'safety_violation')).toEqual({
      giveUp: expect.stringContaining('content policy violation'),
    })
    expect(reconnection().failed(0, false, 'quota_exceeded')).toEqual({
      giveUp:
        "the agent rejected this conversation (quota_exceeded): see the agent's settings in ElevenLabs",
    })
  })
})

describe('the connect deadline', () => {
  it('is the connect timeout for a first attempt', () => {
    expect(reconnection().connecting(2000)).toBe(12_000)
  })

  it('is cut to what is left of the reconnection window', () => {
    const agent = reconnection({ connectTimeoutMs: 15_000 })
    agent.failed(1000, true, undefined)
    expect(agent.connecting(1500)).toBe(11_000)
  })
})

describe('the keepalive deadline', () => {
  it('is off while the agent is not ready', () => {
    const agent = reconnection()
    connected(agent, 0, 1000)
    expect(agent.keepaliveDeadline(false)).toBe(Number.POSITIVE_INFINITY)
  })

  it('allows three keepalive timeouts of silence from an agent that never pinged', () => {
    const agent = reconnection()
    connected(agent, 0, 1000)
    expect(agent.keepaliveDeadline(true)).toBe(91_000)
  })

  it('allows one keepalive timeout once the agent has pinged, until the next attempt', () => {
    const agent = reconnection()
    connected(agent, 0, 1000)
    agent.pinged()
    expect(agent.keepaliveDeadline(true)).toBe(31_000)
    agent.connecting(2000)
    expect(agent.keepaliveDeadline(true)).toBe(91_000)
  })

  it('moves with every message from the agent', () => {
    const agent = reconnection()
    connected(agent, 0)
    agent.pinged()
    agent.heard(5000)
    expect(agent.keepaliveDeadline(true)).toBe(35_000)
  })
})
