import type { RunningStandin } from '../standin.ts'

/** Placeholder until the Twilio REST stand-in lands. */
export async function startTwilioStandin(
  _options: { port?: number } = {},
): Promise<RunningStandin> {
  return { url: 'http://127.0.0.1:9', close: async () => {} }
}
