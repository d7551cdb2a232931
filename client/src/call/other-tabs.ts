/**
 * Whether another tab of this page is on a call, so that the form can say so before the
 * person starts a second conversation: a second microphone, and an agent of its own.
 *
 * A tab on a call holds a Web Lock named for it, which the browser lets go with the tab
 * however the tab goes (closed, reloaded, crashed); the others read the origin's held
 * locks. Tabs tell each other over a BroadcastChannel when a call starts or ends, so that
 * the others look at once, and look again every few seconds for a tab that went without
 * a word.
 */
import { useEffect, useState } from 'preact/hooks'

const LOCK_PREFIX = 'conference-bridge.on-call:'
const CHANNEL = 'conference-bridge.tabs'
/** How often a tab looks for a call in another that went without a word (a crash). */
const LOOK_AGAIN_MS = 5000

export function useOtherTabOnCall(onCall: boolean): boolean {
  const [other, setOther] = useState(false)
  const [lock] = useState(() => `${LOCK_PREFIX}${crypto.randomUUID()}`)
  // Web Locks and BroadcastChannel need a secure context (https, or localhost) and a
  // browser from the last few years: without them the form says nothing.
  const supported = typeof BroadcastChannel !== 'undefined' && navigator.locks !== undefined

  useEffect(() => {
    if (!supported || !onCall) return
    const channel = new BroadcastChannel(CHANNEL)
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    void navigator.locks
      .request(lock, () => {
        channel.postMessage('changed')
        return held
      })
      // Let go (the call ended): said once the lock is free, so that a look finds it so.
      .then(() => channel.postMessage('changed'))
      // Refused (a sandboxed frame, say): the others simply do not hear of this call.
      .catch(() => undefined)
      .finally(() => channel.close())
    return release
  }, [supported, onCall, lock])

  useEffect(() => {
    if (!supported) return
    let current = true
    // Only the latest look's answer counts: two in flight may come back out of order.
    let looks = 0
    const look = async () => {
      const mine = ++looks
      const held = await navigator.locks.query().then(
        (state) => state.held ?? [],
        () => [],
      )
      const found = held.some(({ name }) => name?.startsWith(LOCK_PREFIX) && name !== lock)
      if (current && mine === looks) setOther(found)
    }
    const channel = new BroadcastChannel(CHANNEL)
    channel.onmessage = () => void look()
    const timer = setInterval(() => void look(), LOOK_AGAIN_MS)
    void look()
    return () => {
      current = false
      clearInterval(timer)
      channel.close()
    }
  }, [supported, lock])

  return other
}
