// Locates ../shared/ (beside the repo root), which holds Linkerd's conformance data. Tests replay
// it in place. Missing shared/ is an error unless MESHPORT_SKIP_SHARED is set (GitHub's runners).
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
export const sharedRoot = fileURLToPath(new URL('../../../shared', import.meta.url))

/** Returns the path under shared/, or a skip reason when shared/ is absent and skipping is allowed. */
export function sharedPath(relative: string): string {
  const path = `${sharedRoot}/${relative}`
  if (!existsSync(path)) {
    if (process.env.MESHPORT_SKIP_SHARED) return ''
    throw new Error(`conformance data not found at ${path}: shared/ must sit beside the repository`)
  }
  return path
}

/** For `test(name, {skip: skipWithoutShared()}, ...)`. */
export function skipWithoutShared(): string | false {
  return existsSync(sharedRoot) || !process.env.MESHPORT_SKIP_SHARED ? false : 'shared/ is absent (MESHPORT_SKIP_SHARED)'
}
