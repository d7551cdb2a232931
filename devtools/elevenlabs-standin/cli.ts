/**
 * Runs the stand-in on its own, as the local agent for development without an
 * ElevenLabs account or for trying the bridge by hand:
 *   node devtools/elevenlabs-standin/cli.ts --port 8790 --api-key local-dev-key
 * then set ELEVENLABS_API_BASE=http://127.0.0.1:8790, ELEVENLABS_API_KEY and
 * ELEVENLABS_AGENT_ID=agent_test_default in .dev.vars.
 */
import { parseArgs } from 'node:util'
import { startElevenLabsStandin } from './server.ts'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8790' },
    host: { type: 'string', default: '127.0.0.1' },
    'api-key': { type: 'string', multiple: true, default: [] },
  },
})

const standin = await startElevenLabsStandin({
  port: Number(values.port),
  host: values.host,
  apiKeys: values['api-key'],
})
console.log(
  `ElevenLabs stand-in on ${standin.url} (agent_test_default; control API under /__standin/)`,
)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void standin.close().then(() => process.exit(0)))
}
