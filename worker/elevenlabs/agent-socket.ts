/**
 * Connecting to an ElevenLabs agent from workerd: ask for a signed URL with the
 * API key, then open the conversation socket through `fetch`. Workers' `new
 * WebSocket(url)` cannot send headers and `fetch` speaks only http(s), so the
 * signed wss:// URL is fetched as https:// with `Upgrade: websocket`
 * (developers.cloudflare.com/workers/examples/websockets).
 *
 * Failures are `AgentConnectError`s (agent-connect-error.ts) whose message
 * tells the operator what to fix. Neither the API key nor the signed URL (a
 * credential for 15 minutes) ever appears in a message.
 */
import { closeQuietly } from '../sockets.ts'
import {
  AgentConnectError,
  describeDetail,
  readDetail,
  redact,
  signedUrlRefusal,
  upgradeRefusal,
} from './agent-connect-error.ts'

export { AgentConnectError, type AgentConnectErrorCode } from './agent-connect-error.ts'

type Fetch = (input: string, init: RequestInit) => Promise<Response>

const DEFAULT_TIMEOUT_MS = 10_000

export interface SignedUrlRequest {
  /** e.g. https://api.elevenlabs.io, without a trailing slash. */
  apiBase: string
  apiKey: string
  agentId: string
  fetch?: Fetch
  timeoutMs?: number
}

/** `GET /v1/convai/conversation/get-signed-url` (elevenlabs-python conversations/raw_client.py). */
export async function getSignedUrl(request: SignedUrlRequest): Promise<string> {
  const { apiBase, apiKey, agentId, timeoutMs = DEFAULT_TIMEOUT_MS } = request
  const doFetch = request.fetch ?? ((input, init) => fetch(input, init))
  const url = `${apiBase}/v1/convai/conversation/get-signed-url?agent_id=${encodeURIComponent(agentId)}`
  return withTimeout('Asking ElevenLabs for a signed URL', timeoutMs, apiKey, async (signal) => {
    const res = await doFetch(url, { headers: { 'xi-api-key': apiKey }, signal })
    const text = await res.text()
    if (!res.ok) throw signedUrlRefusal(res.status, describeDetail(text, apiKey), agentId)
    const signedUrl = parseSignedUrl(text)
    if (signedUrl) return signedUrl
    throw new AgentConnectError(
      'bad_response',
      `ElevenLabs answered get-signed-url (${res.status}) without a ws(s) signed_url: is ELEVENLABS_API_BASE pointing at ElevenLabs?`,
      res.status,
    )
  })
}

export interface OpenSocketOptions {
  fetch?: Fetch
  timeoutMs?: number
}

/**
 * Opens and accepts the conversation socket of a signed URL. Add the message
 * listener before awaiting anything else, so no early server message can
 * arrive before it.
 */
export async function openAgentSocket(
  signedUrl: string,
  options: OpenSocketOptions = {},
): Promise<WebSocket> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS } = options
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const url = signedUrl.replace(/^wss:\/\//i, 'https://').replace(/^ws:\/\//i, 'http://')
  if (!/^https?:\/\//i.test(url)) {
    throw new AgentConnectError(
      'bad_response',
      'The signed URL from ElevenLabs is not a ws(s) URL.',
    )
  }
  return withTimeout(
    'Opening the ElevenLabs conversation socket',
    timeoutMs,
    undefined,
    // No AbortSignal here. workerd wraps the socket of an upgrade fetched with one in an
    // AbortableWebSocket for the socket's whole life (src/workerd/api/http.c++), so every
    // message either way would pass through the signal's canceler, long after the connect
    // that the signal was for: about 0.7% of the runtime's CPU samples at 50 calls
    // (docs/bridge-bench.md, "A socket kept abortable"). The deadline races the upgrade
    // instead, and a socket that opens after it is closed.
    async () => {
      const res = await doFetch(url, { headers: { Upgrade: 'websocket' } })
      const socket = res.webSocket
      if (res.status !== 101 || !socket) throw upgradeRefusal(res.status, await readDetail(res))
      // Binary frames would otherwise arrive as Blobs; the parser takes ArrayBuffers.
      socket.binaryType = 'arraybuffer'
      socket.accept()
      return socket
    },
    (late) => closeQuietly(late, 1000, 'opened after the connect timeout'),
  )
}

/**
 * Runs `work` against a deadline; turns a missed deadline and fetch failures into
 * AgentConnectErrors. At the deadline `work`'s signal aborts, for work that can stop, and
 * whatever `work` still produces after it goes to `discard`.
 */
async function withTimeout<T>(
  what: string,
  timeoutMs: number,
  secret: string | undefined,
  work: (signal: AbortSignal) => Promise<T>,
  discard: (late: T) => void = () => {},
): Promise<T> {
  const controller = new AbortController()
  let expire: (error: AgentConnectError) => void = () => {}
  const deadline = new Promise<never>((_resolve, reject) => {
    expire = reject
  })
  const timer = setTimeout(() => {
    // The deadline first: work that rejects as soon as it is aborted must not win the race.
    expire(new AgentConnectError('timeout', `${what} took over ${timeoutMs} ms: retry shortly.`))
    controller.abort()
  }, timeoutMs)
  let working: Promise<T> | undefined
  try {
    working = work(controller.signal)
    return await Promise.race([working, deadline])
  } catch (error) {
    if (error instanceof AgentConnectError) throw error
    const cause = redact(error instanceof Error ? error.message : String(error), secret)
    throw new AgentConnectError(
      'network',
      `${what} failed (${cause}): check ELEVENLABS_API_BASE and the network.`,
    )
  } finally {
    clearTimeout(timer)
    // Past the deadline nobody awaits `working`: what it gives is let go, what it throws ignored.
    if (controller.signal.aborted) working?.then(discard, () => {})
  }
}

function parseSignedUrl(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text)
    const url =
      typeof body === 'object' && body !== null
        ? (body as { signed_url?: unknown }).signed_url
        : undefined
    return typeof url === 'string' && /^wss?:\/\//i.test(url) ? url : undefined
  } catch {
    return undefined
  }
}
