/**
 * The control API's routes (`/__standin/…`, see README.md): what tests read back
 * (requests, callbacks, conferences) and what they script (faults, tunnels, phones).
 * `control.ts` is the typed client for them.
 */
import type { StandinAccount } from './account.ts'
import type { Callbacks } from './callbacks.ts'
import type { CallbackOrder, Fault, PhoneOutcome, PhoneScript, Tunnel } from './control.ts'
import type { Reply } from './resources.ts'
import type { Traffic } from './traffic.ts'

export interface Controlled {
  account: StandinAccount
  traffic: Traffic
  callbacks: Callbacks
}

/** Which conference's callbacks to hold or release, and in what order they go out. */
interface Held {
  conference: string
  order?: CallbackOrder
}

const E164 = /^\+[1-9]\d{1,14}$/
const OUTCOMES: readonly PhoneOutcome[] = ['answer', 'busy', 'no-answer', 'failed']

export function control(method: string, url: URL, body: string, standin: Controlled): Reply {
  const filter = Object.fromEntries(url.searchParams)
  switch (`${method} ${url.pathname}`) {
    case 'GET /__standin/requests':
      return { status: 200, body: standin.traffic.list(filter) }
    case 'GET /__standin/callbacks':
      return { status: 200, body: standin.callbacks.list(filter) }
    case 'POST /__standin/faults':
      return scripted(body, faultProblem, (fault: Fault) => standin.traffic.addFault(fault))
    case 'POST /__standin/tunnels':
      return scripted(body, tunnelProblem, (tunnel: Tunnel) => standin.callbacks.addTunnel(tunnel))
    case 'POST /__standin/callbacks/hold':
      return scripted(body, heldProblem, ({ conference }: Held) => {
        standin.callbacks.hold(conference)
      })
    case 'POST /__standin/callbacks/release': {
      let released = 0
      const reply = scripted(body, heldProblem, ({ conference, order }: Held) => {
        released = standin.callbacks.release(conference, order)
      })
      return reply.status === 204 ? { status: 200, body: { released } } : reply
    }
    case 'POST /__standin/phones':
      return scripted(body, phoneProblem, (phone: PhoneScript) =>
        standin.account.scriptPhone(phone),
      )
  }
  const conference = /^\/__standin\/conferences\/([^/]+)$/.exec(url.pathname)?.[1]
  if (method === 'GET' && conference) {
    const snapshot = standin.account.snapshot(decodeURIComponent(conference))
    return snapshot
      ? { status: 200, body: snapshot }
      : { status: 404, body: { error: 'unknown conference' } }
  }
  return { status: 404, body: { error: `no control route ${method} ${url.pathname}` } }
}

/** Applies a JSON script once `problem` finds nothing wrong with it; 400 with why otherwise. */
function scripted<T>(
  body: string,
  problem: (value: Partial<Record<keyof T, unknown>>) => string | undefined,
  apply: (value: T) => void,
): Reply {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return { status: 400, body: { error: 'the body must be JSON' } }
  }
  const found =
    typeof value === 'object' && value !== null ? problem(value) : 'the body must be an object'
  if (found) return { status: 400, body: { error: found } }
  apply(value as T)
  return { status: 204 }
}

const ORDERS: readonly CallbackOrder[] = ['as-made', 'reversed']

const heldProblem = ({ conference, order }: Partial<Record<keyof Held, unknown>>) =>
  typeof conference !== 'string' || conference === ''
    ? 'name the conference (its friendly name) whose callbacks to hold or release'
    : order !== undefined && !ORDERS.includes(order as CallbackOrder)
      ? `order must be one of ${ORDERS.join(', ')}`
      : undefined

const faultProblem = ({ pathContains }: Partial<Record<keyof Fault, unknown>>) =>
  typeof pathContains === 'string' && pathContains !== ''
    ? undefined
    : 'a fault needs a non-empty pathContains'

const isHttpUrl = (value: unknown) =>
  typeof value === 'string' && /^https?:\/\//i.test(value) && URL.canParse(value)

const tunnelProblem = ({ publicBase, localBase }: Partial<Record<keyof Tunnel, unknown>>) =>
  isHttpUrl(publicBase) && isHttpUrl(localBase)
    ? undefined
    : 'a tunnel needs publicBase and localBase, both http(s) URLs'

function phoneProblem({ number, ringMs, outcome }: Partial<Record<keyof PhoneScript, unknown>>) {
  if (typeof number !== 'string' || !E164.test(number)) {
    return 'number must be E.164, e.g. +14155550123'
  }
  if (ringMs !== undefined && !(typeof ringMs === 'number' && ringMs >= 0 && ringMs <= 600_000)) {
    return 'ringMs must be a number of milliseconds from 0 to 600000'
  }
  if (outcome !== undefined && !OUTCOMES.includes(outcome as PhoneOutcome)) {
    return `outcome must be one of ${OUTCOMES.join(', ')}`
  }
  return undefined
}
