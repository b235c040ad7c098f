// The single executable (`npm run build:binary`, dist-bin/meshport): built once (scripts/build-binary.mjs
// skips the build when its inputs have not changed), then the CLI's smoke subset runs against it
// from a directory outside the checkout with PATH emptied, so no node, no node_modules and no
// checkout are within its reach, and every answer is compared byte for byte with bin/run.js's.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {type CliResult, runCli, runProgram} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {repoRoot} from '../helpers/testdata.js'
import {requireTool, skipWithout} from '../helpers/tools.js'

const exe = join(repoRoot, 'dist-bin', 'meshport')
const example = join(repoRoot, 'examples', 'emojivoto.yml')
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {version: string}

/** Durations differ from run to run; everything else in a check report must not. */
const withoutDurations = (json: string) => json.replace(/"durationMs": \d+/g, '"durationMs": 0')

describe('single executable: the smoke subset, with PATH emptied, byte for byte like bin/run.js', {timeout: 900_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-sea-'))
  // The same environment for both; bin/run.js is started by path through this process's node.
  const env = {PATH: '', HOME: dir}
  const options = {cwd: dir, env, timeoutMs: 120_000}
  const sea = (args: string[], stdin?: string) => runProgram(exe, args, stdin === undefined ? options : {...options, stdin})
  const js = (args: string[], stdin?: string) => runCli(args, stdin === undefined ? options : {...options, stdin})
  async function same(args: string[], stdin?: string): Promise<CliResult> {
    const [a, b] = await Promise.all([sea(args, stdin), js(args, stdin)])
    assert.deepEqual(a, b, `meshport ${args.join(' ')}`)
    return a
  }
  let healthy: Sim

  before(async () => {
    execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build-binary.mjs')], {cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000})
    healthy = await startSim({scenario: 'healthy', kubeconfigPath: join(dir, 'kubeconfig')})
  })
  after(async () => {
    await healthy?.stop()
    rmSync(dir, {force: true, recursive: true})
  })

  test('a second build with the same inputs is skipped', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-binary.mjs')], {cwd: repoRoot, encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stderr, /dist-bin\/meshport is up to date/)
  })

  test('--version', async () => {
    const r = await same(['--version'])
    assert.equal(r.stdout, `meshport/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
  })

  test('--help, viz stat --help, check --help, help inject', async () => {
    for (const args of [['--help'], ['viz', 'stat', '--help'], ['check', '--help'], ['help', 'inject']]) {
      const r = await same(args)
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /USAGE\n {2}\$ meshport/)
    }
  })

  test('inject: a file, stdin, --diff; uninject back', async () => {
    const injected = await same(['inject', example])
    assert.equal(injected.code, 0)
    assert.match(injected.stdout, /linkerd\.io\/inject: enabled/)
    await same(['inject', '-'], readFileSync(example, 'utf8'))
    assert.equal((await same(['inject', '--diff', example])).code, 1)
    assert.equal((await same(['uninject', '-'], injected.stdout)).stdout, readFileSync(example, 'utf8'))
  })

  test('errors and exit codes: unknown command, bad flag, missing file', async () => {
    assert.equal((await same(['injekt', 'x.yml'])).code, 2)
    assert.equal((await same(['check', '--output', 'yaml'])).code, 2)
    assert.equal((await same(['inject', join(dir, 'nope.yml')])).code, 1)
  })

  test('completion: the bash script, __complete, and kubectl\'s completion helper by its name', async () => {
    await same(['completion', 'bash'])
    await same(['completion', 'zsh'])
    const r = await same(['__complete', 'viz', 'stat', 'd'])
    assert.match(r.stdout, /\ndeploy\n/)
    // Linked as kubectl_complete-meshport it answers as bin/kubectl_complete-meshport.js does.
    const helper = join(dir, 'kubectl_complete-meshport')
    symlinkSync(exe, helper)
    const linked = await runProgram(helper, ['viz', 'stat', 'deploy'], options)
    const script = await runProgram(process.execPath, [join(repoRoot, 'bin', 'kubectl_complete-meshport.js'), 'viz', 'stat', 'deploy'], options)
    assert.deepEqual(linked, script)
    assert.deepEqual(linked.stdout.split('\n').filter((l) => l !== ''), ['deploy', 'deployment', 'deployments', ':4'])
  })

  test('check --proxy against the simulated cluster: the same table, report and exit code', async () => {
    const args = ['check', '--proxy', '--offline', '--kubeconfig', healthy.kubeconfigPath]
    const table = await same(args)
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /Status check results are √\n$/)
    const [a, b] = await Promise.all([sea([...args, '-o', 'json']), js([...args, '-o', 'json'])])
    assert.equal(a.code, 0, a.stderr)
    assert.equal(withoutDurations(a.stdout), withoutDurations(b.stdout))
    // No usable cluster: exit 3, one line, in both.
    writeFileSync(join(dir, 'empty-kubeconfig'), 'apiVersion: v1\nkind: Config\n')
    assert.equal((await same(['check', '--proxy', '--kubeconfig', join(dir, 'empty-kubeconfig')])).code, 3)
  })

  test('no file is opened under node_modules or the checkout, other than the input', {skip: skipWithout('strace', 'it watches which files the executable opens')}, () => {
    const trace = join(dir, 'trace')
    const r = spawnSync(requireTool('strace'), ['-f', '-qq', '-s', '4096', '-e', 'trace=open,openat,openat2,stat,newfstatat,statx,access,readlink', '-o', trace, exe, 'inject', example], {cwd: dir, encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    const paths = [...readFileSync(trace, 'utf8').matchAll(/"([^"]*)"/g)].map((m) => m[1]!)
    assert.ok(paths.includes(example), 'the trace shows the input being read')
    const reached = [...new Set(paths.filter((p) => p.includes('node_modules') || (p.startsWith(repoRoot) && p !== example && p !== exe)))]
    assert.deepEqual(reached, [])
  })
})
