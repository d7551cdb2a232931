/**
 * How a page knows its event socket still reaches the room. A browser keeps a WebSocket
 * open through many seconds of lost network with no close event, and nothing on the
 * socket would tell: the page sends PING every LIVENESS_PING_MS, and counts the socket dead
 * when nothing at all came back for two of them. The room answers through the runtime's
 * auto-response (`setWebSocketAutoResponse`), which answers without waking a hibernating
 * room or running its handlers, so a page watching costs the room nothing.
 * https://developers.cloudflare.com/durable-objects/api/state/#setwebsocketautoresponse
 */

export const LIVENESS_PING = '{"type":"ping"}'
export const LIVENESS_PONG = '{"type":"pong"}'

/** Often enough to notice a dead socket within a minute; rare enough to cost nothing. */
export const LIVENESS_PING_MS = 20_000
