import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { freePorts, startWranglerDev } from './wrangler-dev.ts'

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
        const started = JSON.parse(await firstLine(holder)) as { pid: number; url: string }
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
        // Whatever failed, nothing of it may outlive the test: the holder ends the group it
        // started when asked, even before it has said which group that is.
        if (holder.exitCode === null && holder.signalCode === null) {
          holder.kill('SIGTERM')
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
        }
        holder.kill('SIGKILL')
        if (pid && groupAlive(pid)) process.kill(-pid, 'SIGKILL')
      }
    },
    // Beyond startWranglerDev's own 60 s for a slow start, so that its error is what shows.
    90_000,
  )

  it('starts on other ports when one it picked was taken before wrangler could bind it', async () => {
    const squatter = createServer()
    await new Promise<void>((listening) => squatter.listen(0, '127.0.0.1', listening))
    const address = squatter.address()
    const taken = typeof address === 'object' && address ? address.port : 0
    const picked: number[][] = []
    try {
      const worker = await startWranglerDev({
        config: 'wrangler.toml',
        readyPath: '/api/health',
        vars: () => ({}),
        pickPorts: async () => {
          const ports = picked.length === 0 ? [taken, ...(await freePorts(1))] : await freePorts(2)
          picked.push(ports)
          return ports
        },
      })
      try {
        expect(picked).toHaveLength(2)
        expect(worker.port).toBe(picked[1]?.[0])
        expect((await fetch(`${worker.url}/api/health`)).ok).toBe(true)
      } finally {
        await worker.stop()
      }
    } finally {
      squatter.close()
    }
  }, 90_000)
})

/** The holder's first line of output; an error if it exits first, or says nothing for 80 s. */
function firstLine(holder: ChildProcess): Promise<string> {
  const lines = createInterface({ input: holder.stdout as Readable })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the holder said nothing for 80 s')), 80_000)
    lines.once('line', (line) => {
      clearTimeout(timer)
      resolve(line)
    })
    holder.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`the holder exited (${code ?? signal}) before wrangler dev was ready`))
    })
  })
}
