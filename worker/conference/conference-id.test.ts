import { describe, expect, it } from 'vitest'
import type { Env } from '../config.ts'
import { callRoom } from './conference-id.ts'

/** An env whose rooms fail as the runtime's do, `failures` calls in a row, then answer. */
function rooms(failures: { retryable?: boolean; overloaded?: boolean }[]) {
  const stubs: number[] = []
  const env = {
    CONFERENCE_ROOM: {
      idFromName: (name: string) => name,
      get: () => {
        const stub = stubs.push(stubs.length) - 1
        return {
          stub,
          async conferenceEvent() {
            const failure = failures.shift()
            if (failure) throw Object.assign(new Error('Durable Object reset'), failure)
            return stub
          },
        }
      },
    },
  } as unknown as Env
  return { env, stubs }
}

const conferenceEvent = (room: unknown) =>
  (room as { conferenceEvent(): Promise<number> }).conferenceEvent()

describe('callRoom', () => {
  it('calls again, through a new stub, when the runtime says the failure may pass', async () => {
    const { env, stubs } = rooms([{ retryable: true }, { retryable: true }])
    expect(await callRoom(env, 'conf-x', conferenceEvent, { backoffMs: 1 })).toBe(2)
    expect(stubs).toHaveLength(3)
  })

  it('gives up after its attempts, and at once on an overload or an error of ours', async () => {
    const retried = rooms([{ retryable: true }, { retryable: true }, { retryable: true }])
    await expect(
      callRoom(retried.env, 'conf-x', conferenceEvent, { backoffMs: 1 }),
    ).rejects.toThrow('Durable Object reset')
    expect(retried.stubs).toHaveLength(3)
    for (const failure of [{ retryable: true, overloaded: true }, {}]) {
      const once = rooms([failure])
      await expect(
        callRoom(once.env, 'conf-x', conferenceEvent, { backoffMs: 1 }),
      ).rejects.toThrow()
      expect(once.stubs).toHaveLength(1)
    }
  })
})
