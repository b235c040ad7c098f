import assert from 'node:assert/strict'
import {test} from 'node:test'

import {parseManifestText} from '../../src/diagnose/manifest-source.js'
import {findWorkloads} from '../../src/diagnose/manifest-workloads.js'
import {InputError} from '../../src/errors.js'

const text = `apiVersion: v1
kind: Namespace
metadata: {name: shop, annotations: {linkerd.io/inject: enabled}}
---
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            config.linkerd.io/admin-port: 9990
        spec:
          containers: [{name: c, ports: [{containerPort: 9990}]}]
---
kind: List
items:
- kind: Pod
  metadata: {name: solo}
  spec: {containers: []}
- kind: Service
  metadata: {name: svc}
---
`

test('pod templates of every kind, List items, Namespaces, and numbers typed as text', () => {
  const docs = parseManifestText(text, 'all.yaml')
  assert.deepEqual(docs.map((d) => [d.index, d.line]), [[1, 1], [2, 5], [3, 17]])
  const set = findWorkloads(docs)
  assert.deepEqual(set.workloads.map((w) => `${w.kind}/${w.name}@${w.source}`), ['CronJob/nightly@all.yaml, document 2', 'Pod/solo@all.yaml, document 3, item 1'])
  assert.equal(set.workloads[0]?.template.metadata?.annotations?.['config.linkerd.io/admin-port'], '9990')
  assert.deepEqual(set.namespaces.get('shop'), {'linkerd.io/inject': 'enabled'})
})

test('a YAML error is an InputError with document, line and column', () => {
  assert.throws(
    () => parseManifestText('a: 1\n---\nb: [\n', 'x.yaml'),
    (err: unknown) => err instanceof InputError && err.location.document === 2 && err.location.line !== undefined,
  )
})
