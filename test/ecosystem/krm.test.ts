// `meshport inject --krm`: the KRM function contract (ResourceList in, ResourceList out, results,
// exit codes), then the same through the real function runners where they are installed: kpt
// (`kpt fn eval --exec`) and kustomize (`kustomize build --enable-alpha-plugins --enable-exec`).
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'
import {parse, parseAllDocuments} from 'yaml'

import {functionConfigArgs, functionConfigSettings, type FlagShape} from '../../src/inject/krm.js'
import {binPath, runCli} from '../helpers/run-cli.js'
import {findTool, kustomizeWithExec} from '../helpers/tools.js'

type Obj = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML read back in tests

const FLAGS: Record<string, FlagShape> = {
  'proxy-cpu-request': {type: 'option'},
  'native-sidecar': {type: 'boolean', allowNo: true},
  ingress: {type: 'boolean'},
  'pod-template-path': {type: 'option', multiple: true},
  output: {type: 'option'},
}

describe('functionConfig → inject flags', () => {
  test('a ConfigMap (kpt `-- key=value`) gives its data as flags, booleans from strings', () => {
    const config = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}, data: {'proxy-cpu-request': '100m', 'native-sidecar': 'false', ingress: 'true'}}
    assert.deepEqual(functionConfigArgs(config, FLAGS), ['--proxy-cpu-request=100m', '--no-native-sidecar', '--ingress'])
  })

  test('a custom kind takes spec, camelCase or kebab-case, lists repeat the flag', () => {
    const config = {apiVersion: 'meshport.io/v1alpha1', kind: 'Inject', metadata: {name: 'mesh'}, spec: {proxyCpuRequest: 0.5, podTemplatePath: ['A=.spec.t', 'B=.spec.u'], ingress: false}}
    assert.deepEqual(functionConfigArgs(config, FLAGS), ['--proxy-cpu-request=0.5', '--pod-template-path=A=.spec.t', '--pod-template-path=B=.spec.u'])
  })

  test('without spec the top-level fields are the settings; no config means no flags', () => {
    assert.deepEqual(functionConfigSettings({apiVersion: 'x/v1', kind: 'Inject', metadata: {}, ingress: true}), {ingress: true})
    assert.deepEqual(functionConfigArgs(undefined, FLAGS), [])
  })

  test('unknown fields, output-shaping flags and bad booleans are usage errors', () => {
    const cm = (data: Record<string, unknown>) => ({apiVersion: 'v1', kind: 'ConfigMap', data})
    assert.throws(() => functionConfigArgs(cm({'proxy-cpu-requset': '1'}), FLAGS), /"proxy-cpu-requset" is not an inject setting/)
    assert.throws(() => functionConfigArgs(cm({output: 'json'}), FLAGS), /"output" is not an inject setting/)
    assert.throws(() => functionConfigArgs(cm({ingress: 'yes'}), FLAGS), /must be true or false/)
    assert.throws(() => functionConfigArgs(cm({'proxy-cpu-request': ['1', '2']}), FLAGS), /takes one value/)
  })
})

// As kustomize hands it over: its bookkeeping annotations on every item, comments kept.
const RESOURCE_LIST = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web # the web tier
    namespace: emojivoto
    annotations:
      config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: 'web.yaml'
  spec:
    template:
      metadata:
        labels: {app: web}
      spec:
        containers:
        - name: web
          image: buoyantio/emojivoto-web:v11 # {"$imagepolicy": "flux-system:web"}
- apiVersion: v1
  kind: Service
  metadata:
    name: web-svc
    namespace: emojivoto
  spec:
    ports:
    - port: 80
functionConfig:
  apiVersion: meshport.io/v1alpha1
  kind: Inject
  metadata:
    name: mesh
  spec:
    proxyCpuRequest: 100m
`

describe('inject --krm through the CLI', () => {
  test('injects every item, keeps comments and kustomize annotations, reports results', async () => {
    const r = await runCli(['inject', '--krm'], {stdin: RESOURCE_LIST})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    const out = parse(r.stdout) as {apiVersion: string; kind: string; items: Obj[]; results: Obj[]; functionConfig: unknown}
    assert.equal(out.apiVersion, 'config.kubernetes.io/v1')
    assert.equal(out.kind, 'ResourceList')
    assert.equal(out.items.length, 2)
    const web = out.items[0]!
    const svc = out.items[1]
    assert.deepEqual(web.spec.template.metadata.annotations, {'linkerd.io/inject': 'enabled', 'config.linkerd.io/proxy-cpu-request': '100m'})
    assert.deepEqual(web.metadata.annotations, {'config.kubernetes.io/index': '0', 'internal.config.kubernetes.io/path': 'web.yaml'})
    assert.deepEqual(svc, {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web-svc', namespace: 'emojivoto'}, spec: {ports: [{port: 80}]}})
    assert.match(r.stdout, /name: web # the web tier/)
    assert.match(r.stdout, /image: buoyantio\/emojivoto-web:v11 # \{"\$imagepolicy": "flux-system:web"\}/)
    assert.deepEqual(out.results, [{message: 'deployment "web" injected', severity: 'info', resourceRef: {apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'emojivoto'}}])
    assert.ok(out.functionConfig, 'functionConfig is passed through')
  })

  test('a workload that cannot be injected fails the function: exit 1, items unchanged, an error result', async () => {
    const list = RESOURCE_LIST.replace('      spec:\n        containers:', '      spec:\n        hostNetwork: true\n        containers:')
    const r = await runCli(['inject', '--krm'], {stdin: list})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /failed to inject deployment\/web: hostNetwork is enabled/)
    const out = parse(r.stdout) as {items: Obj[]; results: Obj[]}
    assert.equal(out.items[0]!.spec.template.metadata.annotations, undefined)
    assert.ok(out.results.some((x) => x.severity === 'error' && /hostNetwork/.test(x.message)))
  })

  test('a bad functionConfig value is a usage error naming the setting', async () => {
    const r = await runCli(['inject', '--krm'], {stdin: RESOURCE_LIST.replace('proxyCpuRequest: 100m', 'proxyCpuRequest: lots')})
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /proxy-cpu-request/)
  })

  test('--krm with a flag that chooses another output is a usage error', async () => {
    const r = await runCli(['inject', '--krm', '--diff'], {stdin: RESOURCE_LIST})
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /--diff/)
  })

  test('stdin that is not a ResourceList is refused with a hint, nothing on stdout', async () => {
    const r = await runCli(['inject', '--krm'], {stdin: 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\n'})
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /not a ResourceList[\s\S]*Hint: /)
  })
})

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # the web tier
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
`

describe('real KRM function runners', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-krm-'))
  after(() => rmSync(dir, {force: true, recursive: true}))
  // kustomize's exec functions take no arguments: a two-line wrapper, as docs/pipelines.md shows.
  const wrapper = join(dir, 'meshport-krm')
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${binPath}" inject --krm\n`)
  chmodSync(wrapper, 0o755)

  const kpt = findTool('kpt')
  test('kpt fn eval --exec runs inject --krm with a ConfigMap functionConfig', {skip: kpt ? false : 'kpt is not installed: skipped (the ResourceList contract is tested above)'}, () => {
    const pkg = join(dir, 'kpt-pkg')
    mkdirSync(pkg)
    writeFileSync(join(pkg, 'web.yaml'), DEPLOY)
    const r = spawnSync(kpt!, ['fn', 'eval', pkg, '--exec', wrapper, '--', 'proxy-cpu-request=100m'], {encoding: 'utf8', timeout: 60_000})
    assert.equal(r.status, 0, r.stderr + r.stdout)
    const written = readFileSync(join(pkg, 'web.yaml'), 'utf8')
    assert.match(written, /linkerd\.io\/inject: enabled/)
    assert.match(written, /config\.linkerd\.io\/proxy-cpu-request: '?"?100m/)
    assert.match(written, /name: web # the web tier/)
    assert.match(r.stderr + r.stdout, /deployment "web" injected/)
  })

  test('kpt fn render runs inject --krm declared in the package Kptfile pipeline', {skip: kpt ? false : 'kpt is not installed: skipped (the ResourceList contract is tested above)'}, () => {
    const pkg = join(dir, 'kpt-render')
    mkdirSync(pkg)
    writeFileSync(join(pkg, 'web.yaml'), DEPLOY)
    writeFileSync(join(pkg, 'Kptfile'), `apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: app
pipeline:
  mutators:
  - exec: ${wrapper}
    configMap:
      proxy-cpu-request: 100m
      native-sidecar: "false"
`)
    const r = spawnSync(kpt!, ['fn', 'render', pkg, '--allow-exec'], {encoding: 'utf8', timeout: 60_000})
    assert.equal(r.status, 0, r.stderr + r.stdout)
    const web = parse(readFileSync(join(pkg, 'web.yaml'), 'utf8')) as Obj
    assert.deepEqual(web.spec.template.metadata.annotations, {
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/proxy-cpu-request': '100m',
      'config.linkerd.io/proxy-enable-native-sidecar': 'false',
    })
  })

  const kustomize = kustomizeWithExec()
  test('kustomize runs inject --krm as an exec transformer declared in the kustomization', {skip: kustomize.skip ?? false}, () => {
    const base = join(dir, 'kustomize')
    mkdirSync(base)
    writeFileSync(join(base, 'web.yaml'), DEPLOY)
    writeFileSync(join(base, 'mesh.yaml'), `apiVersion: meshport.io/v1alpha1
kind: Inject
metadata:
  name: mesh
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ${wrapper}
spec:
  proxy-cpu-request: 100m
`)
    writeFileSync(join(base, 'kustomization.yaml'), 'resources:\n- web.yaml\ntransformers:\n- mesh.yaml\n')
    const r = spawnSync(kustomize.command![0]!, [...kustomize.command!.slice(1), base], {encoding: 'utf8', timeout: 60_000})
    assert.equal(r.status, 0, r.stderr)
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj)
    assert.equal(docs.length, 1)
    assert.deepEqual(docs[0]!.spec.template.metadata.annotations, {'linkerd.io/inject': 'enabled', 'config.linkerd.io/proxy-cpu-request': '100m'})
  })
})
