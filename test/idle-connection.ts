/**
 * Whether the server at `url` still holds a keep-alive connection, idle after one answer,
 * `ms` later: a client busy for seconds (a CPU-bound check on a loaded machine) cannot see
 * a server close its idle connection, and sends its next request on it ("other side closed").
 * For the stand-ins' tests, which leave idle connections for the client to close.
 */
import { once } from 'node:events'
import { connect } from 'node:net'

export async function heldIdleFor(url: string, ms: number): Promise<boolean> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  socket.write(`GET /nowhere HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`)
  await once(socket, 'data')
  const held = await Promise.race([
    once(socket, 'end').then(() => false),
    new Promise<boolean>((resolve) => setTimeout(resolve, ms, true)),
  ])
  socket.destroy()
  return held
}
