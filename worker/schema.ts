/**
 * zod for the worker: its tree-shakable `zod/mini` API, with English messages (zod/mini
 * loads no locale by itself). Import it as `import * as z from '../schema.ts'`.
 *
 * The classic `zod` entry brings every schema method and every locale: 782 KB of a
 * 1.25 MB bundle, for ten small schemas. An isolate holds its bundle's source and what
 * its modules build at load for as long as it lives, the conference's Durable Objects'
 * isolates included (docs/bridge-bench.md, "what sets the size of a heap").
 */
import { en } from 'zod/locales'
import { config } from 'zod/mini'

config(en())

export * from 'zod/mini'
