// Writes the V8 code cache of the fast path's bundle (src/fast/load.ts) after a warm-up run:
// inject, inject --manual and uninject of their outputs, on the example manifest. Run by
// scripts/build.mjs in a process of its own, under V8's default flags: the ones a user's run
// starts with (V8 refuses a cache made under others).
//
//   node scripts/fast-cache.mjs DIR/     (DIR holds main.cjs; main.cache is written beside it)
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {loadFastBundle} from '../dist/fast/load.js'

const dir = process.argv[2]
const example = fileURLToPath(new URL('../examples/emojivoto.yml', import.meta.url))
const loaded = loadFastBundle(dir, false)
if (!loaded) throw new Error(`no bundle in ${dir}`)
const scratch = mkdtempSync(join(tmpdir(), 'meshport-warm-up-'))

/** Runs the bundle on `argv`; returns what it wrote to stdout. */
async function run(argv) {
  const out = []
  const write = {out: process.stdout.write, err: process.stderr.write}
  process.stdout.write = (chunk) => out.push(String(chunk)) > 0
  process.stderr.write = () => true
  try {
    if (!(await loaded.bundle.runFast(argv))) throw new Error(`the fast path declined ${argv.join(' ')}`)
  } finally {
    process.stdout.write = write.out
    process.stderr.write = write.err
  }
  if (process.exitCode) throw new Error(`the warm-up failed on ${argv.join(' ')} (exit ${process.exitCode})`)
  return out.join('')
}

try {
  const annotated = join(scratch, 'annotated.yml')
  const manual = join(scratch, 'manual.yml')
  writeFileSync(annotated, await run(['inject', example]))
  writeFileSync(manual, await run(['inject', '--manual', '--set', 'identityTrustAnchorsPEM=warm-up', example]))
  await run(['uninject', annotated])
  await run(['uninject', manual])
} finally {
  rmSync(scratch, {recursive: true, force: true})
}
writeFileSync(`${dir}main.cache`, loaded.codeCache())
