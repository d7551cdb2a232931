/**
 * The page's one way to call the worker's JSON API. It adds the access key
 * when there is one, gives up on a request the server does not answer in time,
 * turns every failure into an `ApiFailure` whose message can be shown as is,
 * and, on a 401, asks the person for the key and retries.
 */

/** A failed API call: the server's `{ error: { code, message } }`, or our own words for the network. */
export class ApiFailure extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiFailure'
    this.status = status
    this.code = code
  }
}

/**
 * Whether a failed call was refused for the access key the person declined to give: a 401
 * leaves `request` only then (it waits on the prompt otherwise). Asking again would only
 * raise the prompt again.
 */
export const isKeyDeclined = (error: unknown): boolean =>
  (error as { status?: unknown } | undefined)?.status === 401

/**
 * What a request fails with when the person declined to give the key: the page's words.
 * The server's (worker/routes/access.ts) are for API clients, and name a header and a setting.
 */
export const KEY_DECLINED = 'Not done without the access key: try again to enter it.'

/** Where the access key lives and how to ask the person for a new one. */
export interface AccessKeys {
  current(): string | undefined
  /**
   * Resolves true once the person gave a key to try, false if they declined. `refusedKey`:
   * the key the refused request carried, undefined when it carried none.
   */
  ask(refusedKey: string | undefined): Promise<boolean>
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>

/**
 * How long a request may take, answer read, before the page gives up on it: a stalled
 * network leaves a fetch waiting for minutes, and the button that sent it busy all along.
 */
export const REQUEST_TIMEOUT_MS = 15_000

/** What a request that timed out says when doing it again is harmless (a look-up, an end). */
export const UNANSWERED = `The server did not answer within ${REQUEST_TIMEOUT_MS / 1000} seconds. Check your connection and try again.`

export interface RequestOptions {
  /**
   * What a request that timed out says instead, for one the server may have carried out
   * before its answer was lost (a start, a dial): trying again may do it twice.
   */
  unanswered?: string
  /** How long this one may take, answer read, for one whose answer is large (a long call's transcript). */
  timeoutMs?: number
}

export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<T>
}

export function createApiClient(fetcher: Fetch, keys: AccessKeys): ApiClient {
  return {
    async request<T>(
      method: string,
      path: string,
      body?: unknown,
      { unanswered = UNANSWERED, timeoutMs = REQUEST_TIMEOUT_MS }: RequestOptions = {},
    ): Promise<T> {
      for (;;) {
        const sent = keys.current()
        const answer = await withinTimeout(
          async (signal) => {
            const response = await send(fetcher, method, path, body, sent, signal)
            return response.ok
              ? { body: await response.json() }
              : { failure: await failureOf(response) }
          },
          unanswered,
          timeoutMs,
        )
        if (!answer.failure) return answer.body as T
        const { failure } = answer
        if (failure.status !== 401) throw failure
        // A key given while this request was out (another's prompt): tried before asking.
        // Only a person changes the key (answering or declining a prompt), so this does not
        // go round on its own.
        if (keys.current() !== sent) continue
        if (!(await keys.ask(sent))) throw new ApiFailure(401, failure.code, KEY_DECLINED)
      }
    },
  }
}

async function send(
  fetcher: Fetch,
  method: string,
  path: string,
  body: unknown,
  key: string | undefined,
  signal: AbortSignal,
): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (key) headers.Authorization = `Bearer ${key}`
  try {
    return await fetcher(path, {
      method,
      headers,
      signal,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
  } catch (error) {
    if (signal.aborted) throw error
    throw new ApiFailure(
      0,
      'network_error',
      'Could not reach the server. Check your connection and try again.',
    )
  }
}

/**
 * `exchange`, or an `ApiFailure` saying `unanswered` once `timeoutMs` have passed; the
 * request is aborted then. Raced too, so that a fetch deaf to its signal cannot hold it.
 */
async function withinTimeout<T>(
  exchange: (signal: AbortSignal) => Promise<T>,
  unanswered: string,
  timeoutMs: number,
): Promise<T> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new ApiFailure(0, 'timeout', unanswered))
    }, timeoutMs)
  })
  try {
    return await Promise.race([exchange(controller.signal), timedOut])
  } finally {
    clearTimeout(timer)
  }
}

async function failureOf(response: Response): Promise<ApiFailure> {
  const error = await response
    .json()
    .then((body: unknown) => (body as { error?: { code?: unknown; message?: unknown } }).error)
    .catch(() => undefined)
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    return new ApiFailure(response.status, error.code, error.message)
  }
  return new ApiFailure(
    response.status,
    'http_error',
    `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}. Try again in a moment.`,
  )
}
