// Tests read parsed manifests by deep paths; typing each shape would add nothing.
/* eslint-disable @typescript-eslint/no-explicit-any */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {parseAllDocuments} from 'yaml'

import {InputError} from '../../src/errors.js'
import {linkerd2Testdata} from '../helpers/testdata.js'
import {inject, options, run, uninject} from './helpers.js'

const DEPLOYMENT = `# web tier: Flux updates the tag below
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop   # team shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web # keep me
    spec:
      containers:
      - name: web
        image: "ghcr.io/example/web:1.2.3" # {"$imagepolicy": "flux-system:web"}
        args: ['--port', "8080"]
        command:
          - /bin/sh
          - -c
          - |
            echo starting
            exec web
`

function values(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS())
}

describe('inject (annotation mode)', () => {
  test('adds linkerd.io/inject to the pod template and keeps every other byte', () => {
    const {out, report} = inject(DEPLOYMENT)
    assert.equal(out, DEPLOYMENT.replace('        app: web # keep me\n', '        app: web # keep me\n      annotations:\n        linkerd.io/inject: enabled\n'))
    assert.equal(report, '\ndeployment "web" injected\n\n')
  })

  test('copies documents it does not change byte for byte', () => {
    const text = `# config
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  a:   "1"    # odd spacing stays
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
...
`
    const {out, report, changed} = inject(text)
    assert.equal(out, text)
    assert.equal(changed, false)
    assert.equal(report, '\n‼ no supported objects found\n\nconfigmap "cfg" skipped\nservice "web" skipped\n\n')
  })

  test('writes one config annotation per flag that differs from the default', () => {
    const {out} = inject(DEPLOYMENT, {'admin-port': '1234', 'proxy-cpu-request': '100m', 'skip-outbound-ports': '5432,6000-6010', 'inbound-port': '4143'})
    const tpl = (values(out)[0] as any).spec.template.metadata
    assert.deepEqual(tpl.annotations, {
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/admin-port': '1234',
      'config.linkerd.io/skip-outbound-ports': '5432,6000-6010',
      'config.linkerd.io/proxy-cpu-request': '100m',
    })
    assert.match(out, /config.linkerd.io\/admin-port: "1234"\n/)
  })

  test('--ingress writes linkerd.io/inject: ingress', () => {
    const {out} = inject(DEPLOYMENT, {ingress: true})
    assert.match(out, /linkerd.io\/inject: ingress\n/)
    assert.doesNotMatch(out, /enabled/)
  })

  test('is idempotent, and re-inject with other flags replaces the old values', () => {
    const once = inject(DEPLOYMENT, {'admin-port': '1234'}).out
    const twice = inject(once, {'admin-port': '1234'})
    assert.equal(twice.out, once)
    assert.equal(twice.changed, false)
    assert.equal(twice.report, '\ndeployment "web" injected\n\n')
    const other = inject(once, {'admin-port': '5678', ingress: true}).out
    const annotations = (values(other)[0] as any).spec.template.metadata.annotations
    assert.equal(annotations['config.linkerd.io/admin-port'], '5678')
    assert.equal(annotations['linkerd.io/inject'], 'ingress')
  })

  test('uninject(inject(x)) gives x back byte for byte', () => {
    const inputs = [
      DEPLOYMENT,
      readFileSync('examples/emojivoto.yml', 'utf8'),
      'kind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: a, image: b}]\n',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: c\n            image: x\n',
      'kind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata: {labels: {app: d}}\n    spec: {containers: [{name: d, image: x}]}\n',
      '{\n  "apiVersion": "apps/v1",\n  "kind": "Deployment",\n  "metadata": {"name": "j"},\n  "spec": {"template": {"spec": {"containers": [{"name": "j", "image": "x"}]}}}\n}\n',
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: a\n  spec:\n    template:\n      metadata:\n        labels:\n          app: a\n      spec:\n        containers:\n        - name: a\n          image: x\n',
    ]
    for (const x of inputs) {
      const injected = inject(x).out
      assert.notEqual(injected, x)
      assert.equal(uninject(injected).out, x, `round trip of:\n${x}`)
    }
  })

  test('annotates every kind with a pod template at its own path', () => {
    const pod = (kind: string, extra = '') => `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: x\nspec:\n${extra}  template:\n    spec:\n      containers:\n      - name: x\n        image: y\n`
    for (const kind of ['Deployment', 'ReplicaSet', 'ReplicationController', 'StatefulSet', 'DaemonSet', 'Job', 'deployment']) {
      const value = values(inject(pod(kind)).out)[0] as any
      assert.equal(value.spec.template.metadata.annotations['linkerd.io/inject'], 'enabled', kind)
    }
    const bare = values(inject('kind: Pod\nmetadata:\n  generateName: job-\nspec:\n  containers: []\n').out)[0] as any
    assert.equal(bare.metadata.annotations['linkerd.io/inject'], 'enabled')
    assert.equal(inject('kind: Pod\nmetadata:\n  generateName: job-\nspec:\n  containers: []\n').report, '\npod "job-" injected\n\n')
  })

  test('annotates a Namespace itself, and a Service only for --opaque-ports', () => {
    const ns = inject('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n', {'proxy-cpu-request': '50m'})
    assert.deepEqual((values(ns.out)[0] as any).metadata.annotations, {'linkerd.io/inject': 'enabled', 'config.linkerd.io/proxy-cpu-request': '50m'})
    assert.equal(ns.report, '\nnamespace "shop" annotated\n\n')
    const svc = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n'
    assert.equal(inject(svc).out, svc)
    const opaque = inject(svc, {'opaque-ports': '5432'})
    assert.deepEqual((values(opaque.out)[0] as any).metadata.annotations, {'config.linkerd.io/opaque-ports': '5432'})
    assert.equal(opaque.report, '\nservice "db" annotated\n\n')
  })

  test('knows Argo Rollouts and kinds named with --pod-template-path', () => {
    const rollout = 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n  template:\n    spec:\n      containers: []\n'
    assert.equal((values(inject(rollout).out)[0] as any).spec.template.metadata.annotations['linkerd.io/inject'], 'enabled')
    const custom = 'apiVersion: example.com/v1\nkind: Workload\nmetadata:\n  name: w\nspec:\n  pod:\n    template:\n      spec: {}\n'
    assert.equal(inject(custom).out, custom)
    for (const flag of ['Workload=.spec.pod.template', 'example.com/Workload=spec.pod.template']) {
      const out = inject(custom, {'pod-template-path': [flag]}).out
      assert.equal((values(out)[0] as any).spec.pod.template.metadata.annotations['linkerd.io/inject'], 'enabled', flag)
    }
    assert.equal(inject(custom, {'pod-template-path': ['other.io/Workload=.spec.pod.template']}).out, custom)
  })

  test('skips pod templates annotated linkerd.io/inject: disabled, with the warning', () => {
    const text = DEPLOYMENT.replace('        app: web # keep me\n', '        app: web # keep me\n      annotations:\n        linkerd.io/inject: disabled\n')
    const result = inject(text)
    assert.equal(result.out, text)
    assert.equal(result.report, '\n‼ "linkerd.io/inject: disabled" annotation set on deployment/web\n\ndeployment "web" skipped\n\n')
  })

  test('refuses hostNetwork, third-party sidecars and control-plane components, as Linkerd', () => {
    assert.deepEqual(inject(DEPLOYMENT.replace('    spec:\n      containers:', '    spec:\n      hostNetwork: true\n      containers:')).errors, ['failed to inject deployment/web: hostNetwork is enabled'])
    const istio = DEPLOYMENT.replace('      containers:\n', '      containers:\n      - name: istio-proxy\n        image: gcr.io/istio-release/proxyv2:1.20\n')
    assert.deepEqual(inject(istio).errors, ['failed to inject deployment/web: pod has a sidecar injected already'])
    const both = istio.replace('    spec:\n      containers:', '    spec:\n      hostNetwork: true\n      containers:').replace('- name: web\n', '- name: web\n        ports:\n        - containerPort: 53\n          protocol: UDP\n')
    assert.deepEqual(inject(both).errors, ['failed to inject deployment/web: hostNetwork is enabled, pod has a sidecar injected already, pod specs do not include UDP ports'])
    const cp = DEPLOYMENT.replace('        app: web # keep me\n', '        app: web # keep me\n        linkerd.io/control-plane-component: destination\n')
    assert.deepEqual(inject(cp).errors, ['--manual must be set when injecting control plane components'])
    const automount = DEPLOYMENT.replace('    spec:\n      containers:', '    spec:\n      automountServiceAccountToken: false\n      containers:')
    assert.deepEqual(inject(automount).errors, [])
    assert.match(run('inject', automount, {...options(), tokenProjection: false}).errors[0]!, /automountServiceAccountToken set to "false"/)
  })

  test('warns about UDP ports but injects', () => {
    const udp = DEPLOYMENT.replace('- name: web\n', '- name: web\n        ports:\n        - containerPort: 53\n          protocol: UDP\n')
    const result = inject(udp)
    assert.equal(result.errors.length, 0)
    assert.equal(result.report, '\n‼ deployment/web uses "protocol: UDP"\n\ndeployment "web" injected\n\n')
  })

  test('unpacks kind: List and reports empty documents and null items', () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: a\n  spec:\n    template:\n      spec:\n        containers: []\n- null\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: s\n---\n\n---\n`
    const result = inject(text)
    const list = values(result.out)[0] as any
    assert.equal(list.items[0].spec.template.metadata.annotations['linkerd.io/inject'], 'enabled')
    assert.equal(list.items[1], null)
    assert.equal(result.report, '\ndeployment "a" injected\ndocument missing "kind" field, skipped\nservice "s" skipped\ndocument missing "kind" field, skipped\n\n')
  })

  test('keeps JSON input JSON, in its own spacing', () => {
    const json = '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {\n    "name": "p"\n  },\n  "spec": {"containers": []}\n}\n'
    const out = inject(json).out
    assert.equal(uninject(out).out, json)
    assert.deepEqual(JSON.parse(out), {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p', annotations: {'linkerd.io/inject': 'enabled'}}, spec: {containers: []}})
    assert.match(out, /^\{\n {2}"apiVersion"/)
    assert.match(out, /"name": "p", "annotations": \{"linkerd.io\/inject": "enabled"\}/)
    const stream = inject('{"kind":"Pod","metadata":{"name":"a"}}\n{"kind":"Service","metadata":{"name":"b"}}\n')
    assert.equal(stream.out, '{"kind":"Pod","metadata":{"name":"a","annotations":{"linkerd.io/inject":"enabled"}}}\n{"kind":"Service","metadata":{"name":"b"}}\n')
  })

  test('names the file, document, line and column of invalid YAML', () => {
    const docs = Array.from({length: 10_000}, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n`)
    docs[4999] = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n   bad: indent\n'
    assert.throws(() => inject(docs.join('---\n')), (error: unknown) => {
      assert.ok(error instanceof InputError)
      assert.equal(error.location.document, 5000)
      assert.equal(error.location.source, 'test.yml')
      // The yaml library stops at the key whose value runs on (line 4 of the document).
      assert.equal(error.location.line, 4999 * 5 + 4)
      assert.equal(error.location.column, 9)
      assert.match(error.message, /^test\.yml \(document 5000\):\d+:\d+: /)
      return true
    })
  })

  test('replays the annotate goldens from the same input as Linkerd (uai-01)', () => {
    const dir = linkerd2Testdata('inject')
    const out = inject(readFileSync(`${dir}/inject_emojivoto_deployment.input.yml`, 'utf8'), {'admin-port': '1234'}).out
    assert.deepEqual(values(out).filter(Boolean), values(readFileSync(`${dir}/inject_emojivoto_deployment_overridden_noinject.golden.yml`, 'utf8')).filter(Boolean))
  })
})

describe('uninject', () => {
  const manual = (layout: 'native' | 'legacy') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    linkerd.io/created-by: linkerd/cli stable
spec:
  template:
    metadata:
      annotations:
        linkerd.io/proxy-version: v1
        config.linkerd.io/admin-port: "9999"
      labels:
        app: web
        linkerd.io/control-plane-ns: linkerd
        linkerd.io/proxy-deployment: web
    spec:
${layout === 'native' ? `      initContainers:
      - name: linkerd-init
        image: cr.l5d.io/linkerd/proxy:v1
      - name: linkerd-proxy
        image: cr.l5d.io/linkerd/proxy:v1
        restartPolicy: Always
      - name: app-init
        image: busybox
      containers:
      - name: web
        image: web
      - name: linkerd-debug
        image: cr.l5d.io/linkerd/debug:v1
` : `      containers:
      - name: linkerd-proxy
        image: cr.l5d.io/linkerd/proxy:v1
      - name: web
        image: web
      initContainers:
      - name: app-init
        image: busybox
      - name: linkerd-init
        image: cr.l5d.io/linkerd/proxy:v1
`}      volumes:
      - name: data
        emptyDir: {}
      - name: linkerd-proxy-init-xtables-lock
        emptyDir: {}
      - name: linkerd-identity-end-entity
        emptyDir:
          medium: Memory
      - name: linkerd-identity-token
        projected:
          sources:
          - serviceAccountToken: {path: linkerd-identity-token}
`

  for (const layout of ['native', 'legacy'] as const) {
    test(`removes manually injected content (${layout} layout)`, () => {
      const result = uninject(manual(layout))
      const value = values(result.out)[0] as any
      assert.equal(value.metadata.annotations, undefined)
      assert.deepEqual(value.spec.template.metadata, {annotations: {'config.linkerd.io/admin-port': '9999'}, labels: {app: 'web'}})
      assert.deepEqual(value.spec.template.spec.initContainers, [{name: 'app-init', image: 'busybox'}])
      assert.deepEqual(value.spec.template.spec.containers, [{name: 'web', image: 'web'}])
      assert.deepEqual(value.spec.template.spec.volumes, [{name: 'data', emptyDir: {}}])
      assert.equal(result.report, '\ndeployment "web" uninjected\n\n')
    })
  }

  test('keeps linkerd.io/inject: disabled and reports untouched objects as skipped', () => {
    const text = 'kind: Pod\nmetadata:\n  name: p\n  annotations:\n    linkerd.io/inject: disabled\nspec: {}\n---\nkind: ConfigMap\nmetadata:\n  name: c\n'
    const result = uninject(text)
    assert.equal(result.out, text)
    assert.equal(result.report, '\npod "p" skipped\nconfigmap "c" skipped\n\n')
  })
})
