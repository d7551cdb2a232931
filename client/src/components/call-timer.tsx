/** How long the person has been on the call, ticking once a second. */
import { useEffect, useState } from 'preact/hooks'
import { formatDuration } from '../call/call-duration.ts'

export function CallTimer({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(tick)
  }, [])
  return (
    <span class="timer">
      <span class="visually-hidden">Call time </span>
      <time>{formatDuration(now - since)}</time>
    </span>
  )
}
