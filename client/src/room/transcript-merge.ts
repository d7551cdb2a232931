/**
 * Folds the event socket's transcript messages into the page's transcript.
 * The worker sends an entry when it is added and again, rewritten, when the
 * agent corrects it or is interrupted (worker/conference/transcript.ts). An entry
 * is known by its `seq`, which the worker numbers it with: not by its event id,
 * which each agent conversation (every reconnection) starts afresh. A rewrite
 * replaces the entry in place.
 */
import type { TranscriptEntry } from '../api/wire.ts'

/**
 * The worker's view holds this many (MAX_TRANSCRIPT_ENTRIES); so does the page, which
 * downloads the rest when asked (GET …/transcript).
 */
const MAX_ENTRIES = 200

export function mergeTranscript(
  entries: readonly TranscriptEntry[],
  entry: TranscriptEntry,
): TranscriptEntry[] {
  const index = entries.findLastIndex((existing) => existing.seq === entry.seq)
  if (index >= 0) return entries.with(index, entry)
  return [...entries, entry].slice(-MAX_ENTRIES)
}
