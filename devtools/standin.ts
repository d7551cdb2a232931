/** What every local stand-in server returns when started: where it listens and how to stop it. */
export interface RunningStandin {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  close(): Promise<void>
}
