// Spawns the built CLI (bin/run.js) the way a user does, and captures stdout, stderr and the exit
// code. End-to-end tests use this instead of in-process runners (docs/architecture.md, Tests).
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const binPath = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  stderr: string
  stdout: string
}

export interface CliOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  stdin?: string | Buffer
  timeoutMs?: number
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runProgram(process.execPath, [binPath, ...args], options)
}

/** Any executable run the same way (the single executable, kubectl's completion helper). */
export async function runProgram(command: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: {...process.env, NO_COLOR: '1', ...options.env},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  child.stdin.on('error', () => {}) // the CLI may exit before reading all of stdin
  child.stdin.end(options.stdin ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearTimeout(timer)
  return {code, stderr: Buffer.concat(stderr).toString('utf8'), stdout: Buffer.concat(stdout).toString('utf8')}
}

export interface Watched {
  stdout: string
  stderr: string
}

/** Runs a `--watch` until `until` holds (or `ms` passed), then stops it as Ctrl-C would. */
export async function watchCli(args: string[], until: (out: Watched, elapsedMs: number) => boolean, ms = 30_000): Promise<Watched> {
  const child = spawn(process.execPath, [binPath, ...args], {env: {...process.env, NO_COLOR: '1'}})
  const out: Watched = {stderr: '', stdout: ''}
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()))
  const started = Date.now()
  while (Date.now() - started < ms && !until(out, Date.now() - started) && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50))
  child.kill('SIGINT')
  await new Promise((resolve) => (child.exitCode === null ? child.once('close', resolve) : resolve(undefined)))
  return out
}
