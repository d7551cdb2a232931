/**
 * The JSON API's optional lock: when APP_ACCESS_KEY is set, every request must
 * present it as `Authorization: Bearer <key>`. Browsers cannot set headers on a
 * WebSocket, so the page's sockets may present it as the subprotocol
 * `bearer.<key, base64url>` instead (access-protocol.ts; ElevenLabs' own client
 * uses the same trick).
 */
import { createMiddleware } from 'hono/factory'
import { ApiError } from '../api-error.ts'
import { tokensEqual } from '../conference/tokens.ts'
import { appAccessKey, type Env } from '../config.ts'
import { keyFromProtocol } from './access-protocol.ts'

export const requireAccessKey = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const key = appAccessKey(c.env)
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
