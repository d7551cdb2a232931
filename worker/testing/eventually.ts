/**
 * Waits for something asynchronous (a socket message, a stand-in's record) in
 * tests. Not a timing assertion: the deadline only turns a hang into a failure
 * that says what never happened.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Collects a WebSocket's text messages as parsed JSON, in arrival order. */
export function collect(socket: WebSocket) {
  const messages: Record<string, unknown>[] = []
  const closes: { code: number; reason: string }[] = []
  socket.addEventListener('message', (event) => {
    messages.push(JSON.parse(event.data as string))
  })
  socket.addEventListener('close', (event) => {
    closes.push({ code: event.code, reason: event.reason })
  })
  return { messages, closes }
}
