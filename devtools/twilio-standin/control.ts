/**
 * The Twilio stand-in's control API (`/__standin/…`) and a typed client for it. Uses
 * only `fetch`, so tests inside workerd can drive the stand-in too.
 *
 * Test files run in parallel against one stand-in: filter what you read by your own
 * conference name or a path fragment that only your test uses.
 *
 * @example
 * const standin = new TwilioStandinControl(env.TWILIO_API_BASE)
 * await standin.injectFault({ pathContains: 'conf-t1', status: 429, times: 2 })
 * const calls = await standin.requests({ conference: 'conf-t1' })
 * await standin.addTunnel({ publicBase: 'https://e2e-1.example.test', localBase: worker.url })
 * await standin.scriptPhone({ number: '+14155550123', ringMs: 1000, outcome: 'busy' })
 * const events = await standin.callbacks({ conference: 'conf-t1' })
 * await standin.holdCallbacks('conf-t1') // … then, after what should make them …
 * await standin.releaseCallbacks('conf-t1', 'reversed')
 */

/** Twilio's REST error body (https://www.twilio.com/docs/usage/twilios-response). */
export interface TwilioErrorBody {
  code: number
  message: string
  more_info: string
  status: number
}

export interface RecordedRequest {
  /** Increases with each request the stand-in receives. */
  id: number
  method: string
  /** Path without the query string, percent-encoded as received. */
  path: string
  query: string
  /** Form fields, every value of a repeated key in order. */
  form: Record<string, string[]>
  /** The Basic auth username (SK… or AC…) when the credentials were accepted. */
  principal: string | null
  /** The conference's friendly name when the path names a conference or one of its calls. */
  conference: string | null
  /** The status answered; 0 while the answer is pending (e.g. a scripted delay). */
  status: number
}

export interface RequestFilter {
  conference?: string
  pathContains?: string
  method?: string
}

/** A scripted failure for the next `times` requests whose path contains `pathContains`. */
export interface Fault {
  pathContains: string
  method?: string
  /** How many matching requests fail; 1 unless given. */
  times?: number
  /** Answer with this status instead of handling the request; omit to only delay it. */
  status?: number
  /**
   * The body to answer with: Twilio's error body for an error `status` (one is made up from
   * the status if omitted), or a resource for a scripted success, e.g. a call still queued.
   */
  body?: TwilioErrorBody | Record<string, unknown>
  headers?: Record<string, string>
  /** Wait this long before answering, e.g. longer than the client's timeout. */
  delayMs?: number
}

/**
 * Where callbacks for a public URL go, as a tunnel (ngrok, cloudflared) would take them: a
 * callback to `publicBase` + rest is POSTed to `localBase` + rest, still signed over the
 * public URL. Callbacks to any other URL are recorded but never sent.
 */
export interface Tunnel {
  /** E.g. https://e2e-1.example.test: the WEBHOOK_BASE_URL the worker under test runs with. */
  publicBase: string
  /** E.g. http://127.0.0.1:8787: where that worker listens. */
  localBase: string
}

export type PhoneOutcome = 'answer' | 'busy' | 'no-answer' | 'failed'

/** How a dialled E.164 number behaves: it rings `ringMs` (0 unless given), then `outcome`. */
export interface PhoneScript {
  number: string
  ringMs?: number
  /** 'answer' unless given. */
  outcome?: PhoneOutcome
}

/** A status callback the stand-in made, sent through a tunnel or only recorded. */
export interface RecordedCallback {
  /** Increases with each callback. */
  id: number
  /** The URL Twilio would call: the StatusCallback or ConferenceStatusCallback given. */
  url: string
  method: 'GET' | 'POST'
  params: Record<string, string>
  /** The friendly name of the conference it concerns. */
  conference: string
  callSid: string | null
  /** The conference event (`participant-join`, …) or call progress event (`ringing`, …). */
  event: string
  /** The tunnelled local URL it went to; null when no tunnel covers `url` (never sent). */
  sentTo: string | null
  /** The status the receiver answered; null until then, or when unsent or failed. */
  status: number | null
  /** Why delivery failed (network error, timeout, the stand-in closing). */
  error: string | null
}

/** A Voice SDK client calling the TwiML App: `device.connect({ params })` from `identity`. */
export interface ClientCall {
  identity: string
  /** The TwiML App's Voice URL, under a tunnel's public base. */
  voiceUrl: string
  params?: Record<string, string>
}

export interface ClientCallResult {
  callSid: string
  /** What the Voice URL answered; null when it could not be asked (see `error`). */
  voiceUrlStatus: number | null
  error: string | null
  twiml: string
  /** The conference the call joined, if the TwiML dialled one. */
  conferenceSid: string | null
}

/** How held callbacks go out when released: as they were made, or newest first. */
export type CallbackOrder = 'as-made' | 'reversed'

export interface CallbackFilter {
  conference?: string
  callSid?: string
  event?: string
}

export interface ParticipantSnapshot {
  callSid: string
  label: string | null
  from: string
  /** `To` as given, custom parameters included. */
  to: string
  /** Query-string custom parameters of an `app:`/`client:` target. */
  customParameters: Record<string, string>
  muted: boolean
  hold: boolean
  startConferenceOnEnter: boolean
  endConferenceOnExit: boolean
  status: string
}

export interface ConferenceSnapshot {
  sid: string
  friendlyName: string
  status: 'init' | 'in-progress' | 'completed'
  reasonConferenceEnded: string | null
  participants: ParticipantSnapshot[]
}

export class TwilioStandinControl {
  readonly #baseUrl: string
  readonly #fetch: typeof fetch

  /** `fetcher` defaults to the global fetch, called unbound as workerd requires. */
  constructor(baseUrl: string, fetcher: typeof fetch = (input, init) => fetch(input, init)) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '')
    this.#fetch = fetcher
  }

  async requests(filter: RequestFilter = {}): Promise<RecordedRequest[]> {
    const query = new URLSearchParams(Object.entries(filter).filter(([, value]) => value))
    return (await this.#call('GET', `/__standin/requests?${query}`)).json() as Promise<
      RecordedRequest[]
    >
  }

  async injectFault(fault: Fault): Promise<void> {
    await this.#call('POST', '/__standin/faults', fault)
  }

  /** Sends callbacks under `publicBase` to `localBase`; a second tunnel for a base replaces it. */
  async addTunnel(tunnel: Tunnel): Promise<void> {
    await this.#call('POST', '/__standin/tunnels', tunnel)
  }

  /** Scripts how a dialled number behaves from now on; a second script for it replaces it. */
  async scriptPhone(phone: PhoneScript): Promise<void> {
    await this.#call('POST', '/__standin/phones', phone)
  }

  /** Callbacks made so far, oldest first, filtered by conference, CallSid and event. */
  async callbacks(filter: CallbackFilter = {}): Promise<RecordedCallback[]> {
    const query = new URLSearchParams(Object.entries(filter).filter(([, value]) => value))
    return (await this.#call('GET', `/__standin/callbacks?${query}`)).json() as Promise<
      RecordedCallback[]
    >
  }

  /**
   * Holds back the callbacks made from now on about conferences of this friendly name, until
   * `releaseCallbacks`. They are recorded at once, with a null status until delivered.
   */
  async holdCallbacks(conference: string): Promise<void> {
    await this.#call('POST', '/__standin/callbacks/hold', { conference })
  }

  /**
   * From now on, a REST request's callbacks about conferences of this friendly name are
   * delivered before its answer is sent, as Twilio's may overtake its answers.
   */
  async callbacksBeforeAnswers(conference: string): Promise<void> {
    await this.#call('POST', '/__standin/callbacks/first', { conference })
  }

  /** Delivers what was held, one at a time in `order`, and stops holding; answers how many. */
  async releaseCallbacks(conference: string, order: CallbackOrder = 'as-made'): Promise<number> {
    const response = await this.#call('POST', '/__standin/callbacks/release', { conference, order })
    return ((await response.json()) as { released: number }).released
  }

  /**
   * Places a Voice SDK client's call to the TwiML App: the stand-in asks `voiceUrl` (signed,
   * through a tunnel) and follows its `<Dial><Conference>`. Answers once the call is in.
   */
  async clientCall(call: ClientCall): Promise<ClientCallResult> {
    return (
      await this.#call('POST', '/__standin/client-calls', call)
    ).json() as Promise<ClientCallResult>
  }

  /** A conference by friendly name (the newest one) or CF sid; undefined if unknown. */
  async conference(nameOrSid: string): Promise<ConferenceSnapshot | undefined> {
    const response = await this.#fetch(
      `${this.#baseUrl}/__standin/conferences/${encodeURIComponent(nameOrSid)}`,
    )
    if (response.status === 404) return undefined
    if (!response.ok) throw new Error(`Twilio stand-in answered ${response.status}`)
    return response.json() as Promise<ConferenceSnapshot>
  }

  async #call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await this.#fetch(this.#baseUrl + path, {
      method,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    })
    if (!response.ok) {
      throw new Error(`Twilio stand-in answered ${response.status}: ${await response.text()}`)
    }
    return response
  }
}
