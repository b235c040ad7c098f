// The manual handler on the engine's text editor: Linkerd's additions land in the document while
// the user's own containers keep their comments, order and quoting.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'
import {parse, parseAllDocuments} from 'yaml'
import {editorFor} from '../../../src/inject/edit.js'
import {manualHandler} from '../../../src/inject/manual/handler.js'
import {manualConfig} from '../../../src/inject/manual/settings.js'
import type {InjectOptions, Path, WorkloadContext} from '../../../src/inject/types.js'
import {chartDefaults, loadValuesFile, mergeValues} from '../../../src/mesh/values.js'
import {baseValuesFile, conformanceDir, GOLDEN_CREATED_BY, normalise} from './golden.js'

const INPUT = `# the web front end
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: emojivoto
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web-svc
  template:
    metadata:
      labels:
        app: web-svc # keep me
    spec:
      containers:
      # the app itself
      - env:
        - name: WEB_PORT
          value: '80' # single-quoted on purpose
        - name: EMOJISVC_HOST
          value: emoji-svc.emojivoto:8080
        - name: VOTINGSVC_HOST
          value: voting-svc.emojivoto:8080
        - name: INDEX_BUNDLE
          value: dist/index_bundle.js
        image: buoyantio/emojivoto-web:v10
        name: web-svc
        ports:
        - containerPort: 80
          name: http
`

function context(text: string, templatePath: Path, options: Partial<InjectOptions> = {}): WorkloadContext {
  const edit = editorFor(text)
  const workload = edit.get([]) as Record<string, unknown>
  const metadata = workload.metadata as {name: string; namespace: string}
  const baseline = mergeValues(chartDefaults(), loadValuesFile(baseValuesFile('uninject-then-inject')))
  const values = manualConfig({
    baseline,
    baselineSource: 'the values file',
    flags: {},
    set: [],
    controlPlaneNamespace: 'linkerd',
    createdBy: GOLDEN_CREATED_BY,
    enableDebugSidecar: false,
  })
  return {
    kind: String(workload.kind),
    reportKind: String(workload.kind).toLowerCase(),
    name: metadata.name,
    namespace: metadata.namespace,
    listIndex: undefined,
    workloadPath: [],
    templatePath,
    workload,
    template: edit.get(templatePath) as Record<string, unknown>,
    options: {mode: 'manual', overrides: [], ingress: false, podTemplatePaths: new Map(), tokenProjection: true, flags: {}, values, ...options},
    edit,
  }
}

describe('manual handler', () => {
  test('writes the golden pod spec and keeps the user text', () => {
    const ctx = context(INPUT, ['spec', 'template'])
    assert.deepEqual(manualHandler.inject(ctx), {kind: 'injected'})
    const out = ctx.edit.text
    for (const kept of ['# the web front end', 'app: web-svc # keep me', '# the app itself', "value: '80' # single-quoted on purpose"]) assert.ok(out.includes(kept), kept)
    const golden = parseAllDocuments(readFileSync(`${conformanceDir}/inject_emojivoto_deployment.golden.yml`, 'utf8'))[0]?.toJS()
    assert.deepEqual(normalise(parse(out)), normalise(golden))
  })

  test('a template without metadata gets it created', () => {
    const text = INPUT.replace(/ {4}metadata:\n {6}labels:\n {8}app: web-svc # keep me\n/, '')
    const ctx = context(text, ['spec', 'template'])
    manualHandler.inject(ctx)
    const out = parse(ctx.edit.text)
    assert.equal(out.spec.template.metadata.labels['linkerd.io/proxy-deployment'], 'web')
    assert.equal(out.spec.template.spec.initContainers[1].name, 'linkerd-proxy')
  })

  test('template failures become the workload\'s error, not an exception', () => {
    const ctx = context(INPUT, ['spec', 'template'])
    const values = ctx.options.values as {values: {proxyInit: {iptablesMode: string}}}
    values.values.proxyInit.iptablesMode = 'bogus'
    const outcome = manualHandler.inject(ctx)
    assert.equal(outcome.kind, 'error')
    assert.match(outcome.kind === 'error' ? (outcome.reasons[0] ?? '') : '', /Unsupported value "bogus" for proxyInit.iptablesMode/)
  })
})
