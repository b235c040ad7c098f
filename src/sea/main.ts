// The entry of the single executable (`npm run build:binary`, scripts/build-binary.mjs): Node's
// single executable application runs this, bundled with the whole CLI into one CommonJS script,
// inside a copy of the node binary. It does what bin/run.js does, with nothing read from disk:
// - `--version` answers without loading oclif, with the text oclif prints;
// - inject and uninject take their fast path (src/fast/, its specs filled in at build time), as
//   bin/run.js runs them, and oclif whatever the fast path declines;
// - everything else runs through oclif's execute(), as bin/run.js does, with package.json
//   embedded, the commands registered by oclif 4's explicit strategy (the map is generated from
//   oclif.manifest.json at build time) and the hooks bundled (src/sea/module-loader.ts).
// Linked or copied as kubectl_complete-meshport it is kubectl's completion helper, like
// bin/kubectl_complete-meshport.js.
import {basename, dirname} from 'node:path'

import {modules, PACKAGE} from 'meshport:bundled'

import {runFast} from '../fast/main.js'
import {bundledModules} from './registry.js'

const argv = process.argv.slice(2)
if (basename(process.argv0).startsWith('kubectl_complete-meshport')) argv.unshift('__complete', '--')

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  process.stdout.write(`meshport/${PACKAGE.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  void main(argv)
}

async function main(args: string[]): Promise<void> {
  if (await runFast(args)) return
  const {execute, Plugin, settings} = await import('@oclif/core')
  for (const [path, module] of Object.entries(modules())) bundledModules.set(path, module)
  // No TypeScript sources to look for beside an executable.
  settings.enableAutoTranspile = false
  // The root plugin is built here so that it computes its manifest from the bundled commands
  // (exactly as the build computes oclif.manifest.json) instead of reading one from disk.
  const root = dirname(process.execPath)
  const plugin = new Plugin({ignoreManifest: true, isRoot: true, pjson: PACKAGE, root})
  await plugin.load()
  await execute({args, loadOptions: {pjson: PACKAGE, plugins: new Map([[plugin.name, plugin]]), root}})
}
