// Runs the machine's kubectl against a simulated cluster for cross-checks: asynchronously (the
// API server lives in the test's own event loop) and with a private discovery cache (kubectl
// caches discovery per host:port for hours).
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {skipWithout} from '../../helpers/tools.js'

/** A `skip` reason for node:test when kubectl is missing (never under CI=true), else false. */
export const kubectlMissing: string | false = skipWithout('kubectl', 'skipping the kubectl cross-check')

export interface KubectlRun {
  child: ChildProcess
  exited: Promise<number | null>
  stderr(): string
  stdout(): string
  /** Waits until stdout satisfies `predicate`; throws (with both outputs) on exit or after `ms`. */
  until(predicate: (stdout: string) => boolean, ms?: number): Promise<string>
}

export interface Kubectl {
  start(args: string[]): KubectlRun
  /** Removes the discovery cache. */
  cleanup(): void
}

export function kubectlFor(kubeconfigPath: string): Kubectl {
  const cache = mkdtempSync(join(tmpdir(), 'meshport-kubectl-cache-'))
  return {
    cleanup: () => rmSync(cache, {force: true, recursive: true}),
    start(args) {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfigPath, ...args], {env: {...process.env, KUBECACHEDIR: cache, KUBECONFIG: ''}})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      const until = async (predicate: (out: string) => boolean, ms = 20_000): Promise<string> => {
        const deadline = Date.now() + ms
        while (!predicate(stdout)) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`kubectl ${args.join(' ')}: stdout ${JSON.stringify(stdout)} stderr ${JSON.stringify(stderr)}`)
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        return stdout
      }
      return {child, exited, stderr: () => stderr, stdout: () => stdout, until}
    },
  }
}
