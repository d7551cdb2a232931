/**
 * Folds the event socket's transcript messages into the page's transcript.
 * The worker sends an entry when it is added and again, rewritten, when the
 * agent corrects it or is interrupted (worker/conference/transcript.ts): the
 * same turn is the same role plus the same eventId, or, without an eventId,
 * the same role and time. A rewrite replaces the entry in place.
 */
import type { TranscriptEntry } from '../api/wire.ts'

/** The worker keeps this many (MAX_TRANSCRIPT_ENTRIES); so does the page. */
const MAX_ENTRIES = 200

export const sameTurn = (a: TranscriptEntry, b: TranscriptEntry): boolean =>
  a.role === b.role &&
  (a.eventId !== undefined || b.eventId !== undefined ? a.eventId === b.eventId : a.at === b.at)

export function mergeTranscript(
  entries: readonly TranscriptEntry[],
  entry: TranscriptEntry,
): TranscriptEntry[] {
  const index = entries.findLastIndex((existing) => sameTurn(existing, entry))
  if (index >= 0) return entries.with(index, entry)
  return [...entries, entry].slice(-MAX_ENTRIES)
}
