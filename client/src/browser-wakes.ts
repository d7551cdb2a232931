/**
 * The moments something may have died unseen while the page looked away: the browser is
 * back online (the network changed under it), or the tab is shown again (a laptop woke,
 * or the browser froze the tab). The event link checks its socket then, the Voice device
 * its token's age.
 */

export type Wake = 'online' | 'visible'

/** Calls `wake` at each such moment; returns the function that stops it. */
export type WatchWakes = (wake: (why: Wake) => void) => () => void

/** What of the page's window this uses: typed here, as its users are type-checked for Node too. */
interface Listening {
  addEventListener(type: string, listener: () => void): void
  removeEventListener(type: string, listener: () => void): void
}
const page = globalThis as unknown as Listening & {
  document: Listening & { visibilityState: string }
}

export const watchBrowserWakes: WatchWakes = (wake) => {
  const online = () => wake('online')
  const shown = () => page.document.visibilityState === 'visible' && wake('visible')
  page.addEventListener('online', online)
  page.document.addEventListener('visibilitychange', shown)
  return () => {
    page.removeEventListener('online', online)
    page.document.removeEventListener('visibilitychange', shown)
  }
}
