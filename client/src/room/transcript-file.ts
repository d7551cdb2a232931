/**
 * The whole transcript as a text file the person can keep: named with the conference and
 * the day it began, each line with its time and who said it, as the page shows them.
 *
 * @example
 * saveTextFile(transcriptFileName(room), transcriptText(room, lines, speaker))
 */
import type { RoomView, TranscriptEntry } from '../api/wire.ts'

type Conference = Pick<RoomView, 'conferenceId' | 'createdAt'>

/** `transcript-conf-…-2026-01-01.txt`: the day is the person's own, as the page's times are. */
export const transcriptFileName = ({ conferenceId, createdAt }: Conference): string =>
  `transcript-${conferenceId}-${localDay(new Date(createdAt))}.txt`

export function transcriptText(
  { conferenceId, createdAt }: Conference,
  lines: readonly TranscriptEntry[],
  speaker: (entry: TranscriptEntry) => string,
): string {
  const started = new Date(createdAt)
  const heading = `Conference ${conferenceId}, ${localDay(started)} ${localTime(started)}`
  const said = lines.map(
    (line) =>
      `${localTime(new Date(line.at))} ${speaker(line)}: ${line.text}${line.corrected ? ' (corrected)' : ''}${line.interrupted ? ' (interrupted)' : ''}`,
  )
  return `${[heading, '', ...said].join('\n')}\n`
}

/** Hands `text` to the browser as a download named `name`. */
export function saveTextFile(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }))
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  // Not at once: the browser may not have begun reading it yet.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

const two = (n: number) => String(n).padStart(2, '0')
const localDay = (date: Date) =>
  `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`
const localTime = (date: Date) =>
  `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
