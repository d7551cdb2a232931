/**
 * How long before the token expires the SDK says so: a minute (its default is 10 s), time
 * for a renewal that fails, or waits on the access key, to be tried again; half the token's
 * life when that is shorter (ACCESS_TOKEN_TTL_SECONDS may be 60), or the SDK would ask for
 * a new token at once, and again with each one.
 */
export function refreshLeadMs(token: string): number {
  try {
    const payload = token.split('.')[1] ?? ''
    const { iat, exp } = JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/')))
    const lifeMs = (Number(exp) - Number(iat)) * 1000
    if (Number.isFinite(lifeMs) && lifeMs > 0) return Math.min(60_000, lifeMs / 2)
  } catch {
    // Not a JWT we can read: the SDK's default.
  }
  return 10_000
}
