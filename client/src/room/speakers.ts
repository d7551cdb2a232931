/**
 * Who said a transcript line, as the page names them. The agent hears everyone on the
 * call as one voice, so the people's lines are the person's own ("You") until someone
 * else joined, and anyone's ("Caller") from then on.
 */
import type { TranscriptEntry } from '../api/wire.ts'

/**
 * `othersSince`: when someone other than the person first joined (ISO time), if anyone
 * has; '' for from the start.
 */
export const speakerOf = (entry: TranscriptEntry, othersSince: string | undefined): string =>
  entry.role === 'agent'
    ? 'Agent'
    : othersSince === undefined || entry.at < othersSince
      ? 'You'
      : 'Caller'
