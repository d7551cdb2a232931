/**
 * When the agent's connection counts as dead, and whether a failed one is tried again:
 * the bookkeeping of issue #3's "at most 3 tries in about 10 s", and of the keepalive that
 * finds a socket gone silent. It only answers; the bridge closes, connects and logs.
 *
 * @example
 * const deadline = reconnection.connecting(now) // fail the attempt if not ready by then
 * const next = reconnection.failed(now, true, errorType)
 * if ('giveUp' in next) log(next.giveUp)
 * else reconnectAt = now + next.delayMs
 */
import { INITIATION_ERROR_TYPES } from '../elevenlabs/close-codes.ts'
import type { BridgeOptions } from './bridge-types.ts'

/**
 * An attempt is not started with less of the reconnection window left than this: it needs
 * a signed URL, a WebSocket handshake and the agent's metadata, each a round trip to
 * ElevenLabs.
 */
export const MIN_ATTEMPT_MS = 1000

/**
 * A connection that has carried the conversation this long (to its last message) has
 * proved the agent works, and its failure starts afresh with all its reconnection tries.
 * One that fails sooner keeps counting, so an agent that fails right after every greeting
 * is given up after its tries instead of being reconnected forever. Several times the
 * few seconds a greeting and a reply take.
 */
const HEALTHY_CONNECTION_MS = 30_000

/** How many keepalive timeouts of silence make an agent that never pinged count as dead. */
const UNPINGED_SILENCE_FACTOR = 3

export type ReconnectionOptions = Pick<
  Required<BridgeOptions>,
  'keepaliveTimeoutMs' | 'connectTimeoutMs' | 'reconnectDelaysMs' | 'reconnectWindowMs'
>

/** After a failure: wait this long and connect again, or stop trying, and why. */
export type AfterFailure = { delayMs: number } | { giveUp: string }

export class AgentReconnection {
  readonly #keepaliveTimeoutMs: number
  readonly #connectTimeoutMs: number
  readonly #delaysMs: readonly number[]
  readonly #windowMs: number
  #failures = 0
  /** When the current connection became ready. */
  #readyAt: number | undefined
  /** While the agent is down: the end of its reconnection window, from the failure that began it. */
  #giveUpAt: number | undefined
  /** Set by every agent message, so a plain number: it is written for every audio event. */
  #lastHeardAt = 0
  /** Whether this connection's agent has pinged: then a shorter silence is a dead socket. */
  #pingSeen = false

  constructor(options: ReconnectionOptions) {
    this.#keepaliveTimeoutMs = options.keepaliveTimeoutMs
    this.#connectTimeoutMs = options.connectTimeoutMs
    this.#delaysMs = options.reconnectDelaysMs
    this.#windowMs = options.reconnectWindowMs
  }

  /** Failures since the last healthy connection; once reconnectDelaysMs runs out, it gives up. */
  get failures(): number {
    return this.#failures
  }

  /**
   * A connection attempt starts: its conversation has not pinged yet. Returns when it must
   * be ready by, the connect timeout cut to what is left of the reconnection window.
   */
  connecting(now: number): number {
    this.#pingSeen = false
    return Math.min(now + this.#connectTimeoutMs, this.#giveUpAt ?? Number.POSITIVE_INFINITY)
  }

  /** The conversation is ready: the agent is back, and the window closes. */
  ready(now: number): void {
    this.#readyAt = now
    this.#giveUpAt = undefined
  }

  /** A message from the agent, any message: its socket is alive. */
  heard(now: number): void {
    this.#lastHeardAt = now
  }

  pinged(): void {
    this.#pingSeen = true
  }

  /**
   * The connection failed: whether to try again, and after how long. `errorType` is the
   * conversation's last `error_type`, which says why an agent refused it.
   */
  failed(now: number, retryable: boolean, errorType: string | undefined): AfterFailure {
    if (this.#provedHealthy()) this.#failures = 0
    this.#readyAt = undefined
    this.#failures++
    this.#giveUpAt ??= now + this.#windowMs
    const delayMs = retryable ? this.#nextDelay(now) : undefined
    if (delayMs === undefined) {
      this.#giveUpAt = undefined
      return { giveUp: this.#whyGiveUp(retryable, errorType) }
    }
    return { delayMs }
  }

  /**
   * When the agent's silence makes its socket count as dead; Infinity while it is not
   * ready. Tight once the conversation has pinged: pings are on by default but are an
   * agent setting (`client_events`), and an agent without them may stay quiet for long,
   * healthy.
   */
  keepaliveDeadline(agentReady: boolean): number {
    if (!agentReady) return Number.POSITIVE_INFINITY
    // Without pings, only a far longer silence counts: a quiet agent may just be listening.
    const timeout = this.#keepaliveTimeoutMs * (this.#pingSeen ? 1 : UNPINGED_SILENCE_FACTOR)
    return this.#lastHeardAt + timeout
  }

  /** The wait before the next attempt, if the tries and the window leave one. */
  #nextDelay(now: number): number | undefined {
    const delay = this.#delaysMs[this.#failures - 1]
    const giveUpAt = this.#giveUpAt ?? Number.POSITIVE_INFINITY
    return delay !== undefined && now + delay + MIN_ATTEMPT_MS <= giveUpAt ? delay : undefined
  }

  /** Why this failure ends the tries, for the log and the room's state. */
  #whyGiveUp(retryable: boolean, errorType: string | undefined): string {
    if (!retryable) {
      if (errorType === 'safety_violation') {
        return 'the agent ended the conversation for a content policy violation (safety_violation), which a new one would meet again'
      }
      // What we sent is the likely cause only when the agent does not say otherwise.
      if (errorType === undefined || INITIATION_ERROR_TYPES.includes(errorType)) {
        return `the agent rejected this conversation${errorType ? ` (${errorType})` : ''} (check ELEVENLABS_CONVERSATION_OVERRIDE, ELEVENLABS_DYNAMIC_VARIABLES and the agent's security settings)`
      }
      return `the agent rejected this conversation (${errorType}): see the agent's settings in ElevenLabs`
    }
    const attempts = this.#failures - 1
    const gaveUp = `gave up after ${attempts} reconnection ${attempts === 1 ? 'attempt' : 'attempts'}`
    return attempts < this.#delaysMs.length
      ? `${gaveUp}: the agent was not back within ${this.#windowMs / 1000} s`
      : gaveUp
  }

  #provedHealthy(): boolean {
    return this.#readyAt !== undefined && this.#lastHeardAt - this.#readyAt >= HEALTHY_CONNECTION_MS
  }
}
