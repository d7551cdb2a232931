/**
 * The live transcript: what the callers said (as the agent heard it) and what
 * the agent said, newest last, with the agent's corrections and interruptions
 * marked. A screen reader hears new lines as they arrive only if the person asks
 * for it: the call's own audio is already speaking them.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { TranscriptEntry } from '../api/wire.ts'
import { speakerOf } from '../room/speakers.ts'
import { EarlierLines } from './earlier-lines.tsx'
import type { Action } from './use-action.ts'

/** More new lines at once than this (a reconnection's catch-up) are counted, not read. */
const MAX_LINES_READ = 3
/** Sayings kept in the page after they were read: only the newest is news. */
const KEPT_SAYINGS = 3

/** Said once: keyed by the newest line it says, which no later saying shares. */
interface Saying {
  key: number
  text: string
}

const READ_ALOUD_KEY = 'conference-bridge.read-transcript'

export function TranscriptLog({
  entries,
  othersSince,
  download,
}: {
  entries: readonly TranscriptEntry[]
  /**
   * When someone other than the person first joined (ISO time), if anyone has: the people's
   * lines before it are the person's own ("You"), from it on anyone's ("Caller").
   */
  othersSince: string | undefined
  /** Downloads every line, offered once earlier ones are not shown. */
  download: Action<[]>
}) {
  const speaker = (entry: TranscriptEntry) => speakerOf(entry, othersSince)
  // Lines are numbered from 0: the first shown counts those before it.
  const earlier = entries[0]?.seq ?? 0
  const [readAloud, setReadAloud] = useReadAloud()
  const said = useNewLinesSaid(entries, readAloud, speaker)
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
      <label class="read-aloud">
        <input
          type="checkbox"
          checked={readAloud}
          onChange={(event) => setReadAloud(event.currentTarget.checked)}
        />
        Read new lines aloud (screen readers)
      </label>
      {/* New lines are said from here, not by the log: a correction or an interruption
          marked on an older line is not news, and a catch-up of many lines is said as one.
          Each saying is an element of its own, added: one that repeats the last ("Hello?")
          is still news, and one that comes a moment after another does not replace it. */}
      <div class="visually-hidden" aria-live="polite" aria-relevant="additions" id="lines-said">
        {said.map(({ key, text }) => (
          <p key={key}>{text}</p>
        ))}
      </div>
      {earlier > 0 && <EarlierLines count={earlier} download={download} />}
      {entries.length === 0 && <p class="hint">Nothing said yet.</p>}
      {/* Focusable, so that a keyboard can scroll it. */}
      <div
        ref={list}
        class="log"
        role="log"
        aria-live="off"
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

/** Whether new lines are read aloud: off unless the person turned it on (kept for the browser). */
function useReadAloud(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => {
    try {
      return localStorage.getItem(READ_ALOUD_KEY) === 'on'
    } catch {
      return false
    }
  })
  const set = (value: boolean) => {
    setOn(value)
    try {
      localStorage.setItem(READ_ALOUD_KEY, value ? 'on' : 'off')
    } catch {
      // Storage refused: the choice lasts as long as the page.
    }
  }
  return [on, set]
}

/**
 * The lines that arrived since the last render, in words, while `on`: each line with who
 * said it, or how many there were. Lines already there when the log first showed, or that
 * came while reading aloud was off, are not news.
 */
function useNewLinesSaid(
  entries: readonly TranscriptEntry[],
  on: boolean,
  speaker: (entry: TranscriptEntry) => string,
): readonly Saying[] {
  const seen = useRef<number | undefined>(undefined)
  const [said, setSaid] = useState<readonly Saying[]>([])
  const newest = entries.at(-1)?.seq ?? -1
  useEffect(() => {
    const before = seen.current
    seen.current = Math.max(before ?? -1, newest)
    if (before === undefined || !on) return
    const fresh = entries.filter((entry) => entry.seq > before)
    if (fresh.length === 0) return
    const text =
      fresh.length > MAX_LINES_READ
        ? `${fresh.length} new lines in the transcript.`
        : fresh.map((entry) => `${speaker(entry)}: ${entry.text}`).join(' ')
    setSaid((kept) => [...kept.slice(1 - KEPT_SAYINGS), { key: newest, text }])
    // Only a new line is news: `entries` changes with every correction too.
  }, [newest])
  return said
}
