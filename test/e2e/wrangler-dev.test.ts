import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'

/** Whether any process of group `pid` is still there. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

describe('startWranglerDev', () => {
  // wrangler runs detached, in a group of its own, so a terminal's Ctrl-C never reaches it:
  // only the process that started it can end it.
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'ends wrangler dev when the process that started it gets %s',
    async (signal) => {
      const holder = spawn(
        process.execPath,
        [join(import.meta.dirname, 'wrangler-dev-holder.ts')],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
      const exited = once(holder, 'exit')
      let pid = 0
      try {
        const lines = createInterface({ input: holder.stdout })
        const [line] = (await once(lines, 'line')) as [string]
        const started = JSON.parse(line) as { pid: number; url: string }
        pid = started.pid
        expect((await fetch(`${started.url}/api/health`)).ok).toBe(true)

        holder.kill(signal)
        const [code, signalCode] = await exited
        // It ends as the signal would have ended it, not with a status of its own.
        expect({ code, signalCode }).toEqual({ code: null, signalCode: signal })
        for (let wait = 0; groupAlive(pid) && wait < 100; wait++) {
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        expect(groupAlive(pid)).toBe(false)
        await expect(fetch(`${started.url}/api/health`)).rejects.toThrow()
      } finally {
        // Whatever failed, nothing of it may outlive the test.
        holder.kill('SIGKILL')
        if (pid && groupAlive(pid)) process.kill(-pid, 'SIGKILL')
      }
    },
  )
})
