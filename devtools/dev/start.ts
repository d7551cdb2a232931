/**
 * `npm run dev`: says what is configured, runs what stands in for what is not
 * (devtools/dev/plan.ts), then hands over to `wrangler dev`.
 *
 * The worker starts with or without accounts; without them the page and
 * /api/health show what is missing, from the same table the worker checks
 * (worker/settings.ts), so a newcomer knows at once which lines of .dev.vars to
 * fill in, and can already talk to a local agent from the page.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import type { Settings } from '../../worker/settings.ts'
import { startElevenLabsStandin } from '../elevenlabs-standin/server.ts'
import { devPlan, LOCAL_AGENT } from './plan.ts'

const file = '.dev.vars'
const settings = existsSync(file) ? (parseEnv(readFileSync(file, 'utf8')) as Settings) : undefined
const plan = devPlan(settings)
console.log(`${plan.lines.join('\n')}\n`)

const vars = { ...plan.vars }
let closeAgent = async () => {}
if (plan.localAgent) {
  const apiKey = `local-${crypto.randomUUID()}`
  const agent = await startElevenLabsStandin({ apiKeys: [apiKey], agents: [LOCAL_AGENT] })
  Object.assign(vars, {
    ELEVENLABS_API_BASE: agent.url,
    ELEVENLABS_API_KEY: apiKey,
    ELEVENLABS_AGENT_ID: LOCAL_AGENT.agentId,
  })
  closeAgent = agent.close
}

// wrangler 4.164 traces every event into SQLite by default, each WebSocket message
// included (with an fsync): that multiplies the CPU a call costs locally (see
// docs/bridge-bench.md). And miniflare fetches Request.cf's data from
// workers.cloudflare.com at start, which the worker never reads. Both off unless asked for.
const env = { X_LOCAL_OBSERVABILITY: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', ...process.env }
const args = Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`])
const wrangler = spawn('wrangler', ['dev', ...args, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => wrangler.kill(signal))
}
wrangler.on('exit', (code) => void closeAgent().finally(() => process.exit(code ?? 0)))
