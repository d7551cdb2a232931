/**
 * The page's one way to call the worker's JSON API. It adds the access key
 * when there is one, turns every failure into an `ApiFailure` whose message
 * can be shown as is, and, on a 401, asks the person for the key and retries.
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

export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>
}

export function createApiClient(fetcher: Fetch, keys: AccessKeys): ApiClient {
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      for (;;) {
        const sent = keys.current()
        const response = await send(fetcher, method, path, body, sent)
        if (response.ok) return (await response.json()) as T
        const failure = await failureOf(response)
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
): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (key) headers.Authorization = `Bearer ${key}`
  try {
    return await fetcher(path, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
  } catch {
    throw new ApiFailure(
      0,
      'network_error',
      'Could not reach the server. Check your connection and try again.',
    )
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
