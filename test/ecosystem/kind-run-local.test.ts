// test/ecosystem/kind/run-local.ts runs the real-cluster workflow's steps on a developer's machine
// as GitHub would. Checked here on a small workflow (bash only, no cluster) and on the real one's plan.
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {repoRoot} from '../helpers/testdata.js'
import {parseEnvFile, planWorkflow, runWorkflow} from './kind/run-local.js'

const WORKFLOW = `
name: t
on: push
env:
  TOP: top
defaults:
  run:
    shell: bash
jobs:
  e2e-kind:
    runs-on: ubuntu-24.04
    env:
      GREETING: \${{ inputs.greeting || 'hello' }}
      PLAIN: plain
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - name: sets env and path
        run: |
          echo "FROM_STEP=one" >> "$GITHUB_ENV"
          { echo 'MULTI<<EOF'; echo 'a'; echo 'b'; echo 'EOF'; } >> "$GITHUB_ENV"
          mkdir -p "$RUNNER_TEMP/bin"
          printf '#!/bin/sh\\necho tool-ran\\n' > "$RUNNER_TEMP/bin/tool"
          chmod +x "$RUNNER_TEMP/bin/tool"
          echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
          echo "$TOP $GREETING $PLAIN \${KUBECONFIG:-no-kubeconfig}" > out/1
      - name: sees them
        env:
          OWN: own
        run: echo "$FROM_STEP $MULTI $(tool) $OWN $CI" > out/2
      - name: a failing pipeline fails the step
        run: |
          false | true
          touch out/after-pipeline
      - name: skipped once something failed
        run: touch out/never
      - name: broken, but allowed to be
        if: failure()
        continue-on-error: true
        run: touch out/failure && exit 3
      - name: always
        if: \${{ always() }}
        run: touch out/always
`

describe('run-local: the workflow\'s steps on this machine', () => {
  test('env, GITHUB_ENV, GITHUB_PATH, pipefail, failure() and always() as on GitHub', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'meshport-run-local-'))
    mkdirSync(join(workspace, 'out'))
    const lines: string[] = []
    const code = await runWorkflow({workflowText: WORKFLOW, job: 'e2e-kind', workspace, stateDir: join(workspace, '.state'), environment: {PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: '/somewhere/prod'}, log: (l) => lines.push(l), quiet: true})
    assert.equal(code, 1)
    const out = (f: string) => readFileSync(join(workspace, 'out', f), 'utf8')
    assert.equal(out('1'), 'top hello plain no-kubeconfig\n')
    assert.equal(out('2'), 'one a\nb tool-ran own true\n')
    assert.ok(!existsSync(join(workspace, 'out/after-pipeline')), 'pipefail: the step stops at the failing pipeline')
    assert.ok(!existsSync(join(workspace, 'out/never')))
    assert.ok(existsSync(join(workspace, 'out/failure')))
    assert.ok(existsSync(join(workspace, 'out/always')))
    assert.deepEqual(lines, [
      '-- 1. uses actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1: skipped (a GitHub action; locally your checkout and tools stand in for it)',
      '== 2. sets env and path',
      '== 3. sees them',
      '== 4. a failing pipeline fails the step',
      '!! 4. a failing pipeline fails the step: exit 1',
      '-- 5. skipped once something failed: skipped (an earlier step failed)',
      '== 6. broken, but allowed to be',
      '!! 6. broken, but allowed to be: exit 3 (continue-on-error)',
      '== 7. always',
      'FAILED',
    ])

    // --from keeps the state of the earlier run: the env and tools of step 2 are still there.
    const resumed = await runWorkflow({workflowText: WORKFLOW, job: 'e2e-kind', workspace, stateDir: join(workspace, '.state'), from: 3, environment: {PATH: process.env.PATH, GREETING: 'hi'}, log: () => {}, quiet: true})
    assert.equal(resumed, 1)
    assert.equal(out('2'), 'one a\nb tool-ran own true\n')
  })

  test('what it cannot do the way GitHub does is refused, not guessed', () => {
    const swap = (from: string, to: string) => () => planWorkflow(WORKFLOW.replace(from, to), 'e2e-kind')
    assert.throws(swap('PLAIN: plain', 'PLAIN: ${{ github.sha }}'), /env PLAIN: cannot evaluate/)
    assert.throws(swap("if: ${{ always() }}", "if: github.event_name == 'push'"), /cannot evaluate if:/)
    assert.throws(swap('touch out/always', 'echo ${{ github.sha }}'), /expressions in run:/)
    assert.throws(swap('    shell: bash', '    shell: sh'), /only bash/)
    assert.throws(() => planWorkflow(WORKFLOW, 'nope'), /no job nope/)
    assert.equal(planWorkflow(WORKFLOW, 'e2e-kind', {GREETING: 'hi'}).env.GREETING, 'hi')
    assert.deepEqual(parseEnvFile('A=1=2\nB<<X\nline\nX\n'), {A: '1=2', B: 'line'})
  })

  test('uses: ./ runs the repository\'s composite action: inputs, step outputs, the summary; a failing step fails it', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'meshport-run-local-action-'))
    mkdirSync(join(workspace, 'out'))
    writeFileSync(
      join(workspace, 'action.yml'),
      `name: a
description: d
inputs:
  who: {description: w, default: nobody}
  code: {description: c, default: '0'}
runs:
  using: composite
  steps:
    - id: first
      shell: bash
      env: {WHO: '\${{ inputs.who }}', REPO: '\${{ github.action_repository }}'}
      run: echo "name=$WHO" >> "$GITHUB_OUTPUT"; echo "repo=[$REPO] at $GITHUB_ACTION_PATH" > out/first
    - shell: bash
      env: {NAME: '\${{ steps.first.outputs.name }}', CODE: '\${{ inputs.code }}'}
      run: echo "hello $NAME" | tee out/second >> "$GITHUB_STEP_SUMMARY"; exit "$CODE"
`,
    )
    const workflow = (inputs: string) => `jobs:\n  e2e-kind:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: ./\n        with: {${inputs}}\n`
    const run = (inputs: string) => runWorkflow({workflowText: workflow(inputs), job: 'e2e-kind', workspace, stateDir: join(workspace, '.state'), environment: {PATH: process.env.PATH}, log: () => {}, quiet: true})
    assert.equal(await run('who: you'), 0)
    assert.equal(readFileSync(join(workspace, 'out/first'), 'utf8'), `repo=[] at ${workspace}\n`)
    assert.equal(readFileSync(join(workspace, 'out/second'), 'utf8'), 'hello you\n')
    assert.equal(readFileSync(join(workspace, '.state/step-summary-1.md'), 'utf8'), 'hello you\n')
    assert.equal(await run('code: 3'), 1)
    assert.equal(readFileSync(join(workspace, 'out/second'), 'utf8'), 'hello nobody\n')
    await assert.rejects(run('colour: red'), /with colour, which action\.yml does not declare/)
  })

  test('the real workflow can be planned: every step is either run or an action stood in for', () => {
    const plan = planWorkflow(readFileSync(join(repoRoot, '.github/workflows/e2e-kind.yml'), 'utf8'), 'e2e-kind', {})
    assert.equal(plan.env.LINKERD2_VERSION, 'edge-26.8.3')
    const actions = plan.steps.filter((s) => s.uses !== undefined).map((s) => s.uses!.split('@')[0])
    assert.deepEqual(actions, ['actions/checkout', 'actions/setup-node', './', 'actions/upload-artifact'])
    assert.ok(plan.steps.some((s) => s.when === 'failure'))
  })
})
