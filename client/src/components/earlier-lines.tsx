/**
 * Above a transcript that begins after its first line: how many earlier lines are not
 * shown (the room's view holds the newest only), and a way to download them all. Said
 * plainly and not announced: the count grows with every line, which is not news.
 */
import type { Action } from './use-action.ts'

export function EarlierLines({ count, download }: { count: number; download: Action<[]> }) {
  return (
    <div class="earlier-lines">
      <p>
        Earlier lines: {count} not shown.{' '}
        <button
          type="button"
          aria-disabled={download.pending || undefined}
          aria-describedby={download.error ? 'download-error' : undefined}
          onClick={() => void download.run()}
        >
          Download the whole transcript
        </button>
      </p>
      {download.error && (
        <p id="download-error" class="error" role="alert">
          {download.error.message}
        </p>
      )}
    </div>
  )
}
