/**
 * The product's worker under a real `wrangler dev`, configured as with real accounts but
 * pointed at the local stand-ins, and what a Twilio stand-in client needs to reach it.
 * `WEBHOOK_BASE_URL` is a public https URL, as behind a tunnel: the TwiML needs a wss://
 * stream URL, and Twilio signs that public URL, not the loopback one we connect to.
 *
 * @example
 * const { worker, target } = await startProductWorker()
 * const call = await startAgentCall(target, inject('twilioApiBase'))
 */
import { inject } from 'vitest'
import { StandinControl } from '../../devtools/elevenlabs-standin/control.ts'
import type { WorkerUnderTest } from '../../devtools/media-stream-simulator/call-setup.ts'
import { TEST_CREDENTIALS } from '../test-env.ts'
import { type RunningWorker, startWranglerDev } from './wrangler-dev.ts'

/** An agent for the tests that need one to start a call, and never hear it. */
export const E2E_AGENT_ID = 'agent_e2e'

export async function startProductWorker(
  // Its own public base: the Twilio stand-in tunnels it to this worker alone, so no other
  // test's callbacks (the workerd tests share the stand-in) come here.
  webhookBaseUrl = `https://e2e-${crypto.randomUUID().slice(0, 8)}.example.test`,
): Promise<{ worker: RunningWorker; target: WorkerUnderTest }> {
  // A start asks ElevenLabs for the agent first: the default one, and the one the tests
  // that never hear it name (E2E_AGENT_ID), must exist. Silent: nobody listens to them.
  const elevenLabs = new StandinControl(inject('elevenLabsApiBase'))
  for (const agentId of [TEST_CREDENTIALS.ELEVENLABS_AGENT_ID, E2E_AGENT_ID]) {
    await elevenLabs.registerAgent({ agentId, firstMessage: '', reply: 'none' })
  }
  const worker = await startWranglerDev({
    config: 'wrangler.toml',
    readyPath: '/api/health',
    vars: () => ({
      ...TEST_CREDENTIALS,
      WEBHOOK_BASE_URL: webhookBaseUrl,
      TWILIO_API_BASE: inject('twilioApiBase'),
      ELEVENLABS_API_BASE: inject('elevenLabsApiBase'),
    }),
  })
  const target = {
    url: worker.url,
    webhookBaseUrl,
    authToken: TEST_CREDENTIALS.TWILIO_AUTH_TOKEN,
    accountSid: TEST_CREDENTIALS.TWILIO_ACCOUNT_SID,
  }
  return { worker, target }
}
