// Runs many command lines in one process, through the fast path (its bundle, as bin/run.js
// does) or through oclif (execute(), as bin/run.js does when the fast path declines), and prints
// each one's stdout, stderr, exit code and whether the fast path ran it, as JSON. One process per
// side instead of one per command line keeps the parity test (test/commands/fast-path.test.ts)
// to seconds. Command lines that read stdin or end in an oclif error (which exits) do not belong
// here: spawn bin/run.js for those.
//
//   node test/helpers/cli-batch.mjs fast|oclif ARGVS.json > RESULTS.json
import {readFileSync} from 'node:fs'

const [mode, file] = process.argv.slice(2)
const argvs = JSON.parse(readFileSync(file, 'utf8'))
const bin = new URL('../../bin/run.js', import.meta.url).href
const fast = mode === 'fast' ? (await import('../../dist/fast/load.js')).loadFastBundle()?.bundle : undefined
if (mode === 'fast' && !fast) throw new Error('no fast-path bundle: build first (node scripts/build.mjs)')
const oclif = mode === 'oclif' ? await import('@oclif/core') : undefined
const original = {out: process.stdout.write, err: process.stderr.write}

function capture(stream, sink) {
  stream.write = (chunk, encoding, callback) => {
    sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    const done = typeof encoding === 'function' ? encoding : callback
    if (done) process.nextTick(done)
    return true
  }
}

const results = []
for (const argv of argvs) {
  const out = []
  const err = []
  capture(process.stdout, out)
  capture(process.stderr, err)
  process.exitCode = 0
  let ran = true
  try {
    if (fast) ran = await fast.runFast(argv)
    else await oclif.execute({dir: bin, args: argv})
  } finally {
    process.stdout.write = original.out
    process.stderr.write = original.err
    // oclif's flush() waits for a 'drain' that a captured stream never emits.
    process.stdout.removeAllListeners('drain')
  }
  results.push({argv, ran, code: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('')})
}
process.exitCode = 0
process.stdout.write(JSON.stringify(results))
