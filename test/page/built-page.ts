/**
 * The built page for the browser tests, served by a tiny static server (or
 * handed to `wrangler dev` as its assets, see test/e2e/local-call.test.ts). Uses
 * client/dist when it is newer than every client source (as after
 * `npm run build:client`); otherwise builds into a private temporary folder,
 * so parallel test files and a concurrent build never write the same files.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')
const CLIENT = join(ROOT, 'client')
const DIST = join(CLIENT, 'dist')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
}

export interface ServedPage {
  url: string
  /** The built page's asset paths, like `/assets/twilio-device-….js`. */
  assets(): string[]
  close(): Promise<void>
}

export interface BuiltPage {
  dir: string
  /** Removes a private build; client/dist stays. */
  dispose(): void
}

/** The built page's folder: client/dist when it is fresh, a private build otherwise. */
export function builtPage(): BuiltPage {
  if (isFresh()) return { dir: DIST, dispose: () => {} }
  const dir = mkdtempSync(join(tmpdir(), 'conference-page-'))
  build(dir)
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function serveBuiltPage(): Promise<ServedPage> {
  const { dir, dispose } = builtPage()
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname))
    const file = join(dir, path)
    const found = file.startsWith(dir) && existsSync(file) && statSync(file).isFile()
    // Like the worker's assets: unknown paths get the page (single-page application).
    const served = found ? file : join(dir, 'index.html')
    response.writeHead(200, {
      'content-type': TYPES[extname(served)] ?? 'application/octet-stream',
    })
    response.end(readFileSync(served))
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    assets: () => readdirSync(join(dir, 'assets')).map((name) => `/assets/${name}`),
    close: async () => {
      await new Promise((done) => server.close(done))
      dispose()
    },
  }
}

function isFresh(): boolean {
  const built = join(DIST, 'index.html')
  if (!existsSync(built)) return false
  const sources = [
    join(CLIENT, 'index.html'),
    join(CLIENT, 'vite.config.ts'),
    ...files(join(CLIENT, 'src')),
    // What a local call bundles from outside client/ (client/src/call/local-stream.ts).
    ...files(join(ROOT, 'worker/audio')),
    ...files(join(ROOT, 'devtools/media-stream-simulator')),
  ]
  const builtAt = statSync(built).mtimeMs
  return sources.every((source) => statSync(source).mtimeMs <= builtAt)
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
}

function build(outDir: string): void {
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      'client',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, stdio: 'pipe' },
  )
}
