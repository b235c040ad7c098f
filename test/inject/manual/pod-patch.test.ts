// The pure manual-mode core against Linkerd's goldens: for every manual case, the input's pod
// templates plus our additions must equal the golden's, as data.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {applyPodPatch, computePodPatch, podInboundPorts, type ManualConfig, type PodSpec} from '../../../src/inject/manual/pod-patch.js'
import {overrideAnnotations} from '../../../src/mesh/proxy-overrides.js'
import {toInjectValues} from '../../../src/mesh/proxy-values.js'
import {caseValues, conformanceDir, GOLDEN_CREATED_BY, loadCases, normalise, readDocs} from './golden.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking free-form YAML data in a test
type Obj = {[key: string]: any}
const TEMPLATE_KINDS = new Set(['deployment', 'replicaset', 'replicationcontroller', 'statefulset', 'daemonset', 'job'])

function template(doc: Obj): {metadata?: Obj; spec: PodSpec} | undefined {
  const kind = String(doc.kind ?? '').toLowerCase()
  if (kind === 'pod') return doc as {spec: PodSpec}
  if (kind === 'cronjob') return doc.spec?.jobTemplate?.spec?.template
  if (TEMPLATE_KINDS.has(kind)) return doc.spec?.template
  return undefined
}

// Stand-in for the engine's uninject pre-pass (its own tests cover the real one).
function stripLinkerd(doc: Obj, t: {metadata?: Obj; spec: PodSpec}): void {
  const spec = t.spec
  const keep = (c: Obj) => c.name !== 'linkerd-init' && c.name !== 'linkerd-proxy'
  if (spec.initContainers) spec.initContainers = spec.initContainers.filter(keep)
  if (spec.containers) spec.containers = spec.containers.filter((c) => c.name !== 'linkerd-proxy')
  if (spec.volumes) spec.volumes = spec.volumes.filter((v) => !['linkerd-identity-end-entity', 'linkerd-proxy-init-xtables-lock', 'linkerd-identity-token'].includes(String(v.name)))
  for (const key of ['initContainers', 'volumes'] as const) if (spec[key]?.length === 0) delete spec[key]
  const controlPlane = t.metadata?.labels?.['linkerd.io/control-plane-component'] !== undefined
  for (const meta of [doc.metadata, t.metadata]) {
    if (!meta || controlPlane) continue
    for (const field of ['annotations', 'labels']) {
      const map = meta[field] as Obj | undefined
      if (!map) continue
      for (const k of Object.keys(map)) if (k.startsWith('linkerd.io') && !(k === 'linkerd.io/inject' && map[k] === 'disabled')) delete map[k]
    }
  }
}

function inject(doc: Obj, config: ManualConfig, uninjectFirst: boolean): void {
  if (String(doc.kind).toLowerCase() === 'list') {
    for (const item of (doc.items as Obj[] | null) ?? []) if (item) inject(item, config, uninjectFirst)
    return
  }
  const t = template(doc)
  if (!t) return
  if (uninjectFirst) stripLinkerd(doc, t)
  if (t.metadata?.annotations?.['linkerd.io/inject'] === 'disabled') return
  const pod = String(doc.kind).toLowerCase() === 'pod'
  const patch = computePodPatch(
    {
      kind: String(doc.kind),
      name: String(doc.metadata?.name ?? ''),
      namespace: String(doc.metadata?.namespace ?? ''),
      workloadAnnotations: (pod ? t.metadata?.annotations : doc.metadata?.annotations) ?? {},
      metadata: t.metadata,
      spec: t.spec,
    },
    config,
  )
  applyPodPatch(t, patch)
}

describe('manual pod patch against the Linkerd goldens', () => {
  const cases = loadCases().filter((c) => c.mode === 'manual' && c.golden && c.exit_code === 0 && !c.input.endsWith('/resources'))
  for (const c of cases) {
    test(`${c.id} ${c.input}`, () => {
      const {base, run} = caseValues(c)
      const values = toInjectValues(run)
      const config: ManualConfig = {
        values,
        controlPlaneNamespace: 'linkerd',
        // The uninject-then-inject tests compare the run with the base; the others pass none.
        overrideAnnotations: c.base === 'uninject-then-inject' ? overrideAnnotations(values, toInjectValues(base)) : {},
        createdBy: GOLDEN_CREATED_BY,
        enableDebugSidecar: c.flags['--enable-debug-sidecar'] === true,
      }
      const docs = readDocs(`${conformanceDir}/${c.input}`) as Obj[]
      const golden = readDocs(`${conformanceDir}/${c.golden}`)
      for (const doc of docs) if (doc) inject(doc, config, c.base === 'uninject-then-inject')
      assert.deepEqual(
        docs.map((d) => normalise(d)),
        golden.slice(0, docs.length).map((d) => normalise(d)),
      )
    })
  }
})

describe('pod inbound ports', () => {
  test('container and probe ports, sorted as strings like Linkerd', () => {
    const spec: PodSpec = {
      containers: [{name: 'a', ports: [{containerPort: 80}, {containerPort: 10000}], readinessProbe: {httpGet: {port: 9090}}, livenessProbe: {httpGet: {port: 'http'}}}],
      initContainers: [{name: 'b', ports: [{containerPort: 80}]}],
    }
    assert.equal(podInboundPorts(spec), '10000,80,9090')
  })
})

describe('namespace settings (--from-cluster)', () => {
  test('a pod inherits its Namespace\'s proxy settings it does not set itself, written as the webhook writes them', () => {
    const {run} = caseValues(loadCases().find((c) => c.id === 'uai-00')!)
    const config: ManualConfig = {
      values: toInjectValues(run),
      controlPlaneNamespace: 'linkerd',
      overrideAnnotations: {},
      createdBy: 'meshport/cli test',
      namespaceAnnotations: new Map([['shop', {'config.linkerd.io/proxy-cpu-limit': '2', 'config.linkerd.io/admin-port': '9999', 'linkerd.io/inject': 'enabled'}]]),
    }
    const pod = (namespace: string) => ({
      kind: 'Deployment',
      name: 'web',
      namespace,
      workloadAnnotations: {},
      metadata: {annotations: {'config.linkerd.io/admin-port': '8888'}},
      spec: {containers: [{name: 'web', ports: [{containerPort: 80}]}]},
    })
    const patch = computePodPatch(pod('shop'), config)
    const annotations = Object.fromEntries(patch.annotations)
    assert.equal(annotations['config.linkerd.io/proxy-cpu-limit'], '2')
    assert.equal(annotations['config.linkerd.io/admin-port'], undefined, 'the pod\'s own value is not overwritten')
    assert.equal(annotations['linkerd.io/inject'], undefined)
    const proxy = patch.initContainersFirst[1] as {env: {name: string; value?: string}[]; ports: {containerPort: number}[]}
    assert.equal(proxy.env.find((e) => e.name === 'LINKERD2_PROXY_CORES_MAX')?.value, '2')
    assert.equal(proxy.ports[1]?.containerPort, 8888)
    const elsewhere = computePodPatch(pod('other'), config)
    assert.equal(Object.fromEntries(elsewhere.annotations)['config.linkerd.io/proxy-cpu-limit'], undefined)
  })
})
