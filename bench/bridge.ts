/**
 * The bridge section of `npm run bench` (`npm run bench bridge`): our
 * ConferenceRoom against a pass-through floor, both under `wrangler dev`,
 * with N Twilio streams in real time; frames, latencies, `clear` after an
 * interruption, and workerd CPU per stream-second. docs/bridge-bench.md
 * records the figures of one run.
 *
 * It runs bench/bridge-run.ts from source in a Node process of its own: the
 * benchmark drives the dev tools and the wrangler launcher of test/e2e, which
 * index.ts does not copy, and it must not share a process with the timing of
 * the other sections. Flags after the section name are passed on
 * (`--streams 20,50,100 --seconds 30 --search`; see bridge-run.ts).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The checkout's root, from the source or from index.ts's copy in .bench/. */
function repositoryRoot(): string {
  let folder = import.meta.dirname
  while (!existsSync(join(folder, 'wrangler.toml')) && dirname(folder) !== folder) {
    folder = dirname(folder)
  }
  return folder
}

export function run(): void {
  const root = repositoryRoot()
  const args = process.argv.slice(2)
  const firstFlag = args.findIndex((arg) => arg.startsWith('--'))
  const flags = firstFlag < 0 ? [] : args.slice(firstFlag)
  const child = spawnSync(process.execPath, [join(root, 'bench/bridge-run.ts'), ...flags], {
    cwd: root,
    stdio: 'inherit',
  })
  if (child.status !== 0) {
    console.error(`The bridge benchmark failed (exit ${child.status ?? child.signal}).`)
    process.exitCode = child.status ?? 1
  }
}
