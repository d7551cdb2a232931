/**
 * Makes the stand-in's status callbacks the way Twilio makes them: a form request signed
 * with the account's auth token over the URL it calls (X-Twilio-Signature, computed by the
 * official `twilio` package, not by the worker's own code), one at a time per conference, in
 * the order they happened, each after the REST answer that caused it (or, for conferences
 * a test names, before it: `answerAfter`).
 *
 * Twilio promises no order ("may arrive out of order", which is why each callback carries a
 * SequenceNumber), so a test can also hold a conference's callbacks back and release them
 * in the reverse order: the receiver's ordering is then what keeps its state right.
 *
 * Nothing may reach the internet: only a URL under a registered tunnel's public base is
 * sent, to the tunnel's local base. Every callback is recorded, sent or not.
 */
import twilio from 'twilio'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import type { CallbackFilter, CallbackOrder, RecordedCallback, Tunnel } from './control.ts'
import type { Callback } from './status-callbacks.ts'

/**
 * Twilio's default read timeout for a callback's answer: 15 s
 * (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides).
 */
const ANSWER_TIMEOUT_MS = 15_000
/** Oldest records are dropped beyond this, so a long local run does not grow without end. */
const MAX_RECORDED = 10_000

/** A callback and what it concerns: its conference (whose queue it waits in) and call. */
export interface ConferenceCallback extends Callback {
  conferenceSid: string
  friendlyName: string
  callSid: string | null
}

export class Callbacks {
  readonly #tunnels = new Map<string, string>()
  readonly #records: RecordedCallback[] = []
  /** Per conference sid, the last delivery queued: the next one waits for it. */
  readonly #queues = new Map<string, Promise<void>>()
  readonly #closing = new AbortController()
  /** Per conference friendly name being held: its callbacks' deliveries, not yet queued. */
  readonly #held = new Map<string, Array<() => void>>()
  /** While a REST operation runs: its answer, which its callbacks wait for. */
  #replied: Promise<unknown> | undefined
  /** Conferences (friendly names) whose callbacks go out before the REST answer. */
  readonly #first = new Set<string>()
  /** While a REST operation runs: deliveries its answer waits for (see `answerAfter`). */
  #answerAwaits: Promise<void>[] | undefined
  #nextId = 1

  addTunnel({ publicBase, localBase }: Tunnel): void {
    this.#tunnels.set(publicBase.replace(/\/+$/, ''), localBase.replace(/\/+$/, ''))
  }

  list(filter: CallbackFilter): RecordedCallback[] {
    return this.#records.filter(
      (record) =>
        (filter.conference === undefined || record.conference === filter.conference) &&
        (filter.callSid === undefined || record.callSid === filter.callSid) &&
        (filter.event === undefined || record.event === filter.event),
    )
  }

  /**
   * Runs a REST operation whose callbacks must wait for its answer, `replied`: Twilio answers
   * the request that caused an event before it reports the event. Operations are synchronous,
   * so what `send` sees while this runs is theirs, not a timer's.
   */
  causedBy<T>(
    replied: Promise<unknown>,
    operation: () => T,
  ): { result: T; delivered: Promise<unknown> } {
    this.#replied = replied
    this.#answerAwaits = []
    try {
      return { result: operation(), delivered: Promise.all(this.#answerAwaits) }
    } finally {
      this.#replied = undefined
      this.#answerAwaits = undefined
    }
  }

  /**
   * From now on, the callbacks a REST operation causes about conferences of this friendly
   * name are delivered before its answer is sent: Twilio's callbacks may overtake its
   * answers (nothing orders the two), which a receiver must survive.
   */
  answerAfter(conference: string): void {
    this.#first.add(conference)
  }

  /** Holds back the callbacks made from now on about conferences named `conference`. */
  hold(conference: string): void {
    if (!this.#held.has(conference)) this.#held.set(conference, [])
  }

  /**
   * Queues what was held for `conference`, in the order made or the reverse, and stops
   * holding. Answers how many callbacks it released.
   */
  release(conference: string, order: CallbackOrder = 'as-made'): number {
    const held = this.#held.get(conference) ?? []
    this.#held.delete(conference)
    for (const queue of order === 'reversed' ? held.toReversed() : held) queue()
    return held.length
  }

  /** Records the callback and queues it behind its conference's earlier ones, or holds it. */
  send(callback: ConferenceCallback): void {
    const { conferenceSid, friendlyName, callSid, ...request } = callback
    const target = requestUrl(request)
    const record: RecordedCallback = {
      id: this.#nextId++,
      ...request,
      conference: friendlyName,
      callSid,
      sentTo: this.#tunnelled(target),
      status: null,
      error: null,
    }
    this.#records.push(record)
    if (this.#records.length > MAX_RECORDED) this.#records.shift()
    const first = this.#first.has(friendlyName)
    const replied = first ? undefined : this.#replied
    const queue = () => {
      const queued = (this.#queues.get(conferenceSid) ?? Promise.resolve())
        .then(() => replied)
        .then(() => this.#deliver(record, target))
      if (first) this.#answerAwaits?.push(queued)
      this.#queues.set(conferenceSid, queued)
      void queued.then(() => {
        if (this.#queues.get(conferenceSid) === queued) this.#queues.delete(conferenceSid)
      })
    }
    const held = this.#held.get(friendlyName)
    if (held) held.push(queue)
    else queue()
  }

  /** Stops delivering: what is in flight is aborted, what is queued or held is dropped. */
  close(): void {
    this.#closing.abort()
    for (const conference of [...this.#held.keys()]) this.release(conference)
  }

  /** The tunnel's local URL for a public one, if a tunnel covers it. */
  #tunnelled(url: string): string | null {
    for (const [publicBase, localBase] of this.#tunnels) {
      const rest = url.slice(publicBase.length)
      if (url.startsWith(publicBase) && /^([/?#]|$)/.test(rest)) return localBase + rest
    }
    return null
  }

  /** Never throws: a failed delivery is recorded and the queue goes on. */
  async #deliver(record: RecordedCallback, signedUrl: string): Promise<void> {
    if (record.sentTo === null) return
    if (this.#closing.signal.aborted) {
      record.error = 'the stand-in closed first'
      return
    }
    try {
      const response = await this.#request(record.sentTo, signedUrl, record.method, record.params)
      record.status = response.status
      await response.arrayBuffer()
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error)
    }
  }

  /**
   * Asks a call's webhook what to do, as Twilio asks a Voice URL: a signed form POST, through
   * a tunnel. Answers its status and body, or why it could not be asked.
   */
  async fetchTwiml(
    url: string,
    params: Record<string, string>,
  ): Promise<{ status: number; body: string } | { error: string }> {
    const sentTo = this.#tunnelled(url)
    if (sentTo === null) return { error: `no tunnel covers ${url}` }
    try {
      const response = await this.#request(sentTo, url, 'POST', params)
      return { status: response.status, body: await response.text() }
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) }
    }
  }

  /** One request as Twilio makes it: signed over the public URL, sent to the local one. */
  #request(
    sentTo: string,
    signedUrl: string,
    method: 'GET' | 'POST',
    params: Record<string, string>,
  ): Promise<Response> {
    const post = method === 'POST'
    const signature = twilio.getExpectedTwilioSignature(
      TEST_CREDENTIALS.TWILIO_AUTH_TOKEN,
      signedUrl,
      post ? params : {},
    )
    return fetch(sentTo, {
      method,
      headers: {
        'x-twilio-signature': signature,
        'user-agent': 'TwilioProxy/1.1',
        ...(post && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(post && { body: new URLSearchParams(params) }),
      signal: AbortSignal.any([this.#closing.signal, AbortSignal.timeout(ANSWER_TIMEOUT_MS)]),
    })
  }
}

/** The URL Twilio requests: a GET callback carries its parameters in the query string. */
function requestUrl({ url, method, params }: Callback): string {
  if (method === 'POST') return url
  return `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(params)}`
}
