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

// What wrangler dev will read: .dev.vars, or only when there is none, .env with .env.local
// over it (https://developers.cloudflare.com/workers/local-development/environment-variables).
const files = existsSync('.dev.vars') ? ['.dev.vars'] : ['.env', '.env.local'].filter(existsSync)
const settings =
  files.length > 0
    ? (Object.assign({}, ...files.map((file) => parseEnv(readFileSync(file, 'utf8')))) as Settings)
    : undefined
const plan = devPlan(settings)
if (settings && files[0] !== '.dev.vars') console.log(`Settings from ${files.join(' and ')}.`)
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
// workers.cloudflare.com at start, which the worker never reads. Nor does wrangler send
// its usage metrics to Cloudflare. All off unless asked for.
const env = {
  X_LOCAL_OBSERVABILITY: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  ...process.env,
}
const args = Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`])
const wrangler = spawn('wrangler', ['dev', ...args, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => wrangler.kill(signal))
}
wrangler.on('exit', (code) => void closeAgent().finally(() => process.exit(code ?? 0)))
