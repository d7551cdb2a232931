/**
 * The JSON API's optional lock: when APP_ACCESS_KEY is set, every request must
 * present it as `Authorization: Bearer <key>`. Browsers cannot set headers on a
 * WebSocket, so the page's event socket may present it as the subprotocol
 * `bearer.<key>` instead (the same trick ElevenLabs' own client uses).
 */
import { createMiddleware } from 'hono/factory'
import { ApiError } from '../api-error.ts'
import { tokensEqual } from '../conference/tokens.ts'
import { appAccessKey, type Env } from '../config.ts'

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

const bearerProtocol = (header: string | undefined) =>
  header
    ?.split(',')
    .map((protocol) => protocol.trim())
    .find((protocol) => protocol.startsWith('bearer.'))
    ?.slice('bearer.'.length)
