/**
 * The live transcript: what the callers said (as the agent heard it) and what
 * the agent said, newest last, with the agent's corrections and interruptions
 * marked. Screen readers hear new lines as they arrive.
 */
import { useEffect, useRef } from 'preact/hooks'
import type { TranscriptEntry } from '../api/wire.ts'

export function TranscriptLog({
  entries,
  othersSince,
}: {
  entries: readonly TranscriptEntry[]
  /**
   * When someone other than the person first joined (ISO time), if anyone has: the people's
   * lines before it are the person's own ("You"), from it on anyone's ("Caller").
   */
  othersSince: string | undefined
}) {
  const speaker = (entry: TranscriptEntry) =>
    entry.role === 'agent'
      ? 'Agent'
      : othersSince === undefined || entry.at < othersSince
        ? 'You'
        : 'Caller'
  const list = useRef<HTMLDivElement>(null)
  const atEnd = useRef(true)
  const last = entries.at(-1)
  // Scroll the list, not the page: the person may be typing a number elsewhere. Not while
  // they are reading further up, either.
  useEffect(() => {
    const element = list.current
    if (element && atEnd.current) element.scrollTop = element.scrollHeight
  }, [last])
  const onScroll = () => {
    const element = list.current
    if (element) {
      atEnd.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24
    }
  }
  return (
    <section class="card transcript" aria-labelledby="transcript-title">
      <h2 id="transcript-title">Transcript</h2>
      {entries.length === 0 && <p class="hint">Nothing said yet.</p>}
      {/* Focusable, so that a keyboard can scroll it. */}
      <div
        ref={list}
        class="log"
        role="log"
        aria-live="polite"
        aria-labelledby="transcript-title"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
        tabIndex={0}
        onScroll={onScroll}
      >
        <ol>
          {entries.map((entry) => (
            <li key={entry.seq} class={`line line-${entry.role}`}>
              <span class="speaker">{speaker(entry)}</span>
              <span class="text">{entry.text}</span>
              {entry.corrected && <span class="mark"> (corrected)</span>}
              {entry.interrupted && <span class="mark"> (interrupted)</span>}
            </li>
          ))}
        </ol>
      </div>
    </section>
  )
}
