// Stands in for @oclif/core's lib/module-loader.js inside the single executable (the build swaps it
// in, scripts/build-binary.mjs): there are no files to require or import there, so what oclif
// loads by path, the explicit command map and the hooks, comes from src/sea/registry.ts. Same
// exports and results as oclif's loader; a path that is not bundled fails as a missing module does.
import {relative, sep} from 'node:path'

import {bundledModules} from './registry.js'

interface Rooted {
  root: string
}

function key(config: Rooted, modulePath: string): string {
  return relative(config.root, modulePath).split(sep).join('/')
}

function notBundled(path: string): Error {
  return Object.assign(new Error(`${path} is not bundled into this executable`), {code: 'MODULE_NOT_FOUND'})
}

export async function loadWithData(config: Rooted, modulePath: string): Promise<{filePath: string; isESM: boolean; module: unknown}> {
  const id = key(config, modulePath)
  if (!bundledModules.has(id)) throw notBundled(id)
  return {filePath: modulePath, isESM: true, module: bundledModules.get(id)}
}

export async function load(config: Rooted, modulePath: string): Promise<unknown> {
  return (await loadWithData(config, modulePath)).module
}

/** Commands come from the explicit map, never from a manifest's file paths. */
export async function loadWithDataFromManifest(cached: {id: string}): Promise<never> {
  throw notBundled(`command ${cached.id} by its manifest path`)
}

export function isPathModule(): boolean {
  return true
}
