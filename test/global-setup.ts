/**
 * Starts the local stand-ins for Twilio and ElevenLabs once per test run and
 * tells every test project where they listen (`inject('twilioApiBase')`,
 * `inject('elevenLabsApiBase')`). Nothing in the tests reaches the internet.
 */
import type { TestProject } from 'vitest/node'
import { startElevenLabsStandin } from '../devtools/elevenlabs-standin/server.ts'
import { startTwilioStandin } from '../devtools/twilio-standin/server.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    twilioApiBase: string
    elevenLabsApiBase: string
  }
}

export default async function setup(project: TestProject) {
  // The Workers vitest plugin's miniflare would fetch Request.cf's data from
  // workers.cloudflare.com; the worker never reads it.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false'
  const [twilio, elevenLabs] = await Promise.all([startTwilioStandin(), startElevenLabsStandin()])
  project.provide('twilioApiBase', twilio.url)
  project.provide('elevenLabsApiBase', elevenLabs.url)
  return async () => {
    await Promise.all([twilio.close(), elevenLabs.close()])
  }
}
