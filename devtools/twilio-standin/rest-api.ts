/**
 * The Twilio REST surface the stand-in serves: which resource a path names, who is
 * calling (Basic auth), scripted faults, then the account operation that answers.
 */
import { STATUS_CODES } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import type { Form, StandinAccount } from './account.ts'
import type { Callbacks } from './callbacks.ts'
import type { Fault } from './control.ts'
import { notFound, type Reply, twilioError } from './resources.ts'
import type { Traffic } from './traffic.ts'

/** How long an answer waits for the callbacks it lets go first (`callbacks/first`). */
const FIRST_CALLBACKS_WAIT_MS = 2000

/** A reply plus any headers a scripted fault adds (e.g. Retry-After). */
export type Answer = Reply & { headers?: Record<string, string> }

const ACCOUNT_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/(.+)$/
const ROUTES = {
  participants: /^Conferences\/([^/]+)\/Participants\.json$/,
  participant: /^Conferences\/([^/]+)\/Participants\/([^/]+)\.json$/,
  conference: /^Conferences\/([^/]+)\.json$/,
  call: /^Calls\/([^/]+)\.json$/,
} as const

export interface Target {
  resource: keyof typeof ROUTES
  accountSid: string
  /** Decoded path values after the account: conference and participant, or the call. */
  values: string[]
}

export interface Exchange {
  method: string
  path: string
  form: Form
  principal: string | null
  target: Target | undefined
  account: StandinAccount
  traffic: Traffic
  callbacks: Callbacks
  /** Settles once the answer is sent: the callbacks the operation causes wait for it. */
  replied: Promise<void>
  closing: AbortSignal
}

export async function answer(exchange: Exchange): Promise<Answer> {
  const { method, path, principal, target, account } = exchange
  if (principal === null) return twilioError(401, 20003, 'Authenticate')
  if (target && target.accountSid !== account.sid) return twilioError(401, 20003, 'Authenticate')
  const fault = exchange.traffic.takeFault(method, path)
  if (fault?.delayMs) await sleep(fault.delayMs, undefined, { signal: exchange.closing })
  if (fault?.status) return faultReply(fault)
  if (!target) return notFound(path)
  const { result, delivered } = exchange.callbacks.causedBy(exchange.replied, () =>
    operate(exchange, target),
  )
  // Capped: a receiver that calls the API back while answering a callback would otherwise
  // wait on callbacks queued behind the one it is answering.
  await Promise.race([delivered, sleep(FIRST_CALLBACKS_WAIT_MS, undefined, { ref: false })])
  return result
}

function operate({ method, path, form, account }: Exchange, { resource, values }: Target): Reply {
  const [first = '', second = ''] = values
  switch (`${method} ${resource}`) {
    case 'POST participants':
      return account.createParticipant(first, form, path)
    case 'GET participants':
      return account.listParticipants(first, path)
    case 'GET participant':
      return account.fetchParticipant(first, second, path)
    case 'POST participant':
      return account.updateParticipant(first, second, form, path)
    case 'DELETE participant':
      return account.removeParticipant(first, second, path)
    case 'GET conference':
      return account.fetchConference(first, path)
    case 'POST conference':
      return account.updateConference(first, form, path)
    case 'GET call':
      return account.fetchCall(first, path)
    case 'POST call':
      return account.updateCall(first, form, path)
    default:
      return twilioError(405, 20004, 'Method not allowed')
  }
}

function faultReply(fault: Fault): Answer {
  const status = fault.status ?? 500
  const reply = fault.body
    ? { status, body: fault.body }
    : twilioError(status, 20000 + status, STATUS_CODES[status] ?? 'Scripted failure')
  return { ...reply, ...(fault.headers && { headers: fault.headers }) }
}

export function parseTarget(path: string): Target | undefined {
  const [, accountSid = '', rest = ''] = ACCOUNT_PATH.exec(path) ?? []
  for (const [resource, pattern] of Object.entries(ROUTES)) {
    const match = pattern.exec(rest)
    if (!match) continue
    try {
      const values = match.slice(1).map((value) => decodeURIComponent(value))
      return { resource: resource as Target['resource'], accountSid, values }
    } catch {
      return undefined
    }
  }
  return undefined
}

/** The conference a request concerns, for the request log. */
export function conferenceOf(account: StandinAccount, { resource, values }: Target): string | null {
  const [first = ''] = values
  return resource === 'call' ? account.conferenceOfCall(first) : account.conferenceNamed(first)
}

/** The Basic auth username when it pairs with its secret: API key + secret, or account + auth token. */
export function authenticate(header: string | undefined): string | null {
  const encoded = /^Basic\s+(.+)$/i.exec(header ?? '')?.[1]
  if (!encoded) return null
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const separator = decoded.indexOf(':')
  const [username, password] = [decoded.slice(0, separator), decoded.slice(separator + 1)]
  const accepted = [
    [TEST_CREDENTIALS.TWILIO_API_KEY, TEST_CREDENTIALS.TWILIO_API_SECRET],
    [TEST_CREDENTIALS.TWILIO_ACCOUNT_SID, TEST_CREDENTIALS.TWILIO_AUTH_TOKEN],
  ]
  return separator > 0 && accepted.some(([u, p]) => u === username && p === password)
    ? username
    : null
}
