// Loads the fast path's bundle (dist/fast-bundle/main.cjs, from src/fast/main.ts) for bin/run.js,
// with the V8 code cache scripts/build.mjs made from a warm-up run (main.cache): the functions a
// small inject runs arrive compiled instead of being compiled on first call, about a tenth of
// its whole run. V8 checks the cache (its version, its flags) and ignores one it cannot use; the
// bundle and its cache are built side by side and moved into place as one directory, so they
// always match. No bundle (a build without esbuild): no fast path, oclif runs everything.
import {existsSync, readFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Script} from 'node:vm'

import type * as FastMain from './main.js'

export type FastBundle = typeof FastMain

export const BUNDLE_DIR = fileURLToPath(new URL('../fast-bundle/', import.meta.url))

export interface LoadedBundle {
  bundle: FastBundle
  /** Whether V8 took the code cache. */
  cached: boolean
  /** V8's code cache of the bundle now: after a run, with the functions that run compiled. */
  codeCache(): Buffer
}

/** The bundle in `dir` (with its code cache unless `cache` is false), or undefined when there is none. */
export function loadFastBundle(dir = BUNDLE_DIR, cache = true): LoadedBundle | undefined {
  const file = `${dir}main.cjs`
  if (!existsSync(file)) return undefined
  const cacheFile = `${dir}main.cache`
  const cachedData = cache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), {filename: file, ...(cachedData ? {cachedData} : {})})
  const module = {exports: {}} as {exports: FastBundle}
  const init = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void
  init(module.exports, createRequire(file), module, file, dirname(file))
  return {bundle: module.exports, cached: cachedData !== undefined && !script.cachedDataRejected, codeCache: () => script.createCachedData()}
}
