// Installing as a user does: `npm pack` (whose `prepare` runs the build) and `npm install -g` of
// the tarball into a fresh prefix, without dev dependencies. Then the installed `meshport` and
// `kubectl-meshport` run, and kubectl finds the plugin (`kubectl meshport`, `kubectl plugin list`).
// The pack runs in a staging copy so it never races the shared dist/ other tests run from.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'

import {findTool, skipWithout} from '../helpers/tools.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
interface PackageJson {
  bin: Record<string, string>
  bugs?: {url?: string}
  engines?: {node?: string}
  homepage?: string
  repository?: {url?: string}
}

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # keep me
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
`

describe('npm pack + npm install -g into a fresh prefix', {timeout: 300_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-install-'))
  const prefix = join(dir, 'prefix')
  const bin = join(prefix, 'bin')
  const manifest = join(dir, 'web.yaml')
  let tarball = ''
  let packed: string[] = []

  before(() => {
    const stage = join(dir, 'stage')
    for (const entry of ['package.json', 'package-lock.json', 'README.md', 'LICENSE', 'tsconfig.json', 'bin', 'src', 'scripts', 'examples', 'docs']) {
      if (existsSync(join(root, entry))) cpSync(join(root, entry), join(stage, entry), {recursive: true})
    }
    // The build tools (typescript, @oclif/core) come from the checkout, as after `npm ci`.
    symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir')
    const out = execFileSync(npm, ['pack', '--json', '--pack-destination', dir], {cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    const info = (JSON.parse(out) as Array<{filename: string; files: Array<{path: string}>}>)[0]!
    tarball = join(dir, info.filename)
    packed = info.files.map((f) => f.path)
    execFileSync(npm, ['install', '--global', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], {cwd: dir, stdio: ['ignore', 'pipe', 'pipe']})
    writeFileSync(manifest, MANIFEST)
  })
  after(() => rmSync(dir, {force: true, recursive: true}))

  test('the tarball holds the built CLI, its manifest, the docs and the licence, not sources or tests', () => {
    for (const file of ['bin/run.js', 'bin/kubectl_complete-meshport.js', 'dist/commands/inject.js', 'oclif.manifest.json', 'LICENSE', 'README.md', 'docs/commands.md', 'docs/install.md', 'examples/emojivoto.yml']) {
      assert.ok(packed.includes(file), `${file} is not in the tarball`)
    }
    // Only what runs or is read: no sources, tests, build scripts, dev entry point or release files.
    const stray = packed.filter((p) => /^(src|test|scripts|bench|action|plugins|dist-bin|\.github|\.ci)\//.test(p) || p === 'bin/dev.js' || p === 'action.yml' || p.endsWith('.ts') || p.endsWith('.map'))
    assert.deepEqual(stray, [])
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson
    assert.match(pkg.engines?.node ?? '', /^>=20/)
    assert.deepEqual(Object.keys(pkg.bin).sort(), ['kubectl-meshport', 'kubectl_complete-meshport', 'meshport'])
    // npm's page links to the repository, its issues and the docs from these.
    assert.match(pkg.homepage ?? '', /^https:\/\/github\.com\/[\w-]+\/meshport#readme$/)
    assert.match(pkg.repository?.url ?? '', /^git\+https:\/\/github\.com\/[\w-]+\/meshport\.git$/)
    assert.match(pkg.bugs?.url ?? '', /^https:\/\/github\.com\/[\w-]+\/meshport\/issues$/)
  })

  test('only runtime dependencies are installed', () => {
    const modules = join(prefix, 'lib', 'node_modules', 'meshport', 'node_modules')
    assert.ok(existsSync(join(modules, '@oclif', 'core')))
    for (const dev of ['typescript', 'tsx', 'eslint']) assert.equal(existsSync(join(modules, dev)), false, `${dev} must not be installed`)
  })

  test('meshport --help and an inject work from the installed bin', () => {
    const help = spawnSync(join(bin, 'meshport'), ['--help'], {encoding: 'utf8'})
    assert.equal(help.status, 0, help.stderr)
    assert.match(help.stdout, /USAGE\n {2}\$ meshport/)
    for (const command of ['inject', 'uninject', 'check']) assert.match(help.stdout, new RegExp(`\\n {2}${command} `))
    const inject = spawnSync(join(bin, 'meshport'), ['inject', manifest], {encoding: 'utf8'})
    assert.equal(inject.status, 0, inject.stderr)
    assert.match(inject.stdout, /name: web # keep me/)
    assert.match(inject.stdout, /linkerd\.io\/inject: enabled/)
    assert.match(inject.stderr, /deployment "web" injected/)
  })

  test('kubectl-meshport is the same CLI', () => {
    const r = spawnSync(join(bin, 'kubectl-meshport'), ['inject', '-'], {encoding: 'utf8', input: MANIFEST})
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /linkerd\.io\/inject: enabled/)
  })

  const kubectl = findTool('kubectl')
  const skip = skipWithout('kubectl', 'skipped the kubectl plugin test')
  test('kubectl finds the plugin on PATH: kubectl meshport inject, kubectl plugin list', {skip}, () => {
    const env = {...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`}
    const r = spawnSync(kubectl!, ['meshport', 'inject', manifest], {encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /linkerd\.io\/inject: enabled/)
    const list = spawnSync(kubectl!, ['plugin', 'list'], {encoding: 'utf8', env})
    assert.ok(list.stdout.split('\n').includes(join(bin, 'kubectl-meshport')), list.stdout + list.stderr)
    // kubectl meshport <TAB> (kubectl 1.26+) runs the installed kubectl_complete-meshport.
    const completion = spawnSync(kubectl!, ['__complete', 'meshport', 'viz', 'stat', 'deploy'], {encoding: 'utf8', env})
    assert.deepEqual(completion.stdout.split('\n').filter((l) => l !== ''), ['deploy', 'deployment', 'deployments', ':4'])
  })
})
