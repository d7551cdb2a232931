/**
 * Four test projects:
 * - worker: everything that runs in the worker, inside workerd (Workers vitest plugin);
 * - node: oracles that cannot run in workerd (the `twilio` package), the dev tools, the
 *   page's pure logic and the benchmark's statistics;
 * - e2e: a real `wrangler dev` driven over HTTP and WebSockets;
 * - page: the built page in Debian's Chromium, driven by playwright-core.
 * Stand-ins for Twilio and ElevenLabs start once for all of them (test/global-setup.ts).
 */
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { TEST_CREDENTIALS } from './test/test-env.ts'
import { SETTINGS } from './worker/settings.ts'

/**
 * Every setting, empty (which the worker reads as unset) unless the tests give it: wrangler
 * also reads a developer's .dev.vars (or .env), whose APP_ACCESS_KEY or DIAL_ALLOWLIST
 * would otherwise change what the tests see.
 */
const UNSET = Object.fromEntries(Object.keys(SETTINGS).map((name) => [name, '']))

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ...UNSET,
                ...TEST_CREDENTIALS,
                TWILIO_API_BASE: inject('twilioApiBase'),
                ELEVENLABS_API_BASE: inject('elevenLabsApiBase'),
              },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['worker/**/*.test.ts'],
          exclude: ['worker/**/*.node.test.ts'],
          // The first request in each file loads the whole worker (~2 s on a busy 2-core machine).
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'worker/**/*.node.test.ts',
            'devtools/**/*.test.ts',
            'client/src/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'page',
          environment: 'node',
          include: ['test/page/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
})
