/**
 * `npm run dev`: says what is configured before handing over to `wrangler dev`.
 *
 * The worker starts with or without accounts; without them the page and
 * /api/health show what is missing. This prints the same verdict in the
 * terminal, from the same table the worker checks (worker/config.ts), so a
 * newcomer knows at once which lines of .dev.vars to fill in.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { type Settings, settingsStatus } from '../../worker/settings.ts'

const file = '.dev.vars'
const vars = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}
const settings = settingsStatus(vars as Settings)
const missing = settings.filter((s) => s.required && (!s.present || s.problem))
const problems = settings.filter((s) => s.problem && !s.required)

const lines = ['', 'Conference AI bridge: starting wrangler dev.']
if (!existsSync(file))
  lines.push(`No ${file} yet: copy .dev.vars.example to ${file} and fill it in.`)
if (missing.length === 0) {
  lines.push('Twilio and ElevenLabs are configured.')
} else {
  lines.push('Not configured yet, so these are off:')
  for (const s of missing) lines.push(`  ${s.problem ?? `${s.name} is not set`}: ${s.disables}.`)
}
for (const s of problems) lines.push(`  ${s.problem}: ${s.disables}.`)
if (!settings.find((s) => s.name === 'APP_ACCESS_KEY')?.present) {
  lines.push('APP_ACCESS_KEY is not set: anyone who can reach this worker can start calls.')
}
console.log(`${lines.join('\n')}\n`)

// wrangler 4.164 traces every event into SQLite by default, each WebSocket message
// included (with an fsync): that multiplies the CPU a call costs locally (see
// docs/bridge-bench.md). Off unless the developer asks for it.
const env = { X_LOCAL_OBSERVABILITY: 'false', ...process.env }
const wrangler = spawn('wrangler', ['dev', ...process.argv.slice(2)], { stdio: 'inherit', env })
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => wrangler.kill(signal))
}
wrangler.on('exit', (code) => process.exit(code ?? 0))
