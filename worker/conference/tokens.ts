/**
 * One-time secrets that tie Twilio's requests to this conference: the agent
 * leg's token (a custom parameter on our REST call, checked when its TwiML is
 * made) and the stream token (a `<Parameter>` in that TwiML, checked on `start`).
 */

/** 32 random bytes, base64url: unguessable and safe in TwiML, URLs and JSON. */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
}

/** Compares in constant time for equal lengths (Workers' `timingSafeEqual`). */
export function tokensEqual(expected: string, actual: string): boolean {
  const a = new TextEncoder().encode(expected)
  const b = new TextEncoder().encode(actual)
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b)
}
