/**
 * The worker's JSON API and event socket, faked inside the browser with
 * Playwright's request and WebSocket routing: no worker is needed. Every
 * request is recorded for the tests to inspect.
 */
import type { Page, WebSocketRoute } from 'playwright-core'
import type { Health, RoomEventMessage, RoomView } from '../../client/src/api/wire.ts'
import { aRoom, CONFERENCE_ID } from '../../client/src/room/room-fixtures.ts'
import { LIVENESS_PING, LIVENESS_PONG } from '../../worker/conference/event-liveness.ts'

export interface RecordedRequest {
  method: string
  path: string
  search: string
  body: unknown
  authorization: string | undefined
}

export interface Reply {
  status: number
  body: unknown
}

type Answer = Reply | ((request: RecordedRequest) => Reply | Promise<Reply>)

export const ok = (body: unknown, status = 200): Reply => ({ status, body })
export const apiError = (status: number, code: string, message: string): Reply => ({
  status,
  body: { error: { code, message } },
})

export const READY: Health = {
  status: 'ok',
  missing: [],
  warnings: [],
  localCalls: false,
  settings: [],
}
export const IDENTITY = 'host_1'
export const CONFERENCE_PATH = `/api/twilio/conferences/${CONFERENCE_ID}`

export class FakeApi {
  readonly requests: RecordedRequest[] = []
  #answers = new Map<string, Answer[]>()
  #accessKey: string | undefined

  constructor() {
    this.on('GET', '/api/health', ok(READY))
    this.on('GET', '/api/twilio/token', (request) =>
      ok({
        token: `token-${this.to('GET', '/api/twilio/token').length}`,
        identity: new URLSearchParams(request.search).get('identity') ?? IDENTITY,
        expiresAt: '2026-01-01T11:00:00.000Z',
      }),
    )
    this.startsWith(aRoom())
    this.on(
      'DELETE',
      CONFERENCE_PATH,
      ok(aRoom({ status: 'ended', endedReason: 'it was ended for everyone' })),
    )
  }

  /**
   * Has start-conference answer with `room`, as the worker does for a new conference, and
   * a look-up of the conference with it too (the page looks when its call drops).
   */
  startsWith(room: RoomView, warnings: string[] = []): void {
    this.on(
      'POST',
      '/api/twilio/start-conference',
      ok({ conferenceId: CONFERENCE_ID, room, warnings }, 201),
    )
    this.on('GET', CONFERENCE_PATH, ok(room))
  }

  /** Answers in order; the last answer repeats. */
  on(method: string, path: string, ...answers: Answer[]): void {
    this.#answers.set(`${method} ${path}`, answers)
  }

  /** Like APP_ACCESS_KEY on the worker: every call but the health check needs the key. */
  lockWith(key: string): void {
    this.#accessKey = key
  }

  to(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path)
  }

  async install(page: Page): Promise<void> {
    await page.route('**/api/**', async (route) => {
      const request = route.request()
      const url = new URL(request.url())
      const recorded: RecordedRequest = {
        method: request.method(),
        path: url.pathname,
        search: url.search,
        body: request.postData() ? request.postDataJSON() : undefined,
        authorization: (await request.headerValue('authorization')) ?? undefined,
      }
      this.requests.push(recorded)
      const reply = await this.#answer(recorded)
      await route.fulfill({ status: reply.status, json: reply.body })
    })
  }

  #answer(request: RecordedRequest): Reply | Promise<Reply> {
    if (this.#accessKey && request.path.startsWith('/api/twilio/')) {
      if (!request.authorization) {
        return apiError(
          401,
          'unauthorized',
          'This API needs the access key: send Authorization: Bearer <APP_ACCESS_KEY>.',
        )
      }
      if (request.authorization !== `Bearer ${this.#accessKey}`) {
        return apiError(
          401,
          'unauthorized',
          'The access key is wrong: it must equal APP_ACCESS_KEY.',
        )
      }
    }
    const answers = this.#answers.get(`${request.method} ${request.path}`)
    const answer = answers && answers.length > 1 ? answers.shift() : answers?.[0]
    if (!answer)
      return apiError(404, 'not_found', `No route for ${request.method} ${request.path}.`)
    return typeof answer === 'function' ? answer(request) : answer
  }
}

/** The conference's event socket: the tests push messages as the worker would. */
export class FakeEvents {
  readonly sockets: WebSocketRoute[] = []
  /** What the page sent on each socket, by its index in `sockets`. */
  readonly received: string[][] = []
  /** Whether the sockets answer the page's liveness pings, as the room's runtime does. */
  answersPings = true

  async install(page: Page): Promise<void> {
    await page.routeWebSocket(/\/api\/twilio\/conferences\/[^/]+\/events$/, (socket) => {
      const received: string[] = []
      this.sockets.push(socket)
      this.received.push(received)
      socket.onMessage((message) => {
        received.push(String(message))
        if (message === LIVENESS_PING && this.answersPings) socket.send(LIVENESS_PONG)
      })
    })
  }

  send(message: RoomEventMessage): void {
    const socket = this.sockets.at(-1)
    if (!socket) throw new Error('the page has not opened the event socket')
    socket.send(JSON.stringify(message))
  }
}
