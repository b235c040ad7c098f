// Finds the neighbouring tools the tests drive for real (kubectl, kpt, kustomize, helm, script,
// tmux, ...), so each test runs where its tool is installed and skips with a reason elsewhere. The
// tools .ci/install-tools installs never let a test skip under CI=true: there it runs, and fails.
import {spawnSync} from 'node:child_process'
import {accessSync, constants, realpathSync} from 'node:fs'
import {delimiter, dirname, join} from 'node:path'

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The tool on PATH; else beside kubectl's real binary (the Cloud SDK ships kpt with kubectl). */
export function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, name))) return join(dir, name)
  }
  const kubectl = name === 'kubectl' ? undefined : findTool('kubectl')
  if (kubectl === undefined) return undefined
  const beside = join(dirname(realpathSync(kubectl)), name)
  return executable(beside) ? beside : undefined
}

/** Tools that .ci/install-tools installs when missing (Debian/Ubuntu packages); keep the two lists in step. */
export const CI_INSTALLS = new Set(['fish', 'kubectl', 'prometheus', 'promtool', 'script', 'shellcheck', 'strace', 'tmux', 'xmllint', 'zsh'])

/**
 * The `skip` option of a test that needs `name`: false when it is installed, else the reason
 * (`why` says what the test covers). Under CI=true a tool .ci/install-tools installs is never skipped.
 */
export function skipWithout(name: string, why?: string): string | false {
  if (findTool(name) !== undefined) return false
  if (process.env.CI === 'true' && CI_INSTALLS.has(name)) return false
  return `${name} is not installed${why === undefined ? '' : `: ${why}`}`
}

/** The tool's path, or an error that says CI should have installed it. */
export function requireTool(name: string): string {
  const path = findTool(name)
  if (path === undefined) throw new Error(`${name} is not installed, and under CI=true tests that need it do not skip: .ci/install-tools installs it`)
  return path
}

/**
 * How to run kustomize with exec KRM functions enabled: standalone `kustomize build
 * --enable-alpha-plugins --enable-exec`, or kubectl's built-in kustomize when it has
 * --enable-exec. kubectl's has none up to at least 1.33 and silently skips exec functions.
 */
export function kustomizeWithExec(): {command?: string[]; skip?: string} {
  const standalone = findTool('kustomize')
  if (standalone) return {command: [standalone, 'build', '--enable-alpha-plugins', '--enable-exec']}
  const kubectl = findTool('kubectl')
  if (kubectl === undefined) return {skip: 'neither kustomize nor kubectl is installed'}
  const help = spawnSync(kubectl, ['kustomize', '--help'], {encoding: 'utf8'}).stdout ?? ''
  if (help.includes('--enable-exec')) return {command: [kubectl, 'kustomize', '--enable-alpha-plugins', '--enable-exec']}
  const version = /Client Version: (\S+)/.exec(spawnSync(kubectl, ['version', '--client'], {encoding: 'utf8'}).stdout ?? '')?.[1] ?? '?'
  return {skip: `kubectl ${version}'s built-in kustomize has no --enable-exec (it skips exec KRM functions) and no standalone kustomize is on PATH: the kpt and ResourceList tests cover --krm`}
}
