/**
 * The JSON API's lock: when APP_ACCESS_KEY is set, every request must present it
 * as `Authorization: Bearer <key>`. Browsers cannot set headers on a WebSocket,
 * so the page's sockets may present it as the subprotocol `bearer.<key,
 * base64url>` instead (access-protocol.ts; ElevenLabs' own client uses the same
 * trick). Without a key the API answers only requests to this machine
 * (localhost, as `npm run dev` serves the page): a deployed worker with no key
 * would let anyone who finds its URL dial any number on the operator's account.
 */
import { createMiddleware } from 'hono/factory'
import { ApiError } from '../api-error.ts'
import { tokensEqual } from '../conference/tokens.ts'
import { appAccessKey, type Env, isLoopback } from '../config.ts'
import { keyFromProtocol } from './access-protocol.ts'

export const requireAccessKey = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const key = appAccessKey(c.env)
  if (!key && !isFromThisMachine(c.req.raw)) {
    throw new ApiError(
      403,
      'forbidden',
      'APP_ACCESS_KEY is not set, so this API answers only on the machine it runs on (localhost). Set APP_ACCESS_KEY (`wrangler secret put APP_ACCESS_KEY`) to use it from anywhere else.',
    )
  }
  if (key) {
    const presented =
      bearerHeader(c.req.header('Authorization')) ??
      bearerProtocol(c.req.header('Sec-WebSocket-Protocol'))
    if (!presented) {
      throw new ApiError(
        401,
        'unauthorized',
        'This API needs the access key: send Authorization: Bearer <APP_ACCESS_KEY>.',
      )
    }
    if (!tokensEqual(key, presented)) {
      throw new ApiError(
        401,
        'unauthorized',
        'The access key is wrong: it must equal APP_ACCESS_KEY.',
      )
    }
  }
  await next()
})

const bearerHeader = (header: string | undefined) => header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]

const bearerProtocol = (header: string | undefined) => {
  for (const protocol of header?.split(',') ?? []) {
    const key = keyFromProtocol(protocol.trim())
    if (key !== undefined) return key
  }
  return undefined
}

/**
 * A request made on this machine: to a loopback host, and through no proxy or tunnel.
 * Tunnels (ngrok, cloudflared, localtunnel) and reverse proxies add X-Forwarded-For or
 * Forwarded, and some rewrite the Host to `localhost`; on Cloudflare the Host decides which
 * worker runs, so no request from outside reaches a deployed worker as localhost.
 */
export function isFromThisMachine(request: Request): boolean {
  const forwarded = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip']
  return (
    isLoopback(new URL(request.url).hostname) &&
    !forwarded.some((name) => request.headers.has(name))
  )
}
