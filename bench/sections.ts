/**
 * The benchmark sections and their runner: `node sections.ts [section...]`
 * runs the named ones, or all of them. Each section is a module exporting
 * `run()`; add new ones to SECTIONS. Started by index.ts (see there why).
 */
import { cpus } from 'node:os'

const SECTIONS: Record<string, () => Promise<{ run(): void }>> = {
  audio: () => import('./audio.ts'),
}

const requested = process.argv.slice(2)
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
  if (load) (await load()).run()
}
