#!/usr/bin/env node
// Fast paths that answer without loading oclif (importing @oclif/core alone costs about twice a
// bare `node -e 0`): `--version`, with the same text oclif prints; and inject and uninject, which
// the fast-path bundle (src/fast/) parses and runs exactly as the oclif commands would, handing
// back to oclif, untouched, whatever it leaves to it (help, flag errors, --krm, ...). `version`
// without a dash is a command of its own (the control plane's version too).
import {basename} from 'node:path'

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const {readFileSync} = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`meshport/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else if (!(await runFast(argv))) {
  const {execute} = await import('@oclif/core')
  if (basename(process.argv[1] ?? '').startsWith('kubectl-')) {
    // Run by kubectl as a plugin (kubectl-meshport): help, usage lines and hints say `kubectl meshport`.
    const [{readFileSync}, {fileURLToPath}] = await Promise.all([import('node:fs'), import('node:url')])
    const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    pjson.oclif.bin = `kubectl ${pjson.oclif.bin}`
    await execute({loadOptions: {pjson, root: fileURLToPath(new URL('..', import.meta.url))}})
  } else {
    await execute({dir: import.meta.url})
  }
}

async function runFast(argv) {
  // The ids of FAST_COMMANDS in src/fast/main.ts: other commands never load the bundle.
  if (argv[0] !== 'inject' && argv[0] !== 'uninject') return false
  const {loadFastBundle} = await import('../dist/fast/load.js')
  // A build without esbuild has no bundle: oclif runs everything.
  return loadFastBundle()?.bundle.runFast(argv) ?? false
}
