/**
 * The access key as a WebSocket subprotocol, for the page's sockets (a browser cannot
 * set headers on a WebSocket). A subprotocol may hold only token characters (RFC 6455
 * section 4.1: 0x21–0x7E without separators; the browser's constructor throws a
 * SyntaxError otherwise), and keys often do not: `openssl rand -base64 32` ends in `=`
 * and may hold `/`. So the key travels as base64url of its UTF-8 bytes, unpadded:
 * `bearer.<encoded>`. Used by the page and by routes/access.ts.
 *
 * @example
 * accessProtocol('a/b=') // 'bearer.YS9iPQ'
 * keyFromProtocol('bearer.YS9iPQ') // 'a/b='
 */

const PREFIX = 'bearer.'

/**
 * The subprotocol the page offers on its sockets beside the key's, which the room names
 * in its answer: a browser drops a socket whose answer names none of those it offered.
 */
export const PAGE_PROTOCOL = 'bridge.v1'

export function accessProtocol(key: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(key)) binary += String.fromCharCode(byte)
  return PREFIX + btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The key a `bearer.` subprotocol carries; undefined for any other, or one that does not decode. */
export function keyFromProtocol(protocol: string): string | undefined {
  if (!protocol.startsWith(PREFIX)) return undefined
  const encoded = protocol.slice(PREFIX.length)
  if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) return undefined
  try {
    const binary = atob(encoded.replace(/-/g, '+').replace(/_/g, '/'))
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return undefined
  }
}
