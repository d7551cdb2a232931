/** What every socket of the worker's needs, whoever opened it. */

/** Closes `socket`, which may already be closing or closed: a close that cannot throw. */
export function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason)
  } catch {
    // Already closing or closed: nothing to answer.
  }
}
