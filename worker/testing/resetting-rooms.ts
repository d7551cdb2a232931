/**
 * The worker's settings with a ConferenceRoom namespace whose stubs refuse one RPC method
 * the way a room reset by a deploy does ("Durable Object reset because its code was
 * updated.", `retryable` as the runtime marks it), `refusals` times; every other call goes
 * through to the real room.
 */
import { env } from 'cloudflare:workers'

export function resettingRooms(method: string, refusals: number, retryable = true): typeof env {
  let left = refusals
  const rooms = env.CONFERENCE_ROOM
  return {
    ...env,
    CONFERENCE_ROOM: {
      idFromName: (name: string) => rooms.idFromName(name),
      get: (id: DurableObjectId) => {
        const stub = rooms.get(id)
        return new Proxy(stub, {
          get(target, name) {
            if (name === method && left-- > 0) {
              const reset = new Error('Durable Object reset because its code was updated.')
              return () => Promise.reject(Object.assign(reset, { retryable }))
            }
            // Every other name is an RPC method, called on the stub itself (a stub's
            // methods are not functions to bind).
            if (typeof name !== 'string' || name === 'then') return undefined
            const methods = target as unknown as Record<string, (...args: unknown[]) => unknown>
            return (...args: unknown[]) => methods[name]?.(...args)
          },
        })
      },
    } as unknown as typeof rooms,
  }
}
