/**
 * A fetch-based client for the Twilio REST calls the worker makes: add, update and remove
 * conference participants, end a conference, look up and update a call (the `twilio`
 * package needs Node).
 *
 * Retries follow what Twilio guarantees. A 429 was never processed ("always safe to retry"),
 * so it is retried with full-jitter backoff, honouring Retry-After within a total budget. A
 * create whose outcome is unknown (5xx, network error, timeout) is never retried, so no one
 * is dialled twice; idempotent updates and deletes are retried once.
 *
 * @example
 * const twilio = new TwilioRestClient({ baseUrl: twilioApiBase(env), accountSid, apiKey, apiSecret })
 * const agent = await twilio.createParticipant('conf-1', { from, to: `app:${appSid}`, label: 'agent' })
 */
import * as z from '../schema.ts'
import { isTwilioNotFound, noAnswer, refusal, safeJson, TwilioApiError } from './rest-errors.ts'
import {
  type CreateParticipantParams,
  formOf,
  participantForm,
  type UpdateCallParams,
  type UpdateParticipantParams,
} from './rest-forms.ts'

export interface TwilioRestClientOptions {
  /** e.g. https://api.twilio.com, without a trailing path. */
  baseUrl: string
  accountSid: string
  apiKey: string
  apiSecret: string
  /** Per attempt; 10 s unless given. */
  timeoutMs?: number
  /** How many times a 429 is retried; 3 unless given. */
  maxRetries?: number
  /** First backoff ceiling, doubled on each retry; 200 ms unless given. */
  retryBaseMs?: number
  /** The most time spent waiting between retries of one call; 3 s unless given. */
  maxRetryWaitMs?: number
  fetch?: typeof fetch
}

export interface Participant {
  callSid: string
  conferenceSid: string
  label: string | null
  /** queued, connecting, ringing, connected, complete or failed. */
  status: string
  muted: boolean
  hold: boolean
}

export interface Conference {
  sid: string
  friendlyName: string
  /** init, in-progress or completed. */
  status: string
}

export interface Call {
  sid: string
  /** queued, ringing, in-progress, completed, busy, failed, no-answer or canceled. */
  status: string
  /** When the call ended (ISO 8601); undefined while it has not. */
  endTime?: string
}

/** Full jitter: a uniform wait up to the exponential ceiling (AWS Architecture Blog, 2015). */
export const backoffDelayMs = (retry: number, baseMs: number, random: () => number = Math.random) =>
  Math.floor(random() * baseMs * 2 ** retry)

/** Retry-After in milliseconds, from delta-seconds or an HTTP date; undefined if absent or bad. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const participantJson = z.object({
  call_sid: z.string(),
  conference_sid: z.string(),
  label: z.nullish(z.string()),
  status: z.string(),
  muted: z.boolean(),
  hold: z.boolean(),
})
const participantPageJson = z.object({
  participants: z.array(participantJson),
  next_page_uri: z.nullish(z.string()),
})
const conferenceJson = z.object({ sid: z.string(), friendly_name: z.string(), status: z.string() })
const callJson = z.object({
  sid: z.string(),
  status: z.string(),
  end_time: z.optional(z.nullable(z.string())),
})

type Retry = 'never' | 'once'

export class TwilioRestClient {
  readonly #options: Required<Omit<TwilioRestClientOptions, 'fetch'>>
  readonly #fetch: typeof fetch

  constructor(options: TwilioRestClientOptions) {
    this.#options = {
      timeoutMs: 10_000,
      maxRetries: 3,
      retryBaseMs: 200,
      maxRetryWaitMs: 3_000,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    }
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init))
  }

  /** Dials a participant into a conference named by friendly name or CF sid. Never retried but for 429. */
  async createParticipant(
    conference: string,
    params: CreateParticipantParams,
  ): Promise<Participant> {
    const path = `Conferences/${encodeURIComponent(conference)}/Participants.json`
    const json = await this.#request('POST', path, participantForm(params), 'never')
    return toParticipant(parse(participantJson, json, path))
  }

  async updateParticipant(
    conferenceSid: string,
    callSidOrLabel: string,
    params: UpdateParticipantParams,
  ): Promise<Participant> {
    const form = formOf({
      Muted: params.muted,
      Hold: params.hold,
      HoldUrl: params.holdUrl,
      EndConferenceOnExit: params.endConferenceOnExit,
    })
    const path = participantPath(conferenceSid, callSidOrLabel)
    const json = await this.#request('POST', path, form, 'once')
    return toParticipant(parse(participantJson, json, path))
  }

  /**
   * Removes a participant: true if this removed them, false if they were gone already
   * (404), which is no failure.
   */
  async removeParticipant(conferenceSid: string, callSidOrLabel: string): Promise<boolean> {
    const path = participantPath(conferenceSid, callSidOrLabel)
    try {
      await this.#request('DELETE', path, undefined, 'once')
      return true
    } catch (error) {
      if (!isTwilioNotFound(error)) throw error
      return false
    }
  }

  /**
   * Who is in the conference now, the first page of them (PageSize up to 1000): Twilio lists
   * only those connecting to or connected to a conference not completed, none of an ended
   * one (https://www.twilio.com/docs/voice/api/conference-participant-resource). `more`: a
   * next page exists.
   */
  async listParticipants(
    conferenceSid: string,
    pageSize = 100,
  ): Promise<{ participants: Participant[]; more: boolean }> {
    const path = `Conferences/${encodeURIComponent(conferenceSid)}/Participants.json?PageSize=${pageSize}`
    const { participants, next_page_uri } = parse(
      participantPageJson,
      await this.#request('GET', path, undefined, 'once'),
      path,
    )
    return { participants: participants.map(toParticipant), more: Boolean(next_page_uri) }
  }

  /** Ends the conference for everyone (`Status=completed`, the only status Twilio accepts). */
  async completeConference(conferenceSid: string): Promise<Conference> {
    const path = `Conferences/${encodeURIComponent(conferenceSid)}.json`
    const json = await this.#request('POST', path, formOf({ Status: 'completed' }), 'once')
    const { sid, friendly_name, status } = parse(conferenceJson, json, path)
    return { sid, friendlyName: friendly_name, status }
  }

  /** A call's status, e.g. to learn what became of a leg whose callbacks never came. */
  async fetchCall(callSid: string): Promise<Call> {
    const path = `Calls/${encodeURIComponent(callSid)}.json`
    return toCall(parse(callJson, await this.#request('GET', path, undefined, 'once'), path))
  }

  async updateCall(callSid: string, params: UpdateCallParams): Promise<Call> {
    const path = `Calls/${encodeURIComponent(callSid)}.json`
    const form = formOf({ Status: params.status, Twiml: params.twiml, Url: params.url })
    return toCall(parse(callJson, await this.#request('POST', path, form, 'once'), path))
  }

  async #request(method: string, path: string, form: URLSearchParams | undefined, retry: Retry) {
    let throttled = 0
    let waitedMs = 0
    let retriedUnknown = false
    for (;;) {
      const result = await this.#attempt(method, path, form)
      if (result.ok) return result.json
      const { error } = result
      if (error.status === 429 && throttled < this.#options.maxRetries) {
        const delay = result.retryAfterMs ?? backoffDelayMs(throttled, this.#options.retryBaseMs)
        if (waitedMs + delay <= this.#options.maxRetryWaitMs) {
          throttled += 1
          waitedMs += delay
          await new Promise((resolve) => setTimeout(resolve, delay))
          continue
        }
      }
      if (error.outcome === 'unknown' && retry === 'once' && !retriedUnknown) {
        retriedUnknown = true
        continue
      }
      throw new TwilioApiError(`Twilio ${method} ${path}: ${error.message}`, error)
    }
  }

  /** One HTTP exchange; a failure is returned, not thrown, so the caller can retry it. */
  async #attempt(
    method: string,
    path: string,
    form: URLSearchParams | undefined,
  ): Promise<Attempt> {
    const { baseUrl, accountSid, apiKey, apiSecret, timeoutMs } = this.#options
    let response: Response
    try {
      response = await this.#fetch(`${baseUrl}/2010-04-01/Accounts/${accountSid}/${path}`, {
        method,
        headers: {
          authorization: `Basic ${btoa(`${apiKey}:${apiSecret}`)}`,
          accept: 'application/json',
          ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(form && { body: form.toString() }),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      return { ok: false, error: noAnswer(error, timeoutMs) }
    }
    const text = await response.text().catch(() => '')
    if (response.ok) return { ok: true, json: text === '' ? null : safeJson(text) }
    return {
      ok: false,
      error: refusal(response, text),
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
    }
  }
}

type Attempt =
  | { ok: true; json: unknown }
  | { ok: false; error: TwilioApiError; retryAfterMs?: number | undefined }

/** A 2xx whose body is not what Twilio documents: the change may have happened, so "unknown". */
function parse<T>(schema: z.ZodMiniType<T>, json: unknown, path: string): T {
  const result = schema.safeParse(json)
  if (result.success) return result.data
  const reason = `unexpected answer (${result.error.issues[0]?.message})`
  throw new TwilioApiError(`Twilio ${path}: ${reason}`, { status: 200, outcome: 'unknown', reason })
}

const participantPath = (conferenceSid: string, callSidOrLabel: string) =>
  `Conferences/${encodeURIComponent(conferenceSid)}/Participants/${encodeURIComponent(callSidOrLabel)}.json`

/** Twilio's dates are RFC 2822 (`Tue, 05 May 2026 10:00:00 +0000`); ours are ISO 8601. */
function toCall({ sid, status, end_time }: z.infer<typeof callJson>): Call {
  const ended = end_time ? Date.parse(end_time) : Number.NaN
  return Number.isFinite(ended)
    ? { sid, status, endTime: new Date(ended).toISOString() }
    : { sid, status }
}

const toParticipant = (json: z.infer<typeof participantJson>): Participant => ({
  callSid: json.call_sid,
  conferenceSid: json.conference_sid,
  label: json.label ?? null,
  status: json.status,
  muted: json.muted,
  hold: json.hold,
})
