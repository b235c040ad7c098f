// Shared by the benches: their `--name value` options, and running the CLI as a user does, timed
// from spawn to exit.
import {spawn} from 'node:child_process'

export function runCli(bin, argv) {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, [bin, ...argv], {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    child.on('close', (code) => resolve({code, ms: performance.now() - started, stderr, stdout}))
  })
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** The value after `--name` on the command line, or `fallback`. */
export function option(name, fallback) {
  const args = process.argv.slice(2)
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback
}
