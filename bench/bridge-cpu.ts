/**
 * CPU time of the workerd processes behind one `wrangler dev`, from /proc
 * (Linux only). Wrangler runs two: a proxy that owns the public port and
 * forwards every request and WebSocket frame, and the runtime that runs the
 * workers and their Durable Objects. The benchmark charges the runtime's CPU
 * to the bridge and reports the proxy's apart; the runtime is confirmed as
 * the process holding the agent sockets.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { availableParallelism } from 'node:os'

export interface WorkerdProcesses {
  /** Runs the workers: the process whose CPU we measure. */
  runtime: number[]
  /** Wrangler's proxy in front of it. */
  proxy: number[]
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

interface Stat {
  pid: number
  comm: string
  ppid: number
  /** utime + stime, in clock ticks. */
  ticks: number
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name is in parentheses and may hold spaces; fields follow the last ')'.
    const close = text.lastIndexOf(')')
    const fields = text.slice(close + 2).split(' ')
    return {
      pid,
      comm: text.slice(text.indexOf('(') + 1, close),
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
    }
  } catch {
    return undefined
  }
}

/** The workerd processes descended from `rootPid`, the proxy told apart by its public port. */
export function workerdProcesses(rootPid: number, port: number): WorkerdProcesses {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => readStat(Number(name)) ?? [])
  const descendants = new Set([rootPid])
  for (let grew = true; grew; ) {
    grew = false
    for (const stat of stats) {
      if (!descendants.has(stat.pid) && descendants.has(stat.ppid)) {
        descendants.add(stat.pid)
        grew = true
      }
    }
  }
  const workerd = stats.filter((stat) => descendants.has(stat.pid) && stat.comm === 'workerd')
  const isProxy = (pid: number) =>
    readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`=127.0.0.1:${port}\0`)
  return {
    runtime: workerd.filter((stat) => !isProxy(stat.pid)).map((stat) => stat.pid),
    proxy: workerd.filter((stat) => isProxy(stat.pid)).map((stat) => stat.pid),
  }
}

/** CPU time (user + system, all threads) the processes have used so far, in ms. */
export function cpuMs(pids: readonly number[]): number {
  const ticks = pids.reduce((sum, pid) => sum + (readStat(pid) ?? gone(pid)).ticks, 0)
  return (ticks * 1000) / TICKS_PER_SECOND
}

/** A measured process that ended: the window's figures would be meaningless. */
function gone(pid: number): never {
  throw new Error(
    `workerd ${pid} has exited: wrangler dev restarts its runtime when a source file changes, so leave the sources alone while the benchmark runs`,
  )
}

/** How many established TCP connections `pid` holds to 127.0.0.1:`remotePort`. */
export function connectionsTo(pid: number, remotePort: number): number {
  const inodes = new Set<string>()
  const remote = `0100007F:${remotePort.toString(16).toUpperCase().padStart(4, '0')}`
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields[2] === remote && fields[3] === '01' && fields[9]) inodes.add(fields[9])
  }
  let count = 0
  if (!readStat(pid)) gone(pid)
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
      if (inodes.has(target.slice('socket:['.length, -1))) count++
    } catch {
      // Closed while we looked.
    }
  }
  return count
}

/**
 * Gives the workers' runtimes the last CPU and moves everything else of the
 * benchmark (this load generator and its agent, wrangler, its proxies) to the
 * others, so that a runtime's latency is its own and not the load generator's
 * turn on a shared core. Returns what it did, or why it could not.
 */
export function pinRuntimes(runtimes: readonly number[], others: readonly number[]): string {
  const cpus = availableParallelism()
  if (cpus < 2) return 'not pinned: one CPU'
  const last = cpus - 1
  try {
    for (const pid of runtimes) taskset(pid, String(last))
    for (const pid of others) taskset(pid, last === 1 ? '0' : `0-${last - 1}`)
  } catch (error) {
    return `not pinned: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
  }
  return `pinned: workerd runtimes on CPU ${last}, the rest on ${last === 1 ? 'CPU 0' : `CPUs 0-${last - 1}`}`
}

/**
 * `--apart`: each group (a runtime and its own proxy) on a CPU of its own, group i on CPU i,
 * and everything else free to run on any CPU. Side by side on one CPU, two runtimes at
 * N = 50 kept it over 90% busy on a slower VM, and each stall left a backlog neither
 * caught up on (docs/bridge-bench.md, "Side by side, apart"). Returns what it did, or why
 * it could not.
 */
export function pinApart(
  groups: readonly { label: string; pids: readonly number[] }[],
  others: readonly number[],
): string {
  const cpus = availableParallelism()
  if (cpus < groups.length) return `not pinned apart: ${cpus} CPUs for ${groups.length} runtimes`
  try {
    groups.forEach(({ pids }, cpu) => {
      for (const pid of pids) taskset(pid, String(cpu))
    })
    for (const pid of others) taskset(pid, `0-${cpus - 1}`)
  } catch (error) {
    return `not pinned: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
  }
  return `pinned apart: ${groups.map(({ label }, cpu) => `${label} (runtime and proxy) on CPU ${cpu}`).join(', ')}, the rest on any`
}

/** Every thread of `pid` to `cpuList` (util-linux taskset; threads started later inherit it). */
const taskset = (pid: number, cpuList: string) =>
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpuList, String(pid)], {
    stdio: 'pipe',
  })
