import type { RunningStandin } from '../standin.ts'

/** Placeholder until the ElevenLabs agent stand-in lands. */
export async function startElevenLabsStandin(
  _options: { port?: number } = {},
): Promise<RunningStandin> {
  return { url: 'http://127.0.0.1:9', close: async () => {} }
}
