// The one esbuild configuration of this repository. Every bundle (dist/kube/client-node.js,
// dist/fast-bundle/main.cjs, and a single-executable build of the CLI) is for Node 20 with Node's
// built-ins left external, ESM (whose bundled CommonJS code gets the require() it calls) or
// CommonJS, carries the yaml library inside but runs it only on first use (src/util/yaml.ts),
// and has the fast path's specs filled in (src/fast/specs.ts) when given them.
import {fileURLToPath, pathToFileURL} from 'node:url'

export const root = fileURLToPath(new URL('..', import.meta.url))

export const NODE_BUNDLE = {
  bundle: true,
  legalComments: 'eof',
  logLevel: 'warning',
  platform: 'node',
  target: 'node20',
}

// Bundled CommonJS code require()s Node built-ins, which ESM output lacks.
const ESM_REQUIRE = {js: "import {createRequire as __createRequire} from 'node:module';const require = __createRequire(import.meta.url);"}

/** esbuild, or undefined when dev dependencies are not installed. */
export async function loadEsbuild() {
  try {
    return await import('esbuild')
  } catch {
    return undefined
  }
}

/**
 * src/util/yaml.ts loads yaml with a require() esbuild cannot follow (createRequire): here it is
 * a plain require('yaml'), so the library is bundled, and esbuild's CommonJS wrapper runs it on
 * the first call only (V8 only pre-parses it until then).
 */
export const bundledYaml = {
  name: 'bundled-yaml',
  setup(build) {
    build.onLoad({filter: /[\\/]src[\\/]util[\\/]yaml\.ts$/}, () => ({contents: "let library\nexport function yaml() {\n  library ??= require('yaml')\n  return library\n}\n", loader: 'js'}))
  },
}

/** Fills src/fast/specs.ts with `specs` (from scripts/fast-specs.mjs). */
export function fastSpecsPlugin(specs) {
  return {
    name: 'fast-specs',
    setup(build) {
      build.onLoad({filter: /[\\/]src[\\/]fast[\\/]specs\.ts$/}, () => ({contents: `export const FAST_SPECS = ${JSON.stringify(specs)}\n`, loader: 'js'}))
    },
  }
}

/**
 * Bundles `entry` (a path from the repository root) into `outfile` with the settings above, as
 * `format` ('esm' or 'cjs'). `forbid`: path fragments (packages, folders) that must not end up in
 * the bundle; the build fails naming the first such file.
 */
export async function bundle(esbuild, {entry, outfile, format = 'esm', plugins = [], forbid = [], ...options}) {
  const result = await esbuild.build({
    ...NODE_BUNDLE,
    ...(format === 'esm' ? {banner: ESM_REQUIRE} : {}),
    format,
    entryPoints: [`${root}${entry}`],
    outfile,
    plugins: [bundledYaml, ...plugins],
    metafile: forbid.length > 0,
    ...options,
  })
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    const hit = forbid.find((fragment) => input.includes(fragment))
    if (hit) throw new Error(`${entry} bundles ${input} (${hit} must stay out of it)`)
  }
  return result
}

/**
 * The specs (src/fast/spec.ts) of the commands in FAST_COMMANDS, from the built command classes
 * (`plugin`: oclif's root Plugin, loaded from dist/).
 * Hooks other than command_not_found would run around every command and the fast path runs
 * none: with such a hook no command is fast.
 */
export async function fastSpecs(plugin, pjson) {
  const specs = {version: pjson.version, helpFlags: [...new Set([...(pjson.oclif.additionalHelpFlags ?? []), '--help'])], commands: {}}
  const hooks = Object.keys(plugin.hooks ?? {}).filter((hook) => hook !== 'command_not_found')
  if (hooks.length > 0) {
    process.stderr.write(`build: no fast path: hooks ${hooks.join(', ')} would not run\n`)
    return specs
  }
  const {FAST_COMMANDS} = await import(pathToFileURL(`${root}dist/fast/main.js`).href)
  const {commandSpec} = await import(pathToFileURL(`${root}dist/fast/derive.js`).href)
  const allIds = plugin.commands.map((c) => c.id)
  for (const id of Object.keys(FAST_COMMANDS)) {
    const derived = commandSpec(id, await plugin.findCommand(id, {must: true}), allIds)
    if (derived.spec) specs.commands[id] = derived.spec
    else process.stderr.write(`build: ${id} has no fast path: ${derived.obstacle}\n`)
  }
  return specs
}
