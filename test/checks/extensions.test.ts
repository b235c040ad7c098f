import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {PlainObject} from '../helpers/fake-kube.js'
import {controlPlane, GATEWAY_API_OBJECTS, meshedPod} from './fixtures/cluster.js'
import {runFake} from './fixtures/run.js'

const ID = 'linkerd-extension-checks.namespace-labels'
const ns = (name: string, extension?: string): PlainObject => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels: extension ? {'linkerd.io/extension': extension} : {}}})

describe('linkerd-extension-checks', () => {
  test('one labelled namespace per extension passes', async () => {
    const {byId} = await runFake({mode: 'control-plane', objects: [...controlPlane(), ns('linkerd-viz', 'viz'), ns('linkerd-multicluster', 'multicluster')]})
    assert.equal(byId.get(ID)?.result, 'success')
  })

  test("a label on two namespaces, or an extension's pods in an unlabelled namespace, warn", async () => {
    const jaeger = meshedPod({name: 'collector-1', namespace: 'tracing'})
    ;(jaeger.metadata!.labels as Record<string, string>)['linkerd.io/extension'] = 'jaeger'
    const objects = [...controlPlane({dataPlanePods: [jaeger]}), ns('linkerd-viz', 'viz'), ns('viz-old', 'viz'), ns('tracing')]
    const {byId} = await runFake({mode: 'control-plane', objects})
    assert.equal(byId.get(ID)?.result, 'warning')
    assert.equal(
      byId.get(ID)?.error,
      'some extensions have invalid configuration\n\t* label "linkerd.io/extension=viz" is present on more than one namespace:\n\t\t* linkerd-viz\n\t\t* viz-old\n\t* namespace tracing holds pods of the jaeger extension but is not labelled "linkerd.io/extension=jaeger": linkerd check and the extension\'s CLI do not find it',
    )
  })
})

describe('check --crds: linkerd-crd', () => {
  test('passes once the CRDs are installed, before the control plane; names each missing CRD', async () => {
    const crdsOnly = controlPlane().filter((o) => o.kind === 'CustomResourceDefinition')
    const installed = await runFake({mode: 'crds', objects: crdsOnly})
    assert.deepEqual(installed.report.categories.map((c) => c.id), ['kubernetes-api', 'kubernetes-version', 'gateway-api-crd', 'linkerd-crd'])
    assert.equal(installed.report.success, true)
    const bare = await runFake({mode: 'crds', objects: GATEWAY_API_OBJECTS})
    const crds = bare.byId.get('linkerd-crd.crds-exist')
    assert.equal(crds?.result, 'error')
    assert.match(crds?.error ?? '', /^missing authorizationpolicies\.policy\.linkerd\.io\n/)
  })
})
