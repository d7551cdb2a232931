/**
 * Runs a worker under a real `wrangler dev` for end-to-end tests and
 * benchmarks, sealed off from the machine it runs on: configuration only from
 * `--var`s (an empty `--env-file` keeps any .dev.vars out), a private state
 * directory, no metrics, a free port on loopback. Wrangler reloads the worker
 * whenever a file it was built from changes, which would drop every socket
 * of a run; so it runs a snapshot of the sources (worker/ and the config's
 * own folder, copied under .wrangler/ to keep node_modules in reach), and
 * the config, read with wrangler's own reader, loses its custom build and
 * gets a private assets directory, out of reach of anyone's `vite build`.
 * Wrangler and its workerd processes get their own process group, and
 * `stop()` ends all of it; so does this process's end, even by Ctrl-C or a
 * kill, which would otherwise leave the group running (it is detached).
 *
 * @example
 * const worker = await startWranglerDev({ config: 'wrangler.toml', vars: (url) => ({ WEBHOOK_BASE_URL: url }) })
 * await fetch(`${worker.url}/api/health`)
 * await worker.stop()
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')
const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 5000
const LOG_LINES_KEPT = 200

export interface WranglerDevOptions {
  /** The wrangler config, relative to the repository's root. */
  config: string
  /** Variables for the worker, given its URL (http://127.0.0.1:PORT). */
  vars: (url: string) => Record<string, string>
  /** A path the worker answers once it runs (any status); default `/`. */
  readyPath?: string
  /** Static assets to serve; default: an empty directory of its own. */
  assetsDirectory?: string
  /** Flags for workerd's V8 (miniflare's MINIFLARE_WORKERD_V8_FLAGS), e.g. `--trace-gc`. */
  v8Flags?: readonly string[]
  /** Called with every line wrangler and workerd print. */
  onLine?: (line: string) => void
  /** Picks the port and the inspector's port for each try; default: two the OS says are free. */
  pickPorts?: () => Promise<number[]>
}

export interface RunningWorker {
  url: string
  port: number
  /** Wrangler's inspector proxy (Chrome DevTools protocol), for profiling the worker. */
  inspectorPort: number
  /** Wrangler's pid, the leader of the process group holding its workerd processes. */
  pid: number
  /** Wrangler's recent output, for failure messages. */
  logs(): string
  stop(): Promise<void>
}

/**
 * Tries this often with other ports when wrangler finds one taken. A port is free when it is
 * picked, but wrangler binds it seconds later, and in between any process on the machine
 * may take it (another test run's workerd, an outgoing connection's local port).
 */
const PORT_ATTEMPTS = 3

export async function startWranglerDev(options: WranglerDevOptions): Promise<RunningWorker> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options)
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === PORT_ATTEMPTS) throw error
    }
  }
}

/** Wrangler exited because a port it was given was taken by the time it bound it. */
class PortTaken extends Error {}

async function startOnce(options: WranglerDevOptions): Promise<RunningWorker> {
  const [port = 0, inspectorPort = 0] = await (options.pickPorts ?? (() => freePorts(2)))()
  const url = `http://127.0.0.1:${port}`
  const scratch = mkdtempSync(join(tmpdir(), 'wrangler-dev-'))
  mkdirSync(join(ROOT, '.wrangler'), { recursive: true })
  const snapshot = mkdtempSync(join(ROOT, '.wrangler', 'snapshot-'))
  const args = [
    'dev',
    ...['--config', sealedConfig(options, scratch, snapshot)],
    ...['--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(inspectorPort)],
    ...['--env-file', emptyFile(scratch), '--persist-to', join(scratch, 'state')],
    '--show-interactive-dev-session=false',
    ...Object.entries(options.vars(url)).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ]
  const child = spawn(join(ROOT, 'node_modules/.bin/wrangler'), args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: wranglerEnv(options.v8Flags),
  })
  // Output and all: what it printed last says why it stopped, if it does.
  const closed = once(child, 'close')
  const log = keepLog(child, options.onLine)
  const stop = stopper(child, [scratch, snapshot])
  stopAtExit.add(stop.now)
  try {
    await untilAnswered(`${url}${options.readyPath ?? '/'}`, child, closed, log)
  } catch (error) {
    stopAtExit.delete(stop.now)
    await stop.gracefully()
    throw error
  }
  return {
    url,
    port,
    inspectorPort,
    pid: child.pid ?? 0,
    logs: () => log.join('\n'),
    stop: async () => {
      stopAtExit.delete(stop.now)
      await stop.gracefully()
    },
  }
}

/**
 * Every running `wrangler dev`'s last resort, when this process ends without stopping it:
 * on `exit`, and on SIGINT, SIGTERM and SIGHUP, whose default action ends a process
 * without an `exit` event. After a signal, the process ends as that signal would have
 * ended it, unless someone else listens for it (a test runner), who then decides.
 */
const stopAtExit = new Set<() => void>()
const stopAll = () => {
  for (const stop of stopAtExit) stop()
  stopAtExit.clear()
}
process.once('exit', stopAll)
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(name, () => {
    stopAll()
    if (process.listenerCount(name) === 0) process.kill(process.pid, name)
  })
}

/** The config as wrangler reads it, minus the custom build, its entry in the snapshot. */
function sealedConfig(options: WranglerDevOptions, scratch: string, snapshot: string): string {
  const configPath = join(ROOT, options.config)
  const { experimental_readRawConfig } = createRequire(import.meta.url)('wrangler') as {
    experimental_readRawConfig(args: { config: string }): { rawConfig: Record<string, unknown> }
  }
  const { build: _build, ...config } = experimental_readRawConfig({ config: configPath }).rawConfig
  if (typeof config.main === 'string') {
    const main = relative(ROOT, resolve(dirname(configPath), config.main))
    for (const folder of new Set(['worker', dirname(main)])) {
      cpSync(join(ROOT, folder), join(snapshot, folder), {
        recursive: true,
        filter: (source) => !source.endsWith('.test.ts'),
      })
    }
    config.main = join(snapshot, main)
  }
  if (config.assets) {
    const directory = options.assetsDirectory ?? join(scratch, 'assets')
    mkdirSync(directory, { recursive: true })
    config.assets = { ...(config.assets as object), directory }
  }
  const sealed = join(scratch, 'wrangler.json')
  writeFileSync(sealed, JSON.stringify(config, null, 2))
  return sealed
}

function emptyFile(scratch: string): string {
  const path = join(scratch, 'empty.env')
  writeFileSync(path, '')
  return path
}

function wranglerEnv(v8Flags: readonly string[] = []): NodeJS.ProcessEnv {
  const { CLOUDFLARE_INCLUDE_PROCESS_ENV: _included, ...env } = process.env
  return {
    ...env,
    ...(v8Flags.length > 0 && { MINIFLARE_WORKERD_V8_FLAGS: v8Flags.join(' ') }),
    // As `npx wrangler` would: this repository's wrangler, on its own Node (24).
    PATH: `${join(ROOT, 'node_modules/.bin')}:${env.PATH ?? ''}`,
    WRANGLER_SEND_METRICS: 'false',
    // Its banner asks the npm registry whether a newer wrangler is out, at every start.
    WRANGLER_HIDE_BANNER: 'true',
    // Wrangler's local observability (on by default) stores a trace of every event, each
    // WebSocket message included, in SQLite: several times the cost of the worker's own code.
    X_LOCAL_OBSERVABILITY: 'false',
    // Nor may a run reach the internet: miniflare fetches Request.cf's data from
    // workers.cloudflare.com at start unless told not to (it then uses a placeholder).
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  }
}

function keepLog(child: ChildProcess, onLine?: (line: string) => void): string[] {
  const lines: string[] = []
  const add = (added: string[]) => {
    if (onLine) for (const line of added) onLine(line)
    lines.push(...added)
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT)
  }
  for (const stream of [child.stdout, child.stderr]) {
    // A chunk can end inside a line: hold the rest until the next chunk or the end.
    let rest = ''
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n')
      rest = parts.pop() ?? ''
      add(parts.filter(Boolean))
    })
    stream?.on('end', () => add(rest ? [rest] : []))
  }
  return lines
}

async function untilAnswered(
  url: string,
  child: ChildProcess,
  closed: Promise<unknown>,
  log: string[],
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      // Its last lines, which say why, may still be on their way; a workerd left behind
      // may hold its output open, hence the bound.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))])
      const taken = log.some((line) => line.includes('Address already in use'))
      throw new (taken ? PortTaken : Error)(
        `wrangler dev exited (${child.exitCode}):\n${log.join('\n')}`,
      )
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  throw new Error(`wrangler dev did not answer ${url} within 60 s:\n${log.join('\n')}`)
}

/** Ends wrangler's whole process group: TERM, then KILL for anything still there. */
function stopper(child: ChildProcess, folders: string[]) {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, name)
    } catch {
      // The group is gone already.
    }
  }
  const alive = () => {
    try {
      if (child.pid) process.kill(-child.pid, 0)
      return child.pid !== undefined
    } catch {
      return false
    }
  }
  const clean = () => {
    for (const folder of folders) {
      rmSync(folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    }
  }
  return {
    now: () => {
      signal('SIGKILL')
      clean()
    },
    gracefully: async () => {
      const exited = new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve(undefined)
        else child.once('exit', resolve)
      })
      signal('SIGTERM')
      const timer = setTimeout(() => signal('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
      // workerd may outlive wrangler for a moment; nothing of the group may stay, or write
      // into the folders while they are removed.
      signal('SIGKILL')
      for (let wait = 0; alive() && wait < 50; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      clean()
    },
  }
}

/** A port that was free a moment ago (the OS picks it). */
/** `count` distinct ports free now: all held open at once, so none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer())
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject)
            server.listen(0, '127.0.0.1', () => {
              const address = server.address()
              resolve(typeof address === 'object' && address ? address.port : 0)
            })
          }),
      ),
    )
  } finally {
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
    )
  }
}
