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
  /** Looks now whether the token is due (the browser back online, the tab shown again). */
  check(): void
  stop(): void
}

/** How often a token's age is looked at: timers do not run while a laptop sleeps. */
export const RENEWAL_CHECK_MS = 15_000

/**
 * Asks for a new token `refreshLeadMs` before each one expires, the first and every
 * renewed one. The Voice SDK's own `tokenWillExpire` fires for the first token only
 * (its timer is armed when its signalling connects, and `updateToken` does not arm it
 * again: twilio/twilio-voice.js#93, open), so a call outliving two tokens would lose its
 * access unwarned. A token's age is counted from when it arrived, by its own life
 * (`exp - iat`), so a browser whose clock is off still asks in time; and on the clock,
 * looked at every RENEWAL_CHECK_MS and at `check`, not by one timer for its whole life,
 * which a laptop's sleep holds back by as long as it slept. The larger of the clock's and
 * the monotonic clock's counts is taken, so a clock set back does not delay it either.
 * Undefined for a token it cannot read: the SDK's event is then all there is.
 */
export function tokenRenewals(token: string, renew: () => void): TokenRenewals | undefined {
  if (lifeMs(token) === undefined) return undefined
  let due: (() => boolean) | undefined
  const schedule = (current: string) => {
    const life = lifeMs(current)
    if (life === undefined) {
      due = undefined
      return
    }
    const [arrived, arrivedMono] = [Date.now(), performance.now()]
    const renewAfter = life - refreshLeadMs(current)
    due = () => Math.max(Date.now() - arrived, performance.now() - arrivedMono) >= renewAfter
  }
  const check = () => {
    if (!due?.()) return
    // Once a token: the next one is asked for when it comes.
    due = undefined
    renew()
  }
  schedule(token)
  const timer = setInterval(check, RENEWAL_CHECK_MS)
  return {
    next: schedule,
    check,
    stop: () => {
      due = undefined
      clearInterval(timer)
    },
  }
}
