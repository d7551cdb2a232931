/**
 * Twilio request signatures (`X-Twilio-Signature`), computed and checked with WebCrypto.
 *
 * Twilio signs base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value,
 * sorted by name)). The rules mirror twilio-node v6 `src/webhooks/webhooks.ts`, the
 * reference implementation: repeated keys are de-duplicated and sorted, and a signature
 * also matches the URL with or without its default port and the URL as `new URL()`
 * normalises it (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
 *
 * @example
 * const ok = await isValidTwilioSignature(authToken, header, publicUrl, formParams(form))
 */

/** POST parameters as twilio-node takes them: repeated keys become arrays. */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>>

export function formParams(form: URLSearchParams): TwilioParams {
  // No prototype: a field named `constructor` or `__proto__` is a field like any other.
  const params: Record<string, string | string[]> = Object.create(null)
  for (const [name, value] of form) {
    const seen = params[name]
    params[name] =
      seen === undefined ? value : [...(typeof seen === 'string' ? [seen] : seen), value]
  }
  return params
}

/** The signature Twilio sends for a request to `url` with these POST parameters. */
export async function twilioSignature(
  authToken: string,
  url: string,
  params: TwilioParams = {},
): Promise<string> {
  return sign(await hmacKey(authToken), url, params)
}

export async function isValidTwilioSignature(
  authToken: string,
  signature: string,
  url: string,
  params: TwilioParams = {},
): Promise<boolean> {
  const key = await hmacKey(authToken)
  for (const candidate of candidateUrls(url)) {
    if (sameText(signature, await sign(key, candidate, params))) return true
  }
  return false
}

/**
 * For JSON bodies Twilio signs the URL alone and puts the body's hex SHA-256 in the
 * URL's `bodySHA256` query parameter (twilio-node `validateRequestWithBody`).
 */
export async function isValidTwilioSignatureWithBody(
  authToken: string,
  signature: string,
  url: string,
  body: string,
): Promise<boolean> {
  const claimedHash = new URL(url).searchParams.get('bodySHA256') ?? ''
  const signed = await isValidTwilioSignature(authToken, signature, url)
  return signed && sameText(claimedHash, await bodySha256(body))
}

export async function bodySha256(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(body)))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

const utf8 = new TextEncoder()

type HmacKey = Awaited<ReturnType<typeof hmacKey>>

const hmacKey = (authToken: string) =>
  crypto.subtle.importKey('raw', utf8.encode(authToken), { name: 'HMAC', hash: 'SHA-1' }, false, [
    'sign',
  ])

async function sign(key: HmacKey, url: string, params: TwilioParams): Promise<string> {
  let data = url
  for (const name of Object.keys(params).sort()) {
    const value = params[name] ?? ''
    const values = typeof value === 'string' ? [value] : Array.from(new Set(value)).sort()
    for (const each of values) data += name + each
  }
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(data)))
  return btoa(Array.from(mac, (byte) => String.fromCharCode(byte)).join(''))
}

/**
 * Compares without an early exit, so timing does not reveal how much of a forged
 * signature was right. (Written out because this module also runs in Node, for the
 * oracle tests, where `crypto.subtle.timingSafeEqual` does not exist.)
 */
function sameText(given: string, expected: string): boolean {
  const a = utf8.encode(given)
  const b = utf8.encode(expected)
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return difference === 0
}

/** The URLs twilio-node v6 `validateRequest` accepts a signature for, in its order. */
function candidateUrls(url: string): string[] {
  const asReceived = [withoutPort(url), withDefaultPort(url)]
  let normalised: string
  try {
    normalised = new URL(url).toString()
  } catch {
    return asReceived
  }
  const bare = withoutPort(normalised)
  const ported = withDefaultPort(normalised)
  return [...new Set([...asReceived, bare, ported, legacyQuery(bare), legacyQuery(ported)])]
}

/** Splits `scheme://userinfo@host:port` off the rest without normalising anything. */
function splitAuthority(url: string) {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url)
  if (!match) return undefined
  const [prefix, scheme = '', authority = ''] = match
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1)
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1)
  return {
    scheme,
    userInfo: authority.slice(0, authority.lastIndexOf('@') + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  }
}

function withoutPort(url: string): string {
  const parts = splitAuthority(url)
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url
}

/** twilio-node adds :80 to every non-https scheme; wss (the media stream upgrade) is TLS too. */
function withDefaultPort(url: string): string {
  const parts = splitAuthority(url)
  if (!parts || parts.port) return url
  const port = /^(https|wss):\/\/$/i.test(parts.scheme) ? ':443' : ':80'
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest
}

/**
 * The query string re-encoded the way Node's legacy `querystring` parse + stringify does,
 * for back ends that signed an escaped form (twilio-node fix for issue #1059). A
 * prototype-less object reproduces its key order: integer-like keys first.
 */
function legacyQuery(url: string): string {
  const queryStart = url.indexOf('?')
  if (queryStart === -1 || queryStart === url.length - 1) return url
  const parsed: Record<string, string[]> = Object.create(null)
  for (const piece of url.slice(queryStart + 1).split('&')) {
    if (piece === '') continue
    const equals = piece.indexOf('=')
    const name = legacyDecode(equals === -1 ? piece : piece.slice(0, equals))
    const value = equals === -1 ? '' : legacyDecode(piece.slice(equals + 1))
    parsed[name] = [...(parsed[name] ?? []), value]
  }
  const pairs = Object.keys(parsed).flatMap((name) =>
    (parsed[name] ?? []).map((value) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`),
  )
  return `${url.slice(0, queryStart)}?${pairs.join('&')}`
}

/** `querystring.unescape`: '+' is a space; malformed escapes decode byte by byte. */
function legacyDecode(text: string): string {
  const spaced = text.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(spaced)
  } catch {
    const bytes = spaced
      .split(/(%[0-9a-f]{2})/i)
      .flatMap((part) =>
        /^%[0-9a-f]{2}$/i.test(part)
          ? [Number.parseInt(part.slice(1), 16)]
          : [...utf8.encode(part)],
      )
    return new TextDecoder().decode(new Uint8Array(bytes))
  }
}
