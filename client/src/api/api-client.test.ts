import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type AccessKeys,
  ApiFailure,
  createApiClient,
  type Fetch,
  KEY_DECLINED,
  REQUEST_TIMEOUT_MS,
  UNANSWERED,
} from './api-client.ts'

afterEach(() => vi.useRealTimers())

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

const unauthorized = (message = 'This API needs the access key.') =>
  json(401, { error: { code: 'unauthorized', message } })

/** A fetch that answers from a list, recording every request. */
function scriptedFetch(...answers: (Response | Error)[]) {
  const requests: { url: string; init: RequestInit }[] = []
  const fetcher: Fetch = async (url, init) => {
    requests.push({ url, init })
    const answer = answers.shift()
    if (!answer) throw new Error('unexpected request')
    if (answer instanceof Error) throw answer
    return answer
  }
  return { fetcher, requests }
}

/** Access keys that answer prompts from a list of keys (undefined = the person declines). */
function keysAnswering(...answers: (string | undefined)[]) {
  let key: string | undefined
  let asked = 0
  const keys: AccessKeys = {
    current: () => key,
    ask: async () => {
      asked++
      const answer = answers.shift()
      if (answer === undefined) return false
      key = answer
      return true
    },
  }
  return {
    keys,
    asked: () => asked,
    /** The person gives a key through another request's prompt. */
    give: (given: string) => {
      key = given
    },
  }
}

const header = (init: RequestInit, name: string) => (init.headers as Record<string, string>)[name]

describe('createApiClient', () => {
  it('sends JSON bodies and returns the parsed answer', async () => {
    const { fetcher, requests } = scriptedFetch(json(201, { conferenceId: 'conf-1' }))
    const api = createApiClient(fetcher, keysAnswering().keys)
    const answer = await api.request('POST', '/api/twilio/start-conference', { agentId: 'a' })
    expect(answer).toEqual({ conferenceId: 'conf-1' })
    expect(requests[0]?.init.body).toBe('{"agentId":"a"}')
    expect(header(requests[0]?.init ?? {}, 'Content-Type')).toBe('application/json')
  })

  it("turns the API's error body into an ApiFailure with its code and message", async () => {
    const message = '+1 234 is not a valid phone number.'
    const { fetcher } = scriptedFetch(
      json(400, { error: { code: 'invalid_phone_number', message } }),
    )
    const failure = await createApiClient(fetcher, keysAnswering().keys)
      .request('POST', '/x', {})
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ApiFailure)
    expect(failure).toMatchObject({ status: 400, code: 'invalid_phone_number', message })
  })

  it('explains an error response that is not the API shape', async () => {
    const { fetcher } = scriptedFetch(new Response('<html>bad gateway</html>', { status: 502 }))
    await expect(
      createApiClient(fetcher, keysAnswering().keys).request('GET', '/x'),
    ).rejects.toMatchObject({
      status: 502,
      code: 'http_error',
      message: expect.stringMatching(/502/),
    })
  })

  it('explains a network failure', async () => {
    const { fetcher } = scriptedFetch(new TypeError('Failed to fetch'))
    await expect(
      createApiClient(fetcher, keysAnswering().keys).request('GET', '/x'),
    ).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
      message: expect.stringMatching(/reach the server/),
    })
  })

  it('on 401 asks for the key, then retries with a bearer header', async () => {
    const { fetcher, requests } = scriptedFetch(unauthorized('Key, please.'), json(200, { ok: 1 }))
    const { keys, asked } = keysAnswering('s3cret')
    expect(await createApiClient(fetcher, keys).request('GET', '/api/twilio/token')).toEqual({
      ok: 1,
    })
    expect(asked()).toBe(1)
    expect(header(requests[0]?.init ?? {}, 'Authorization')).toBeUndefined()
    expect(header(requests[1]?.init ?? {}, 'Authorization')).toBe('Bearer s3cret')
  })

  it('asks again while the key is wrong', async () => {
    const { fetcher, requests } = scriptedFetch(
      unauthorized(),
      unauthorized('The access key is wrong.'),
      json(200, {}),
    )
    const { keys, asked } = keysAnswering('wrong', 'right')
    await createApiClient(fetcher, keys).request('GET', '/x')
    expect(asked()).toBe(2)
    expect(header(requests[2]?.init ?? {}, 'Authorization')).toBe('Bearer right')
  })

  it('tries a key given while its request was out before asking for one', async () => {
    const { keys, asked, give } = keysAnswering()
    // The request goes out with no key; the person gives one (another request's prompt)
    // before its 401 comes back.
    const fetcher: Fetch = async (_url, init) => {
      const sentKey = (init.headers as Record<string, string>).Authorization
      if (sentKey === undefined) {
        give('g00d')
        return unauthorized()
      }
      return json(200, { ok: 1 })
    }
    expect(await createApiClient(fetcher, keys).request('GET', '/x')).toEqual({ ok: 1 })
    expect(asked()).toBe(0)
  })

  it("fails in the page's words, not the server's, when the person declines to give a key", async () => {
    const { fetcher } = scriptedFetch(unauthorized('send Authorization: Bearer <APP_ACCESS_KEY>'))
    await expect(
      createApiClient(fetcher, keysAnswering(undefined).keys).request('GET', '/x'),
    ).rejects.toMatchObject({ status: 401, code: 'unauthorized', message: KEY_DECLINED })
  })

  describe('a request the server does not answer', () => {
    /** A fetch that never answers, as over a stalled network; records whether it was aborted. */
    function stalledFetch() {
      const signals: AbortSignal[] = []
      const fetcher: Fetch = (_url, init) => {
        if (init.signal) signals.push(init.signal)
        return new Promise(() => {})
      }
      return { fetcher, signals }
    }

    it('gives up after REQUEST_TIMEOUT_MS, aborting it, and says to try again', async () => {
      vi.useFakeTimers()
      const { fetcher, signals } = stalledFetch()
      const request = createApiClient(fetcher, keysAnswering().keys).request('DELETE', '/x')
      const failed = expect(request).rejects.toMatchObject({
        status: 0,
        code: 'timeout',
        message: UNANSWERED,
      })
      await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS - 1)
      expect(signals[0]?.aborted).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      await failed
      expect(signals[0]?.aborted).toBe(true)
    })

    it('says what the request may have done all the same, when its caller says so', async () => {
      vi.useFakeTimers()
      const request = createApiClient(stalledFetch().fetcher, keysAnswering().keys).request(
        'POST',
        '/x',
        {},
        { unanswered: 'It may have started anyway.' },
      )
      const failed = expect(request).rejects.toMatchObject({
        code: 'timeout',
        message: 'It may have started anyway.',
      })
      await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS)
      await failed
    })

    it('gives a request its caller says is large the time it asks for', async () => {
      vi.useFakeTimers()
      // Headers at once, the body arriving slowly: 16 s in all.
      const fetcher: Fetch = async () =>
        ({
          ok: true,
          status: 200,
          json: () => new Promise((resolve) => setTimeout(() => resolve({ lines: 1 }), 16_000)),
        }) as Response
      const client = createApiClient(fetcher, keysAnswering().keys)
      const slow = client.request('GET', '/x', undefined, { timeoutMs: 30_000 })
      await vi.advanceTimersByTimeAsync(16_000)
      expect(await slow).toEqual({ lines: 1 })
      const usual = client.request('GET', '/x')
      const failed = expect(usual).rejects.toMatchObject({ code: 'timeout' })
      await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS)
      await failed
    })

    it('times each attempt, not the wait for the access key', async () => {
      vi.useFakeTimers()
      let release: (given: boolean) => void = () => {}
      const keys: AccessKeys = {
        current: () => undefined,
        ask: () => new Promise((resolve) => (release = resolve)),
      }
      const { fetcher } = scriptedFetch(unauthorized(), json(200, { ok: 1 }))
      const request = createApiClient(fetcher, keys).request('GET', '/x')
      await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS * 2)
      release(true)
      expect(await request).toEqual({ ok: 1 })
    })
  })
})
