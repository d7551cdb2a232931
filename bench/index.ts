/**
 * `npm run bench [section...]`: prints each section's figures for this
 * machine (sections.ts lists them; no argument runs all).
 *
 * The sections run in a child process, as plain JavaScript. Node runs .ts
 * files through a type stripper compiled to WebAssembly; when its memory
 * grows, V8 detaches the old ArrayBuffer, and from then on optimized code
 * checks every typed-array access for detachment (V8's "array buffer
 * detaching" protector is gone for the life of the process). On this machine
 * that made table lookups and filter loops 3 to 5 times slower, a cost a
 * bundled worker does not pay. So this script strips the types of worker/
 * and bench/ itself, into .bench/, and runs the copy.
 * (Importing a CommonJS package has the same effect: its export scanner is
 * WebAssembly too. Sections load such packages with `require`.)
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { stripTypeScriptTypes } from 'node:module'
import { dirname, join, relative } from 'node:path'

const root = join(import.meta.dirname, '..')
const out = join(root, '.bench')
const RELATIVE_TS_IMPORT = /(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .filter((entry) => !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
}

/** False when the file cannot be stripped (non-erasable syntax): only a section importing it fails. */
function writeJavaScript(source: string): boolean {
  let javascript: string
  try {
    javascript = stripTypeScriptTypes(readFileSync(source, 'utf8'))
  } catch {
    return false
  }
  const target = join(out, relative(root, source)).replace(/\.ts$/, '.js')
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(target, javascript.replace(RELATIVE_TS_IMPORT, '$1$2$3.js$2'))
  return true
}

rmSync(out, { recursive: true, force: true })
const skipped = ['worker', 'bench']
  .flatMap((folder) => sources(join(root, folder)))
  .filter((source) => !writeJavaScript(source))
if (skipped.length > 0)
  console.error(`Not stripped: ${skipped.map((s) => relative(root, s)).join(', ')}`)
writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n')

const child = spawnSync(
  process.execPath,
  [join(out, 'bench/sections.js'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
)
process.exit(child.status ?? 1)
