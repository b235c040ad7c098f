// `uses: ./` for test/ecosystem/kind/run-local.ts: the repository's own composite action
// (action.yml) run the way GitHub's runner runs it: its inputs from `with:` and their defaults,
// each step under bash with pipefail, GITHUB_ACTION_PATH, a GITHUB_OUTPUT per step whose values
// later steps read as `steps.<id>.outputs.<name>`, and a GITHUB_STEP_SUMMARY file. The step fails
// at the first action step that fails. Expressions other than inputs, step outputs and
// github.action_repository (empty: a local action has none) are refused, not guessed.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse} from 'yaml'

import {parseEnvFile} from './env-file.js'

interface ActionStep {
  id?: string
  run?: string
  shell?: string
  env?: Record<string, string>
}

interface Action {
  inputs?: Record<string, {default?: string}>
  runs: {using: string; steps: ActionStep[]}
}

export interface LocalActionOptions {
  /** The checkout holding action.yml (GITHUB_ACTION_PATH). */
  workspace: string
  /** The step's `with:`. */
  inputs: Record<string, string>
  /** The environment the workflow step would have. */
  env: NodeJS.ProcessEnv
  /** Where the per-step output and summary files go. */
  stateDir: string
  /** The workflow step's number, to name those files. */
  index: number
  runStep: (script: string, env: NodeJS.ProcessEnv) => Promise<number>
}

const EXPRESSION = /\$\{\{\s*([^}]*?)\s*\}\}/g

function evaluate(text: string, inputs: Record<string, string>, outputs: Record<string, Record<string, string>>, where: string): string {
  return text.replace(EXPRESSION, (_, expression: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expression)
    if (input) return inputs[input[1]!] ?? ''
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression)
    if (output) return outputs[output[1]!]?.[output[2]!] ?? ''
    if (expression === 'github.action_repository') return ''
    throw new Error(`${where}: cannot evaluate \${{ ${expression} }} outside GitHub`)
  })
}

/** Runs action.yml's composite steps; resolves to the exit code of the first that failed, else 0. */
export async function runLocalAction(options: LocalActionOptions): Promise<number> {
  const path = join(options.workspace, 'action.yml')
  if (!existsSync(path)) throw new Error('uses: ./ but the checkout has no action.yml')
  const action = parse(readFileSync(path, 'utf8')) as Action
  if (action.runs?.using !== 'composite') throw new Error(`action.yml runs using ${action.runs?.using}: only composite actions run locally`)
  const inputs: Record<string, string> = {}
  for (const [name, input] of Object.entries(action.inputs ?? {})) inputs[name] = options.inputs[name] ?? input.default ?? ''
  for (const name of Object.keys(options.inputs)) if (!(name in inputs)) throw new Error(`uses: ./ with ${name}, which action.yml does not declare`)
  const outputs: Record<string, Record<string, string>> = {}
  const summary = join(options.stateDir, `step-summary-${options.index}.md`)
  writeFileSync(summary, '')
  for (const [i, step] of action.runs.steps.entries()) {
    const where = `action.yml step ${step.id ?? i + 1}`
    if (step.run === undefined || step.shell !== 'bash') throw new Error(`${where}: only bash run steps run locally`)
    const outputFile = join(options.stateDir, `action-output-${options.index}-${i + 1}`)
    writeFileSync(outputFile, '')
    const env: NodeJS.ProcessEnv = {...options.env, GITHUB_ACTION_PATH: options.workspace, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summary}
    for (const [name, value] of Object.entries(step.env ?? {})) env[name] = evaluate(String(value), inputs, outputs, where)
    const script = join(options.stateDir, `action-step-${options.index}-${i + 1}.sh`)
    writeFileSync(script, evaluate(step.run, inputs, outputs, where))
    const code = await options.runStep(script, env)
    if (step.id !== undefined) outputs[step.id] = parseEnvFile(readFileSync(outputFile, 'utf8'))
    if (code !== 0) return code
  }
  return 0
}
