// `npm run build:binary`: dist-bin/meshport, the whole CLI as one executable for this machine's
// platform, that runs with no Node.js installed (Node's single executable applications):
//   1. esbuild bundles src/sea/main.ts with every command and hook into one CommonJS script (the
//      entry script of a Node 20 single executable is CommonJS). The command map for oclif's
//      explicit strategy and the hook table are generated from oclif.manifest.json and
//      package.json, and @oclif/core's module loader is swapped for src/sea/module-loader.ts, so
//      nothing is read from node_modules (or anywhere) at run time.
//   2. `node --experimental-sea-config` turns it into a blob, with V8's code cache of the script.
//   3. postject injects the blob into a copy of this node binary (on macOS the signature is
//      removed first and the result signed ad hoc).
// The inputs (src/, package files, the manifest, this script, the node binary) are hashed; when
// dist-bin/meshport was built from the same ones, nothing is rebuilt (`--force` rebuilds).
// Other platforms are built on their own machines: see docs/install.md#building-the-executable.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {bundledYaml, fastSpecs, fastSpecsPlugin, NODE_BUNDLE} from './esbuild.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const at = (path) => join(root, path)
const {values: options} = parseArgs({options: {force: {type: 'boolean', default: false}, out: {type: 'string', default: at('dist-bin/meshport')}}})
const out = options.out
const work = `${out}.build-${process.pid}`
const hashFile = `${out}.inputs`
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const COMMAND_MAP = 'meshport-commands'
// The require() Node hands an executable's script loads built-ins only, and warns on stderr when
// asked for anything else. Everything else is in the bundle, so a require() esbuild left (a
// dynamic one in a dependency, e.g. @oclif/core's engine check) fails quietly as a missing module,
// never reading a file.
const BUILTINS_ONLY_REQUIRE = `var require = ((r) => {
  const {isBuiltin} = r('node:module')
  return Object.assign((id) => {
    if (isBuiltin(id)) return r(id)
    throw Object.assign(new Error(\`Cannot find module '\${id}': not bundled into this executable\`), {code: 'MODULE_NOT_FOUND'})
  }, r)
})(require);`

function log(text) {
  process.stderr.write(`build-binary: ${text}\n`)
}

function walk(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
}

function newestMtime(files) {
  return Math.max(0, ...files.map((f) => statSync(f).mtimeMs))
}

// oclif.manifest.json comes from dist/ (scripts/build.mjs): rebuild it when src/ is newer.
const manifestPath = at('oclif.manifest.json')
if (!existsSync(manifestPath) || newestMtime([...walk(at('src')), at('package.json')]) > statSync(manifestPath).mtimeMs) {
  log('dist/ and oclif.manifest.json are stale: running scripts/build.mjs')
  execFileSync(process.execPath, [at('scripts/build.mjs')], {cwd: root, stdio: 'inherit'})
}

const inputs = [...walk(at('src')), at('package.json'), at('package-lock.json'), at('tsconfig.json'), manifestPath, fileURLToPath(import.meta.url)].sort()
const hash = createHash('sha256')
for (const file of inputs) hash.update(`${relative(root, file)}\0`).update(readFileSync(file)).update('\0')
const node = statSync(process.execPath)
hash.update(`${process.execPath}\0${process.version}\0${node.size}\0${node.mtimeMs}`)
const inputHash = hash.digest('hex')
if (!options.force && existsSync(out) && existsSync(hashFile) && readFileSync(hashFile, 'utf8').trim() === inputHash) {
  log(`${relative(root, out)} is up to date`)
  process.exit(0)
}

const esbuild = await import('esbuild').catch(() => {
  log('esbuild is not installed: run npm ci (the dev dependencies build the executable)')
  process.exit(1)
})
const require = createRequire(import.meta.url)
const {inject} = require('postject')

const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8'))
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
// The fast path of inject and uninject runs here as from bin/run.js, with the same specs.
const {Plugin} = await import('@oclif/core')
const builtPlugin = new Plugin({ignoreManifest: true, isRoot: true, root, type: 'core'})
await builtPlugin.load()
const specs = await fastSpecs(builtPlugin, pkg)
const tsconfig = JSON.parse(readFileSync(at('tsconfig.json'), 'utf8')).compilerOptions
/** `./dist/hooks/x.js` or the manifest's `['dist', 'commands', 'x.js']` → `src/hooks/x.ts`. */
const sourceOf = (built) => built.replace(/^\.\//, '').replace(new RegExp(`^${tsconfig.outDir}/`), `${tsconfig.rootDir}/`).replace(/\.js$/, '.ts')

// package.json as oclif reads it, with the explicit command strategy instead of a directory scan.
const PACKAGE = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  type: pkg.type,
  license: pkg.license,
  oclif: {...pkg.oclif, commands: {strategy: 'explicit', target: `./${COMMAND_MAP}`, identifier: 'COMMANDS'}},
}
const commands = Object.values(manifest.commands).map((c) => `    ${JSON.stringify(c.id)}: require(${JSON.stringify(at(sourceOf(c.relativePath.join('/'))))}).default,`)
// Hooks and the help class, which oclif also loads by path.
const helpClass = typeof pkg.oclif.helpClass === 'string' ? [pkg.oclif.helpClass] : pkg.oclif.helpClass ? [pkg.oclif.helpClass.target] : []
const hooks = [...Object.values(pkg.oclif.hooks ?? {}).flat().map((hook) => (typeof hook === 'string' ? hook : hook.target)), ...helpClass]
  .map((target) => `    ${JSON.stringify(target.replace(/^\.\//, ''))}: require(${JSON.stringify(at(sourceOf(target)))}),`)
const bundled = `export const PACKAGE = ${JSON.stringify(PACKAGE)}
export function modules() {
  return {
    ${JSON.stringify(COMMAND_MAP)}: {COMMANDS: {
${commands.join('\n')}
    }},
${hooks.join('\n')}
  }
}
`

const seaPlugin = {
  name: 'meshport-sea',
  setup(build) {
    build.onResolve({filter: /^meshport:bundled$/}, () => ({path: 'meshport:bundled', namespace: 'meshport'}))
    build.onLoad({filter: /.*/, namespace: 'meshport'}, () => ({contents: bundled, loader: 'js', resolveDir: root}))
    // oclif loads commands and hooks by file path; in the executable they come from the bundle.
    build.onResolve({filter: /\/module-loader$/}, (args) =>
      /[\\/]node_modules[\\/]@oclif[\\/]core[\\/]/.test(args.importer) ? {path: at('src/sea/module-loader.ts')} : undefined,
    )
  },
}

rmSync(work, {force: true, recursive: true})
mkdirSync(work, {recursive: true})
try {
  const script = join(work, 'meshport.cjs')
  const result = await esbuild.build({
    // The repository's one esbuild configuration (scripts/esbuild.mjs), as CommonJS.
    ...NODE_BUNDLE,
    banner: {js: BUILTINS_ONLY_REQUIRE},
    entryPoints: [at('src/sea/main.ts')],
    // oclif reads tsconfig.json with TypeScript only to run sources in development, which the
    // executable never does (src/sea/main.ts turns that off): 4 MiB it would parse for nothing.
    external: ['typescript'],
    format: 'cjs',
    // Class and function names stay (oclif and error messages read some); the rest is minified,
    // which the executable parses faster.
    keepNames: true,
    metafile: true,
    minify: true,
    outfile: script,
    // yaml is bundled and runs on first use (src/util/yaml.ts), as in every bundle.
    plugins: [seaPlugin, bundledYaml, fastSpecsPlugin(specs)],
  })
  const text = readFileSync(script, 'utf8')
  // Nothing may point back into this checkout: the executable runs where no checkout is.
  if (text.includes(root)) throw new Error(`the bundle holds the path ${root}`)
  const replaced = Object.keys(result.metafile.inputs).filter((input) => /@oclif[\\/]core[\\/]lib[\\/]module-loader\.js$/.test(input))
  if (replaced.length > 0) throw new Error(`@oclif/core's module loader is still in the bundle (${replaced.join(', ')})`)
  log(`bundled ${Object.keys(result.metafile.inputs).length} modules into ${(text.length / 1024 / 1024).toFixed(1)} MiB`)

  const blob = join(work, 'meshport.blob')
  writeFileSync(join(work, 'sea-config.json'), JSON.stringify({main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true}))
  execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], {cwd: work, stdio: ['ignore', 'pipe', 'pipe']})

  const exe = join(work, 'meshport')
  copyFileSync(process.execPath, exe)
  chmodSync(exe, 0o755)
  if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', exe], {stdio: 'inherit'})
  // postject prints its progress and LIEF's harmless ELF note warnings on stdout and stderr.
  const quiet = {log: console.log, warn: console.warn}
  console.log = console.warn = () => {}
  try {
    await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), {sentinelFuse: SENTINEL_FUSE, ...(process.platform === 'darwin' ? {machoSegmentName: 'NODE_SEA'} : {})})
  } finally {
    Object.assign(console, quiet)
  }
  if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', exe], {stdio: 'inherit'})

  const expected = `meshport/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`
  const version = execFileSync(exe, ['--version'], {encoding: 'utf8', env: {PATH: ''}})
  if (version !== expected) throw new Error(`the executable answers --version with ${JSON.stringify(version)}, not ${JSON.stringify(expected)}`)

  mkdirSync(join(out, '..'), {recursive: true})
  renameSync(exe, out)
  writeFileSync(hashFile, `${inputHash}\n`)
  log(`wrote ${relative(root, out)} (${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB, node ${process.version} ${process.platform}-${process.arch})`)
} finally {
  rmSync(work, {force: true, recursive: true})
}
