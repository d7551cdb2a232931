/**
 * The benchmark sections and their runner: `node sections.ts [section...] [--flag value...]`
 * runs the named ones, or all of them; everything from the first flag on is left
 * in process.argv for the sections to read. Each section is a module exporting `run()`; add new ones to
 * SECTIONS. Started by index.ts (see there why).
 */
import { cpus } from 'node:os'

const SECTIONS: Record<string, () => Promise<{ run(): void | Promise<void> }>> = {
  audio: () => import('./audio.ts'),
  bridge: () => import('./bridge.ts'),
}

const args = process.argv.slice(2)
const firstFlag = args.findIndex((arg) => arg.startsWith('--'))
const requested = firstFlag < 0 ? args : args.slice(0, firstFlag)
const unknown = requested.filter((name) => !(name in SECTIONS))
if (unknown.length > 0) {
  console.error(
    `Unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}`,
  )
  process.exit(2)
}

console.log(
  `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`,
)
for (const name of requested.length > 0 ? requested : Object.keys(SECTIONS)) {
  const load = SECTIONS[name]
  if (load) await (await load()).run()
}
