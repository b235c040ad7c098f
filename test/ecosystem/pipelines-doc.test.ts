// docs/pipelines.md stays true: its snippets are read from the page and run (the kustomize
// functionConfig through --krm, the Argo CD plugin's generate command, the Flux in-place rewrite
// with its image-policy markers, the pre-commit entry on meshed and unmeshed files).
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'
import {parse} from 'yaml'

import {binPath, runCli} from '../helpers/run-cli.js'
import {repoRoot} from '../helpers/testdata.js'
import {findTool} from '../helpers/tools.js'

const page = readFileSync(join(repoRoot, 'docs', 'pipelines.md'), 'utf8')

/** The fenced yaml block whose first line is `# <title>`. */
function yamlBlock(title: string): string {
  const block = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith(`# ${title}`))
  assert.ok(block, `docs/pipelines.md has a yaml block titled "${title}"`)
  return block
}

const UNMESHED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: ghcr.io/org/app:1.2.3 # {"$imagepolicy": "flux-system:app"}
`

describe('docs/pipelines.md recipes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-pipelines-'))
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  writeFileSync(join(bin, 'meshport'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`)
  chmodSync(join(bin, 'meshport'), 0o755)
  const env = {...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1'}
  after(() => rmSync(dir, {force: true, recursive: true}))

  test('README links the page', () => {
    assert.match(readFileSync(join(repoRoot, 'README.md'), 'utf8'), /\]\(docs\/pipelines\.md\)/)
  })

  test('the kustomize functionConfig on the page works through inject --krm', async () => {
    const fn = parse(yamlBlock('mesh.yaml')) as Record<string, unknown>
    const list = {apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [parse(UNMESHED)], functionConfig: fn}
    const r = await runCli(['inject', '--krm'], {stdin: JSON.stringify(list)})
    assert.equal(r.code, 0, r.stderr)
    const out = parse(r.stdout) as {items: Array<{spec: {template: {metadata: {annotations: Record<string, string>}}}}>}
    assert.deepEqual(out.items[0]!.spec.template.metadata.annotations, {
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/skip-outbound-ports': '5432',
      'config.linkerd.io/proxy-cpu-request': '100m',
      'config.linkerd.io/proxy-enable-native-sidecar': 'false',
    })
  })

  const kubectl = findTool('kubectl')
  const kustomize = findTool('kustomize')
  test('the Argo CD plugin: a ConfigManagementPlugin whose generate command meshes what kustomize builds', {skip: kustomize || kubectl ? false : 'neither kustomize nor kubectl is installed'}, () => {
    const block = /```yaml\n(apiVersion: argoproj\.io[\s\S]*?)```/.exec(page)?.[1]
    assert.ok(block, 'docs/pipelines.md has the Argo CD plugin.yaml')
    const plugin = parse(block) as {kind: string; spec: {generate: {command: string[]; args: string[]}; discover: {fileName: string}}}
    assert.equal(plugin.kind, 'ConfigManagementPlugin')
    assert.equal(plugin.spec.discover.fileName, './kustomization.yaml')
    const app = join(dir, 'argo-app')
    mkdirSync(app)
    writeFileSync(join(app, 'deployment.yaml'), UNMESHED)
    writeFileSync(join(app, 'kustomization.yaml'), 'resources:\n- deployment.yaml\n')
    // `kubectl kustomize` builds plain kustomizations like `kustomize build`.
    const script = kustomize ? plugin.spec.generate.args[0]! : plugin.spec.generate.args[0]!.replace('kustomize build', 'kubectl kustomize')
    const r = spawnSync(plugin.spec.generate.command[0]!, [...plugin.spec.generate.command.slice(1), script], {cwd: app, encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /linkerd\.io\/inject: enabled/)
    assert.doesNotMatch(r.stdout, /injected/, 'the report stays on stderr')
  })

  test('Flux: inject --in-place keeps the image-policy markers', () => {
    const repo = join(dir, 'flux', 'apps')
    mkdirSync(repo, {recursive: true})
    writeFileSync(join(repo, 'app.yaml'), UNMESHED)
    const r = spawnSync('meshport', ['inject', '--in-place', join(dir, 'flux')], {encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    const written = readFileSync(join(repo, 'app.yaml'), 'utf8')
    assert.match(written, /linkerd\.io\/inject: enabled/)
    assert.match(written, /image: ghcr\.io\/org\/app:1\.2\.3 # \{"\$imagepolicy": "flux-system:app"\}/)
  })

  test('the pre-commit entry fails on unmeshed files and passes on meshed ones', () => {
    const hook = (parse(yamlBlock('.pre-commit-config.yaml')) as {repos: Array<{hooks: Array<{entry: string; files: string}>}>}).repos[0]!.hooks[0]!
    const files = join(dir, 'precommit', 'k8s')
    mkdirSync(files, {recursive: true})
    writeFileSync(join(files, 'app.yaml'), UNMESHED)
    assert.ok(new RegExp(hook.files).test('k8s/app.yaml'))
    // pre-commit runs `entry` with the staged file names appended.
    const [command, ...args] = hook.entry.split(' ')
    const unmeshed = spawnSync(command!, [...args, join(files, 'app.yaml')], {encoding: 'utf8', env})
    assert.equal(unmeshed.status, 1)
    assert.match(unmeshed.stdout, /app\.yaml/)
    spawnSync('meshport', ['inject', '--in-place', files], {env})
    const meshed = spawnSync(command!, [...args, join(files, 'app.yaml')], {encoding: 'utf8', env})
    assert.equal(meshed.status, 0, meshed.stdout + meshed.stderr)
  })
})
