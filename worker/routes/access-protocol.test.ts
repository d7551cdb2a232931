import { describe, expect, it } from 'vitest'
import { accessProtocol, keyFromProtocol } from './access-protocol.ts'

/** RFC 6455 section 4.1 / RFC 7230 token characters: what a browser accepts as a subprotocol. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

describe('the access key as a subprotocol', () => {
  // The codec carries any string; the setting itself is printable ASCII (settings.ts).
  it.each([
    ['k3y'],
    ['openssl+base64/with=='],
    ['a key with spaces, commas and "quotes"'],
    ['schlüssel-ключ-🔑'],
  ])('carries %j as a token and back', (key) => {
    const protocol = accessProtocol(key)
    expect(protocol).toMatch(TOKEN)
    expect(protocol.startsWith('bearer.')).toBe(true)
    expect(keyFromProtocol(protocol)).toBe(key)
  })

  it('reads nothing from another subprotocol or one that does not decode', () => {
    expect(keyFromProtocol('bridge.v1')).toBeUndefined()
    expect(keyFromProtocol('bearer.a/b=')).toBeUndefined() // not base64url
    expect(keyFromProtocol('bearer.abcde')).toBeUndefined() // no base64 has this length
    expect(keyFromProtocol('bearer._w')).toBeUndefined() // 0xFF: not UTF-8
  })
})
