/** A token's life in ms, from its own `iat` and `exp`; undefined when it cannot be read. */
function lifeMs(token: string): number | undefined {
  try {
    const payload = token.split('.')[1] ?? ''
    const { iat, exp } = JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/')))
    const life = (Number(exp) - Number(iat)) * 1000
    if (Number.isFinite(life) && life > 0) return life
  } catch {
    // Not a JWT we can read.
  }
  return undefined
}

/**
 * How long before the token expires the SDK says so: a minute (its default is 10 s), time
 * for a renewal that fails, or waits on the access key, to be tried again; half the token's
 * life when that is shorter (ACCESS_TOKEN_TTL_SECONDS may be 60), or the SDK would ask for
 * a new token at once, and again with each one.
 */
export function refreshLeadMs(token: string): number {
  const life = lifeMs(token)
  return life === undefined ? 10_000 : Math.min(60_000, life / 2)
}

export interface TokenRenewals {
  /** The token was renewed: ask again before this one expires. */
  next(token: string): void
  stop(): void
}

/**
 * Asks for a new token `refreshLeadMs` before each one expires, the first and every
 * renewed one. The Voice SDK's own `tokenWillExpire` fires for the first token only
 * (its timer is armed when its signalling connects, and `updateToken` does not arm it
 * again: twilio/twilio-voice.js#93, open), so a call outliving two tokens would lose its
 * access unwarned. Timed from when each token arrives, by its own life (`exp - iat`), so
 * a browser whose clock is off still asks in time. Undefined for a token it cannot read:
 * the SDK's event is then all there is.
 */
export function tokenRenewals(token: string, renew: () => void): TokenRenewals | undefined {
  if (lifeMs(token) === undefined) return undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const schedule = (current: string) => {
    clearTimeout(timer)
    const life = lifeMs(current)
    timer = life === undefined ? undefined : setTimeout(renew, life - refreshLeadMs(current))
  }
  schedule(token)
  return { next: schedule, stop: () => clearTimeout(timer) }
}
