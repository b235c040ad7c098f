// `npm test`: build (when src/ changed since the last build), typecheck and lint, then every test
// file under node:test through tsx. Node 20 does not discover .ts test files, so they are listed
// here. Extra arguments narrow the run to files whose path contains one of them.
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, readdirSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const flags = new Set(args.filter((a) => a.startsWith('--')))
const filters = args.filter((a) => !a.startsWith('--'))

function walk(dir, accept, found = []) {
  if (!existsSync(dir)) return found
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path, accept, found)
    else if (accept(path)) found.push(path)
  }
  return found
}

function newestMtime(dir) {
  return Math.max(0, ...walk(dir, () => true).map((f) => statSync(f).mtimeMs))
}

function run(label, command, commandArgs) {
  const started = Date.now()
  try {
    execFileSync(command, commandArgs, {cwd: root, stdio: 'inherit'})
  } catch {
    console.error(`${label} failed`)
    process.exit(1)
  }
  console.error(`${label}: ok (${((Date.now() - started) / 1000).toFixed(1)}s)`)
}

const manifest = join(root, 'oclif.manifest.json')
const stale = !existsSync(manifest) || newestMtime(join(root, 'src')) > statSync(manifest).mtimeMs || statSync(join(root, 'package.json')).mtimeMs > statSync(manifest).mtimeMs
if (!flags.has('--no-build') && stale) run('build', process.execPath, ['scripts/build.mjs'])
if (!flags.has('--no-lint')) {
  run('typecheck', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/tsconfig.json'])
  run('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', '--cache', '--cache-location', 'node_modules/.cache/eslint', '.'])
}

const endToEnd = (p) => (/^test\/(commands|ecosystem)\//.test(p) ? 1 : 0)
const files = walk(join(root, 'test'), (p) => p.endsWith('.test.ts'))
  .map((p) => relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort()
  // End-to-end files (a simulator, real CLIs, minutes of fault table) start first, so the short
  // unit files fill in around them instead of one long file running alone at the end.
  .sort((a, b) => endToEnd(b) - endToEnd(a))
if (files.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=4', ...files], {cwd: root, stdio: 'inherit'})
process.exit(result.status ?? 1)
