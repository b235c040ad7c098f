// `helm install ... --post-renderer meshport --post-renderer-args inject --post-renderer-args -`.
// Helm 3's contract (pkg/postrender/exec.go): it runs the binary with the args, streams every
// rendered manifest to its stdin ("---\n# Source: <template>\n<content>\n" per template), takes
// stdout as the new manifests, fails the release on a non-zero exit (showing stderr) and on
// empty output. Helm is not installed here, so the test spawns meshport exactly as Helm does;
// where `helm` is on PATH it also runs the real `helm template --post-renderer`.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'
import {parseAllDocuments} from 'yaml'

import {binPath} from '../helpers/run-cli.js'
import {findTool} from '../helpers/tools.js'

interface PostRendered {
  exitCode: number | null
  stdout: string
  stderr: string
}

/** Helm's execRender.Run: stdin written from another goroutine while stdout/stderr are buffered. */
async function helmPostRender(rendered: string, args: string[]): Promise<PostRendered> {
  const child = spawn(process.execPath, [binPath, ...args], {env: {...process.env, NO_COLOR: '1'}, stdio: ['pipe', 'pipe', 'pipe']})
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (c: Buffer) => out.push(c))
  child.stderr.on('data', (c: Buffer) => err.push(c))
  child.stdin.on('error', () => {})
  // Helm copies the buffer in chunks and closes stdin when done.
  const bytes = Buffer.from(rendered)
  for (let i = 0; i < bytes.length; i += 4096) child.stdin.write(bytes.subarray(i, i + 4096))
  child.stdin.end()
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return {exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8')}
}

/** What Helm accepts afterwards: non-empty output whose documents are all Kubernetes objects. */
function helmAccepts(r: PostRendered): boolean {
  return r.exitCode === 0 && r.stdout.trim() !== ''
}

const template = (source: string, content: string): string => `---\n# Source: ${source}\n${content}\n`

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web-svc
  labels:
    helm.sh/chart: emojivoto-0.1.0
spec:
  ports:
  - port: 80
    targetPort: 8080`

const DEPLOYMENT = (name: string, extraSpec = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:${extraSpec}
      containers:
      - name: ${name}
        image: "buoyantio/emojivoto-${name}:v11"`

const RENDERED = [
  template('emojivoto/templates/web-svc.yaml', SERVICE),
  template('emojivoto/templates/web.yaml', DEPLOYMENT('web')),
  template('emojivoto/templates/voting.yaml', DEPLOYMENT('voting')),
].join('')

describe('Helm post-renderer contract', () => {
  test('all manifests in, all manifests out: workloads injected, the rest byte for byte, exit 0', async () => {
    const r = await helmPostRender(RENDERED, ['inject', '-'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.ok(helmAccepts(r))
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as {kind: string; metadata: {name: string}; spec: {template?: {metadata: {annotations?: unknown}}}})
    assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), ['Service/web-svc', 'Deployment/web', 'Deployment/voting'])
    for (const d of docs.slice(1)) assert.deepEqual(d.spec.template?.metadata.annotations, {'linkerd.io/inject': 'enabled'})
    // Helm's "# Source:" comments survive, so `helm get manifest` still names each template.
    assert.equal(r.stdout.match(/^# Source: emojivoto\/templates\/\S+$/gm)?.length, 3)
    assert.ok(r.stdout.includes(template('emojivoto/templates/web-svc.yaml', SERVICE)), 'the Service is copied verbatim')
    // The report goes to stderr, which Helm only shows on failure.
    assert.match(r.stderr, /deployment "web" injected/)
  })

  test('proxy flags pass through --post-renderer-args', async () => {
    const r = await helmPostRender(RENDERED, ['inject', '-', '--proxy-cpu-request', '100m'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout.match(/config\.linkerd\.io\/proxy-cpu-request: ['"]?100m['"]?$/gm)?.length, 2)
  })

  test('a workload that cannot be meshed fails the release: non-zero exit, nothing on stdout', async () => {
    const bad = RENDERED + template('emojivoto/templates/agent.yaml', DEPLOYMENT('agent', '\n      hostNetwork: true'))
    const r = await helmPostRender(bad, ['inject', '-'])
    assert.notEqual(r.exitCode, 0)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /failed to inject deployment\/agent: hostNetwork is enabled/)
  })

  test('broken YAML from a template fails with its position, nothing on stdout', async () => {
    const r = await helmPostRender(RENDERED + template('emojivoto/templates/bad.yaml', 'kind: ConfigMap\nmetadata: {name: x\n'), ['inject', '-'])
    assert.equal(r.exitCode, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^Error: - \(document 4\)/m)
  })

  test('an empty release renders to empty output, which Helm itself refuses', async () => {
    const r = await helmPostRender('', ['inject', '-'])
    assert.equal(helmAccepts(r), false)
  })
})

const helm = findTool('helm')
describe('real helm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-helm-'))
  after(() => rmSync(dir, {force: true, recursive: true}))
  test('helm template --post-renderer meshport --post-renderer-args inject --post-renderer-args -', {skip: helm ? false : 'helm is not installed: the contract above is what Helm does with the binary'}, () => {
    const bin = join(dir, 'bin')
    const chart = join(dir, 'emojivoto')
    mkdirSync(bin)
    mkdirSync(join(chart, 'templates'), {recursive: true})
    writeFileSync(join(bin, 'meshport'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`)
    chmodSync(join(bin, 'meshport'), 0o755)
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: emojivoto\nversion: 0.1.0\n')
    writeFileSync(join(chart, 'templates', 'web.yaml'), DEPLOYMENT('web'))
    const r = spawnSync(helm!, ['template', 'demo', chart, '--post-renderer', 'meshport', '--post-renderer-args', 'inject', '--post-renderer-args', '-'], {
      encoding: 'utf8',
      env: {...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`},
      timeout: 60_000,
    })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /linkerd\.io\/inject: enabled/)
  })
})
