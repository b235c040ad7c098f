import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {PlainObject} from '../helpers/fake-kube.js'
import {controlPlane} from './fixtures/cluster.js'
import {runFake} from './fixtures/run.js'

const ID = 'gateway-api-crd.crds-installed'
const gatewayCrd = (objects: PlainObject[], plural: string) => objects.find((o) => o.metadata?.name === `${plural}.gateway.networking.k8s.io`) as unknown as {metadata: {annotations?: Record<string, string>}; spec: {versions: Array<{name: string; served: boolean}>}}

describe('gateway-api-crd', () => {
  test('installed at v1: passes and says who manages the CRDs, in every mode', async () => {
    for (const mode of ['pre', 'control-plane', 'proxy'] as const) {
      const {byId} = await runFake({mode})
      assert.equal(byId.get(ID)?.result, 'success', mode)
      assert.equal(byId.get(ID)?.detail, 'installed outside Linkerd')
    }
    const objects = controlPlane()
    for (const plural of ['httproutes', 'grpcroutes']) gatewayCrd(objects, plural).metadata.annotations = {'linkerd.io/created-by': 'linkerd/helm edge-26.8.3', 'gateway.networking.k8s.io/bundle-version': 'v1.1.1'}
    const managed = await runFake({mode: 'control-plane', objects})
    assert.equal(managed.byId.get(ID)?.detail, 'installed by Linkerd (linkerd/helm edge-26.8.3) (Gateway API v1.1.1)')
  })

  test('absent: fatal, with the install command, and later categories do not run', async () => {
    const objects = controlPlane({omit: ['CustomResourceDefinition/httproutes.gateway.networking.k8s.io', 'CustomResourceDefinition/grpcroutes.gateway.networking.k8s.io']})
    const {byId, report} = await runFake({mode: 'control-plane', objects})
    assert.equal(byId.get(ID)?.result, 'error')
    assert.match(byId.get(ID)?.error ?? '', /must be installed prior to installing Linkerd.*\n\nkubectl apply --server-side -f https:\/\/github.com\/kubernetes-sigs\/gateway-api\/releases/s)
    assert.equal(byId.get(ID)?.hint, 'https://linkerd.io/2/checks/#gateway-api-crd')
    assert.equal(report.stoppedBy, ID)
    assert.equal(byId.get('linkerd-existence.config-map-exists')?.result, 'skipped')
  })

  test('one CRD missing or not serving v1 fails and names it', async () => {
    const objects = controlPlane({omit: ['CustomResourceDefinition/grpcroutes.gateway.networking.k8s.io']})
    gatewayCrd(objects, 'httproutes').spec.versions = [{name: 'v1beta1', served: true}, {name: 'v1', served: false}]
    const {byId} = await runFake({mode: 'control-plane', objects})
    assert.equal(byId.get(ID)?.error, 'the httproutes.gateway.networking.k8s.io CRD serves v1beta1 but not v1; upgrade to Gateway API v1.1.1 or later\nmissing grpcroutes.gateway.networking.k8s.io')
  })
})
