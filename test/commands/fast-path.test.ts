// The fast path of inject and uninject (its bundle, src/fast/) against oclif's path on every
// inject fixture of the project: Linkerd's conformance inputs and goldens, their cases as the
// conformance tests run them (annotate, --manual, uninject, --verbose), the example manifest,
// and each file through -o json, --diff and --check, plus inputs that fail. Every command line
// must be run by the fast path, and give the same stdout, stderr and exit code, byte for byte,
// as oclif gives: speed never changes a byte. A few command lines go through bin/run.js itself.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'
import {linkerd2Testdata, repoRoot} from '../helpers/testdata.js'
import {baseValuesFile, loadCases, manualArgs} from '../inject/manual/golden.js'

interface BatchResult {
  argv: string[]
  ran: boolean
  code: number
  stdout: string
  stderr: string
}

const dir = linkerd2Testdata('inject')
const VALUES = baseValuesFile('inject-only')

/** The command lines of the conformance cases, as test/conformance/ runs them. */
function caseArgvs(): string[][] {
  const argvs: string[][] = []
  for (const c of loadCases()) {
    const input = `${dir}/${c.input}`
    if (c.mode === 'manual') {
      argvs.push(manualArgs(c, input))
      continue
    }
    const args = [c.mode === 'uninject' ? 'uninject' : 'inject']
    for (const [name, value] of Object.entries(c.flags)) {
      if (value === true) args.push(name)
      else if (value !== false) args.push(name, String(value))
    }
    argvs.push([...args, input], [...args, '--verbose', input])
  }
  return argvs
}

/** Every manifest fixture through every mode and action. */
function fileArgvs(bad: string): string[][] {
  const files = [...readdirSync(dir).filter((f) => f.endsWith('.yml')).map((f) => `${dir}/${f}`), `${repoRoot}/examples/emojivoto.yml`]
  const argvs: string[][] = []
  for (const file of files) {
    argvs.push(
      ['inject', file],
      ['inject', '--manual', '--values', VALUES, file],
      ['uninject', file],
      ['inject', '-o', 'json', file],
      ['inject', '--diff', file],
      ['uninject', '--check', file],
    )
  }
  argvs.push(
    ['inject', `${dir}/inject-filepath`],
    ['inject', '--manual', '--values', VALUES, `${dir}/inject-filepath`, `${repoRoot}/examples/emojivoto.yml`],
    ['inject', '--proxy-cpu-request', '100m', '--skip-outbound-ports', '5432', '--no-native-sidecar', `${repoRoot}/examples/emojivoto.yml`],
    ['inject', '--ingress', '--output=yaml', `${repoRoot}/examples/emojivoto.yml`, `${dir}/inject_emojivoto_list.input.yml`],
    ['inject', `${repoRoot}/examples/emojivoto.yml`, '--pod-template-path', 'Rollout=.spec.template'],
    // Failures: a missing file, invalid YAML, a bad flag value, --manual without trust anchors.
    ['inject', `${dir}/no-such-file.yml`],
    ['inject', '--diff', `${dir}/no-such-file.yml`],
    ['inject', bad],
    ['uninject', bad],
    ['inject', '--proxy-cpu-request', 'lots', `${repoRoot}/examples/emojivoto.yml`],
    ['inject', '--manual', `${repoRoot}/examples/emojivoto.yml`],
    ['inject', '--verbose', '--manual', '--values', bad, `${repoRoot}/examples/emojivoto.yml`],
  )
  return argvs
}

function batch(mode: 'fast' | 'oclif', argvsFile: string): BatchResult[] {
  const out = execFileSync(process.execPath, [`${repoRoot}/test/helpers/cli-batch.mjs`, mode, argvsFile], {cwd: repoRoot, env: {...process.env, NO_COLOR: '1'}, maxBuffer: 1 << 28})
  return JSON.parse(out.toString('utf8')) as BatchResult[]
}

describe('inject/uninject fast path: byte-identical to oclif', () => {
  let tmp: string
  let bad: string

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'meshport-fast-'))
    bad = join(tmp, 'bad.yml')
    writeFileSync(bad, 'apiVersion: v1\nkind: ConfigMap\n---\nkind: Deployment\nmetadata: {name: [\n')
  })

  after(() => rmSync(tmp, {recursive: true, force: true}))

  test('every fixture, mode and action: same stdout, stderr and exit code', () => {
    const argvs = [...caseArgvs(), ...fileArgvs(bad)]
    const argvsFile = join(tmp, 'argvs.json')
    writeFileSync(argvsFile, JSON.stringify(argvs))
    const fast = batch('fast', argvsFile)
    const oclif = batch('oclif', argvsFile)
    assert.equal(fast.length, argvs.length)
    for (const [i, theirs] of oclif.entries()) {
      const ours = fast[i]!
      const label = theirs.argv.join(' ').replaceAll(`${repoRoot}/`, '')
      assert.ok(ours.ran, `the fast path declined: ${label}`)
      assert.equal(ours.code, theirs.code, label)
      assert.equal(ours.stderr, theirs.stderr, label)
      assert.equal(ours.stdout, theirs.stdout, label)
    }
    // The comparison covers output and failures both.
    assert.ok(oclif.some((r) => r.code === 0 && r.stdout.length > 0) && oclif.filter((r) => r.code !== 0).length >= 6)
  })

  test("the bundle's code cache is the one V8 takes; without it, or with a bad one, the bundle still runs", async () => {
    const probe = (dir: string): string =>
      execFileSync(process.execPath, ['--input-type=module', '-e', `const {loadFastBundle} = await import(${JSON.stringify(`${repoRoot}/dist/fast/load.js`)}); const loaded = loadFastBundle(${JSON.stringify(dir)}); process.stdout.write(String(loaded.cached) + ' ' + String(await loaded.bundle.runFast(['uninject', '--check', ${JSON.stringify(`${repoRoot}/examples/emojivoto.yml`)}])))`], {cwd: repoRoot}).toString()
    assert.equal(probe(`${repoRoot}/dist/fast-bundle/`), 'true true')
    const copy = join(tmp, 'bundle/')
    mkdirSync(copy)
    copyFileSync(`${repoRoot}/dist/fast-bundle/main.cjs`, `${copy}main.cjs`)
    assert.equal(probe(copy), 'false true')
    writeFileSync(`${copy}main.cache`, 'not a code cache')
    assert.equal(probe(copy), 'false true')
  })

  test('through bin/run.js: stdin, and what it hands to oclif (help, flag errors)', async () => {
    const example = `${repoRoot}/examples/emojivoto.yml`
    const stdin = await runCli(['inject', '-', '--manual', '--values', VALUES], {stdin: 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: []\n'})
    assert.equal(stdin.code, 0, stdin.stderr)
    assert.match(stdin.stdout, /name: linkerd-proxy/)
    assert.match((await runCli(['inject', '--help'])).stdout, /^Add the Linkerd proxy/)
    const exclusive = await runCli(['inject', '--diff', '--check', example])
    assert.equal(exclusive.code, 2)
    assert.match(exclusive.stderr, /^Error: --check and --diff cannot be used together$/m)
    const unknown = await runCli(['uninject', '--nope', example])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /^Error: unknown flag: --nope$/m)
  })
})
