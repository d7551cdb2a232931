/**
 * The control API's routes (`/__standin/…`, see README.md): what tests read back
 * (requests, callbacks, conferences) and what they script (faults, tunnels, phones).
 * `control.ts` is the typed client for them.
 */
import type { StandinAccount } from './account.ts'
import type { Callbacks } from './callbacks.ts'
import type {
  CallbackOrder,
  ClientCall,
  Fault,
  PhoneOutcome,
  PhoneScript,
  Tunnel,
} from './control.ts'
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

export async function control(
  method: string,
  url: URL,
  body: string,
  standin: Controlled,
): Promise<Reply> {
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
    case 'POST /__standin/callbacks/first':
      return scripted(body, firstProblem, ({ conference }: Held) => {
        standin.callbacks.answerAfter(conference)
      })
    case 'POST /__standin/callbacks/release': {
      let released = 0
      const reply = scripted(body, heldProblem, ({ conference, order }: Held) => {
        released = standin.callbacks.release(conference, order)
      })
      return reply.status === 204 ? { status: 200, body: { released } } : reply
    }
    case 'POST /__standin/client-calls': {
      const call = parsedObject(body)
      const problem = typeof call === 'string' ? call : clientCallProblem(call)
      if (problem || typeof call === 'string') return { status: 400, body: { error: problem } }
      return { status: 200, body: await standin.account.clientCall(call as unknown as ClientCall) }
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

/** A JSON object, or what is wrong with the body. */
function parsedObject(body: string): Record<string, unknown> | string {
  try {
    const value: unknown = JSON.parse(body)
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : 'the body must be an object'
  } catch {
    return 'the body must be JSON'
  }
}

/** Applies a JSON script once `problem` finds nothing wrong with it; 400 with why otherwise. */
function scripted<T>(
  body: string,
  problem: (value: Partial<Record<keyof T, unknown>>) => string | undefined,
  apply: (value: T) => void,
): Reply {
  const value = parsedObject(body)
  const found =
    typeof value === 'string' ? value : problem(value as Partial<Record<keyof T, unknown>>)
  if (found) return { status: 400, body: { error: found } }
  apply(value as T)
  return { status: 204 }
}

function clientCallProblem({
  identity,
  voiceUrl,
  params,
}: Partial<Record<keyof ClientCall, unknown>>) {
  if (typeof identity !== 'string' || !/^[A-Za-z0-9_]{1,121}$/.test(identity)) {
    return 'identity must be a Voice SDK identity: letters, digits and _'
  }
  if (!isHttpUrl(voiceUrl)) return 'voiceUrl must be an http(s) URL under a tunnel'
  const strings = (value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((v) => typeof v === 'string')
  if (params !== undefined && !strings(params)) return 'params must map names to strings'
  return undefined
}

const ORDERS: readonly CallbackOrder[] = ['as-made', 'reversed']

const heldProblem = ({ conference, order }: Partial<Record<keyof Held, unknown>>) =>
  typeof conference !== 'string' || conference === ''
    ? 'name the conference (its friendly name) whose callbacks to hold or release'
    : order !== undefined && !ORDERS.includes(order as CallbackOrder)
      ? `order must be one of ${ORDERS.join(', ')}`
      : undefined

const firstProblem = ({ conference, ...rest }: Partial<Record<keyof Held, unknown>>) =>
  typeof conference !== 'string' || conference === ''
    ? 'name the conference (its friendly name) whose callbacks go before answers'
    : Object.keys(rest).length > 0
      ? 'only a conference may be named'
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
