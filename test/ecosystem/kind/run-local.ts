// Runs the steps of .github/workflows/e2e-kind.yml on this machine, the way GitHub's runner runs
// them, so the real-cluster test needs no copy of its steps in the docs (docs/e2e-kind.md):
// - each `run:` step as a file, with `bash --noprofile --norc -eo pipefail` (GitHub's `bash`);
// - the workflow's and the job's env; `${{ inputs.NAME || 'default' }}` takes the default unless
//   the variable is set in your environment (LINKERD2_VERSION=edge-... to try another release);
// - GITHUB_ENV and GITHUB_PATH carried from step to step, RUNNER_TEMP and GITHUB_WORKSPACE set;
// - `if: failure()` steps only after a failed step, `if: always()` always, the rest only while
//   nothing failed; `continue-on-error` honoured;
// - `uses:` steps skipped: checkout and setup-node are this checkout and your Node, and the
//   outputs stay in e2e-out/ instead of being uploaded; except `uses: ./`, the repository's own
//   action, which runs (test/ecosystem/kind/local-action.ts).
// KUBECONFIG is not passed on from your shell: the workflow creates its own kind cluster and
// kubeconfig (under .e2e-kind/), so no step can reach another cluster by accident.
//
//   node --import tsx test/ecosystem/kind/run-local.ts           # every step, from a clean state
//   node --import tsx test/ecosystem/kind/run-local.ts --list    # the steps, numbered
//   node --import tsx test/ecosystem/kind/run-local.ts --from 9  # resume at step 9 (keeps state)
import {spawn} from 'node:child_process'
import {appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {parseArgs} from 'node:util'
import {parse} from 'yaml'

import {parseEnvFile} from './env-file.js'
import {runLocalAction} from './local-action.js'

export {parseEnvFile}

interface Step {
  name?: string
  uses?: string
  with?: Record<string, string | number | boolean>
  run?: string
  if?: string
  env?: Record<string, string | number | boolean>
  shell?: string
  'working-directory'?: string
  'continue-on-error'?: boolean
}

interface Workflow {
  env?: Record<string, string | number | boolean>
  defaults?: {run?: {shell?: string; 'working-directory'?: string}}
  jobs: Record<string, {env?: Record<string, string | number | boolean>; defaults?: Workflow['defaults']; steps: Step[]}>
}

export interface PlannedStep {
  index: number
  title: string
  when: 'success' | 'failure' | 'always'
  run?: string
  uses?: string
  /** A `uses:` step's inputs. */
  with?: Record<string, string>
  env: Record<string, string>
  continueOnError: boolean
}

/** The repository's own action: the one `uses:` a local run runs. */
export const LOCAL_ACTION = './'

export interface Plan {
  env: Record<string, string>
  steps: PlannedStep[]
}

const INPUT_DEFAULT = /^\$\{\{\s*inputs\.[\w-]+\s*\|\|\s*'([^']*)'\s*\}\}$/

/** An env value: plain, or `${{ inputs.X || 'default' }}` (overridable from the environment). */
function envValue(name: string, value: string | number | boolean, environment: NodeJS.ProcessEnv): string {
  const text = String(value)
  if (!text.includes('${{')) return text
  const input = INPUT_DEFAULT.exec(text)
  if (input === null) throw new Error(`env ${name}: cannot evaluate ${text} outside GitHub`)
  return environment[name] ?? input[1]!
}

function envOf(values: Workflow['env'], environment: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, envValue(k, v, environment)]))
}

function condition(step: Step, title: string): PlannedStep['when'] {
  const text = (step.if ?? '').trim().replace(/^\$\{\{\s*(.*?)\s*\}\}$/, '$1')
  if (text === '' || text === 'success()') return 'success'
  if (text === 'failure()') return 'failure'
  if (text === 'always()') return 'always'
  throw new Error(`${title}: cannot evaluate if: ${step.if} outside GitHub`)
}

/** The steps of `job` as this runner will run them; anything it cannot do the way GitHub does is an error. */
export function planWorkflow(text: string, job: string, environment: NodeJS.ProcessEnv = process.env): Plan {
  const workflow = parse(text) as Workflow
  const spec = workflow.jobs?.[job]
  if (spec === undefined) throw new Error(`no job ${job} in the workflow`)
  const defaults = {...workflow.defaults?.run, ...spec.defaults?.run}
  if (defaults.shell !== undefined && defaults.shell !== 'bash') throw new Error(`default shell ${defaults.shell}: only bash is supported`)
  if (defaults['working-directory'] !== undefined) throw new Error('a default working-directory is not supported')
  const steps = spec.steps.map((step, i): PlannedStep => {
    const title = step.name ?? (step.uses ? `uses ${step.uses}` : (step.run ?? '').split('\n')[0]!)
    if (step.run !== undefined && (step.shell ?? 'bash') !== 'bash') throw new Error(`${title}: shell ${step.shell}: only bash is supported`)
    if (step['working-directory'] !== undefined) throw new Error(`${title}: working-directory is not supported`)
    if (step.run?.includes('${{')) throw new Error(`${title}: expressions in run: cannot be evaluated outside GitHub (pass them through env)`)
    return {
      index: i + 1,
      title,
      when: condition(step, title),
      ...(step.run === undefined ? {} : {run: step.run}),
      ...(step.uses === undefined ? {} : {uses: step.uses}),
      ...(step.with === undefined ? {} : {with: envOf(step.with, environment)}),
      env: envOf(step.env, environment),
      continueOnError: step['continue-on-error'] === true,
    }
  })
  return {env: {...envOf(workflow.env, environment), ...envOf(spec.env, environment)}, steps}
}

export interface RunOptions {
  workflowText: string
  job: string
  /** The checkout: GITHUB_WORKSPACE and every step's working directory. */
  workspace: string
  /** Holds RUNNER_TEMP, the env and path carried between steps (kept for --from). */
  stateDir: string
  /** 1-based step to start at; earlier steps are not run and the saved state is kept. */
  from?: number
  environment?: NodeJS.ProcessEnv
  /** Where progress lines go; step output goes to this process's stdout and stderr unless `quiet`. */
  log?: (line: string) => void
  quiet?: boolean
}

function runStep(script: string, env: NodeJS.ProcessEnv, cwd: string, quiet: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {cwd, env, stdio: quiet ? 'ignore' : 'inherit'})
    child.on('error', reject)
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
}

/** Runs the job's steps; resolves to the exit code (1 when a step failed). */
export async function runWorkflow(options: RunOptions): Promise<number> {
  const environment = options.environment ?? process.env
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const plan = planWorkflow(options.workflowText, options.job, environment)
  const from = options.from ?? 1
  const runnerTemp = join(options.stateDir, 'runner-temp')
  const savedEnv = join(options.stateDir, 'env')
  const savedPath = join(options.stateDir, 'path')
  if (from === 1) rmSync(options.stateDir, {recursive: true, force: true})
  mkdirSync(runnerTemp, {recursive: true})
  for (const f of [savedEnv, savedPath]) if (!existsSync(f)) writeFileSync(f, '')
  const {KUBECONFIG: _ignored, ...inherited} = environment

  let failed = false
  for (const step of plan.steps) {
    if (step.index < from) continue
    const due = step.when === 'always' || (step.when === 'failure' ? failed : !failed)
    if (!due) {
      log(`-- ${step.index}. ${step.title}: skipped (${step.when === 'failure' ? 'nothing failed' : 'an earlier step failed'})`)
      continue
    }
    if (step.run === undefined && step.uses !== LOCAL_ACTION) {
      log(`-- ${step.index}. ${step.title}: skipped (a GitHub action; locally your checkout and tools stand in for it)`)
      continue
    }
    log(`== ${step.index}. ${step.title}`)
    const stepEnvFile = join(options.stateDir, `github-env-${step.index}`)
    const stepPathFile = join(options.stateDir, `github-path-${step.index}`)
    writeFileSync(stepEnvFile, '')
    writeFileSync(stepPathFile, '')
    const paths = readFileSync(savedPath, 'utf8').split('\n').filter((p) => p !== '').reverse()
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      ...plan.env,
      ...parseEnvFile(readFileSync(savedEnv, 'utf8')),
      ...step.env,
      CI: 'true',
      GITHUB_ENV: stepEnvFile,
      GITHUB_PATH: stepPathFile,
      GITHUB_WORKSPACE: options.workspace,
      RUNNER_TEMP: runnerTemp,
    }
    env.PATH = [...paths, env.PATH ?? ''].join(delimiter)
    const run = (script: string, stepEnv: NodeJS.ProcessEnv) => runStep(script, stepEnv, options.workspace, options.quiet === true)
    let code: number
    if (step.run === undefined) {
      code = await runLocalAction({workspace: options.workspace, inputs: step.with ?? {}, env, stateDir: options.stateDir, index: step.index, runStep: run})
    } else {
      const script = join(options.stateDir, `step-${step.index}.sh`)
      writeFileSync(script, step.run)
      code = await run(script, env)
    }
    appendFileSync(savedEnv, readFileSync(stepEnvFile, 'utf8'))
    appendFileSync(savedPath, readFileSync(stepPathFile, 'utf8'))
    if (code !== 0) {
      log(`!! ${step.index}. ${step.title}: exit ${code}${step.continueOnError ? ' (continue-on-error)' : ''}`)
      if (!step.continueOnError) failed = true
    }
  }
  log(failed ? 'FAILED' : 'passed')
  return failed ? 1 : 0
}

async function main(argv: string[]): Promise<number> {
  const {values} = parseArgs({args: argv, options: {list: {type: 'boolean'}, from: {type: 'string'}}, strict: true})
  const workspace = fileURLToPath(new URL('../../..', import.meta.url))
  const workflowText = readFileSync(join(workspace, '.github/workflows/e2e-kind.yml'), 'utf8')
  if (values.list) {
    for (const s of planWorkflow(workflowText, 'e2e-kind').steps) process.stdout.write(`${s.index}. ${s.title}${s.uses === undefined ? '' : s.uses === LOCAL_ACTION ? ' (this repository\'s action, run locally)' : ' (skipped locally)'}${s.when === 'success' ? '' : ` [if ${s.when}()]`}\n`)
    return 0
  }
  const from = values.from === undefined ? 1 : Number(values.from)
  if (!Number.isInteger(from) || from < 1) throw new Error('--from takes a step number (see --list)')
  return runWorkflow({workflowText, job: 'e2e-kind', workspace, stateDir: join(workspace, '.e2e-kind'), from})
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      process.stderr.write(`run-local: ${error.message}\n`)
      process.exitCode = 2
    },
  )
}
