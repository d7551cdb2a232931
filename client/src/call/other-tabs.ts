/**
 * Whether another tab of this page is on a call, so that the form can say so before the
 * person starts a second conversation: a second microphone, and an agent of its own.
 * Tabs tell each other over a BroadcastChannel (same origin and browser profile): a tab
 * says when its call starts and ends, and a tab that opens asks who is on one.
 */
import { useEffect, useRef, useState } from 'preact/hooks'

const CHANNEL = 'conference-bridge.tabs'

type TabMessage = { type: 'asking' } | { type: 'on-call' | 'off-call'; tab: string }

export function useOtherTabOnCall(onCall: boolean): boolean {
  const [others, setOthers] = useState<ReadonlySet<string>>(new Set())
  const channel = useRef<BroadcastChannel | undefined>(undefined)
  const [tab] = useState(() => crypto.randomUUID())
  const onCallNow = useRef(onCall)
  onCallNow.current = onCall
  useEffect(() => {
    // Not every browser has one (an old Safari): the form then says nothing.
    if (typeof BroadcastChannel === 'undefined') return
    const opened = new BroadcastChannel(CHANNEL)
    channel.current = opened
    const say = (message: TabMessage) => opened.postMessage(message)
    opened.onmessage = ({ data }: MessageEvent<TabMessage>) => {
      if (data?.type === 'asking') {
        if (onCallNow.current) say({ type: 'on-call', tab })
      } else if (data?.type === 'on-call' || data?.type === 'off-call') {
        const on = data.type === 'on-call'
        setOthers((known) => {
          if (known.has(data.tab) === on) return known
          const next = new Set(known)
          if (on) next.add(data.tab)
          else next.delete(data.tab)
          return next
        })
      }
    }
    say({ type: 'asking' })
    // A tab closed or reloaded mid-call takes its call with it.
    const gone = () => say({ type: 'off-call', tab })
    addEventListener('pagehide', gone)
    return () => {
      removeEventListener('pagehide', gone)
      opened.close()
      channel.current = undefined
    }
  }, [tab])
  useEffect(() => {
    channel.current?.postMessage({ type: onCall ? 'on-call' : 'off-call', tab })
  }, [onCall, tab])
  return others.size > 0
}
