/**
 * How the room and the parts it hands work to log: through the room, which names the
 * conference in every line, and errors with their stack, since workerd's log is all a
 * failure in the field leaves behind.
 */

export type RoomLog = (level: 'info' | 'warn' | 'error', message: string) => void

export const describeError = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? error.message) : String(error)
