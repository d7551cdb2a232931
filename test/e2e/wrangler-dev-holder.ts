/**
 * For wrangler-dev.test.ts: starts the product's worker under `wrangler dev`, prints
 * `{ pid, url }` as one line of JSON, and waits, never stopping it, for a signal.
 */
import { startWranglerDev } from './wrangler-dev.ts'

const worker = await startWranglerDev({
  config: 'wrangler.toml',
  readyPath: '/api/health',
  vars: () => ({}),
})
console.log(JSON.stringify({ pid: worker.pid, url: worker.url }))
setInterval(() => {}, 60_000)
