// kubectl itself, for tests that check meshport against the real client (skip with
// skipWithout('kubectl') from tools.ts): a run of it, asynchronous because the simulated API
// server lives in the test's own event loop.
import {spawn} from 'node:child_process'

import type {CliResult} from './run-cli.js'

export function runKubectl(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<CliResult> {
  const child = spawn('kubectl', args, {cwd, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stderr, stdout})
    }),
  )
}
