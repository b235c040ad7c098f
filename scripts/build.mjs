// Compiles src/ to dist/ and writes oclif.manifest.json, so that oclif loads only the command it
// runs instead of importing every command file to discover flags. Two esbuild bundles
// (scripts/esbuild.mjs) follow:
// - dist/kube/client-node.js: the client-node exports we use (see src/kube/client-node.ts); one
//   file instead of ~900 saves ~0.4 s on every cluster command;
// - dist/fast-bundle/main.cjs: inject and uninject without oclif (src/fast/), with the flag specs
//   read from the built command classes, and main.cache, V8's code cache of it after a warm-up
//   run (scripts/fast-cache.mjs); bin/run.js runs it, and oclif whenever it declines.
// Everything is built beside its target and renamed into place, so a CLI run that overlaps a
// build (a second terminal, a parallel test run) never sees a half-written dist/.
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {bundle, fastSpecs, fastSpecsPlugin, loadEsbuild, root} from './esbuild.mjs'

const at = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))
const next = `dist.next-${process.pid}`
const old = `dist.old-${process.pid}`

// tsc still emits when it reports type errors; install the output anyway and fail at the end, so
// one broken file does not leave the CLI unrunnable while it is being fixed.
let typeErrors = false
try {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--outDir', next], {cwd: root, stdio: 'inherit'})
} catch {
  typeErrors = true
}
if (!existsSync(at(next))) process.exit(1)
// Without dev dependencies the plain modules tsc wrote still work, only slower to load.
const esbuild = await loadEsbuild()
if (esbuild) await bundle(esbuild, {entry: 'src/kube/client-node.ts', outfile: at(`${next}/kube/client-node.js`), minify: true})
else process.stderr.write('build: esbuild not installed; dist/kube/client-node.js stays unbundled and there is no fast path\n')
if (existsSync(at('dist'))) renameSync(at('dist'), at(old))
renameSync(at(next), at('dist'))
rmSync(at(old), {force: true, recursive: true})

const {Plugin} = await import('@oclif/core')
const plugin = new Plugin({ignoreManifest: true, isRoot: true, root, type: 'core'})
await plugin.load()
writeFileSync(at(`oclif.manifest.json.${process.pid}`), JSON.stringify(plugin.manifest, null, 2) + '\n')
renameSync(at(`oclif.manifest.json.${process.pid}`), at('oclif.manifest.json'))

if (esbuild) {
  const specs = await fastSpecs(plugin, JSON.parse(readFileSync(at('package.json'), 'utf8')))
  const building = at(`dist/fast-bundle.next-${process.pid}/`)
  await bundle(esbuild, {
    entry: 'src/fast/main.ts',
    outfile: `${building}main.cjs`,
    // CommonJS: loaded through vm.Script, the one way to hand V8 a code cache on Node 20.
    format: 'cjs',
    plugins: [fastSpecsPlugin(specs)],
    // Names kept, for --verbose stacks; whitespace and syntax minified load a little faster.
    minifySyntax: true,
    minifyWhitespace: true,
    // The point of the bundle: neither oclif nor the kube layer is loaded for an offline run.
    forbid: ['node_modules/@oclif/', 'node_modules/@kubernetes/', 'src/kube/'],
  })
  execFileSync(process.execPath, ['scripts/fast-cache.mjs', building], {cwd: root, stdio: 'inherit'})
  // The bundle and its cache move together: a run never pairs one with the other's old version.
  rmSync(at('dist/fast-bundle'), {force: true, recursive: true})
  renameSync(building, at('dist/fast-bundle'))
}
if (typeErrors) process.exit(1)
