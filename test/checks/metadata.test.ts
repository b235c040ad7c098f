import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {opaquePortMismatches} from '../../src/checks/metadata.js'
import type {V1Pod, V1Service} from '../../src/kube/types.js'
import type {PlainObject} from '../helpers/fake-kube.js'
import {controlPlane, meshedPod} from './fixtures/cluster.js'
import {runFake} from './fixtures/run.js'

const service = (name: string, ports: Array<{port: number; targetPort?: number | string}>, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): PlainObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace: 'shop', annotations, labels},
  spec: {clusterIP: '10.43.0.9', ports},
})
const endpoints = (name: string, pods: string[]): PlainObject => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: {name, namespace: 'shop'},
  subsets: [{addresses: pods.map((pod, i) => ({ip: `10.42.0.${i + 2}`, targetRef: {kind: 'Pod', name: pod, namespace: 'shop'}})), ports: [{port: 8080}]}],
})
const opaquePod = (name: string, opaque: string | undefined, ports = [{containerPort: 8080, name: 'http'}, {containerPort: 3306, name: 'mysql'}]) =>
  meshedPod({name, namespace: 'shop', ports, ...(opaque === undefined ? {} : {annotations: {'config.linkerd.io/opaque-ports': opaque}})})
const asService = (o: PlainObject) => o as unknown as V1Service
const asPod = (o: PlainObject) => o as unknown as V1Pod

describe('opaque ports of a Service and its pods', () => {
  test('agreeing declarations, ranges and port names pass', () => {
    assert.deepEqual(opaquePortMismatches(asService(service('db', [{port: 3306, targetPort: 3306}], {'config.linkerd.io/opaque-ports': '3306'})), asPod(opaquePod('db-1', '3306'))), [])
    assert.deepEqual(opaquePortMismatches(asService(service('db', [{port: 13306, targetPort: 'mysql'}], {'config.linkerd.io/opaque-ports': '13000-14000'})), asPod(opaquePod('db-1', 'mysql'))), [])
    // Opaque on neither side, or on a port no Service port reaches.
    assert.deepEqual(opaquePortMismatches(asService(service('web', [{port: 80, targetPort: 8080}])), asPod(opaquePod('web-1', '3306'))), [])
  })

  test("each side's missing declaration is named, in Linkerd's words", () => {
    assert.deepEqual(opaquePortMismatches(asService(service('db', [{port: 3306, targetPort: 3306}], {'config.linkerd.io/opaque-ports': '3306'})), asPod(opaquePod('db-1', undefined))), [
      'service db expects target port 3306 to be opaque; add it to pod db-1 config.linkerd.io/opaque-ports annotation',
    ])
    assert.deepEqual(opaquePortMismatches(asService(service('db', [{port: 13306, targetPort: 3306}])), asPod(opaquePod('db-1', '3306'))), [
      'service db targets the opaque port 3306 through 13306; add 13306 to its config.linkerd.io/opaque-ports annotation',
    ])
    assert.deepEqual(opaquePortMismatches(asService(service('db', [{port: 13306, targetPort: 'mysql'}])), asPod(opaquePod('db-1', '3306'))), [
      'service db targets the opaque port mysql through 13306; add 13306 to its config.linkerd.io/opaque-ports annotation',
    ])
  })
})

describe('data-plane metadata checks', () => {
  test('healthy: pass', async () => {
    const {byId} = await runFake()
    for (const id of ['pod-labels', 'service-labels', 'service-annotations', 'opaque-ports-annotated']) assert.equal(byId.get(`data-plane.${id}`)?.result, 'success', id)
  })

  test('Linkerd keys in the wrong place and opaque-ports mismatches warn, naming the objects', async () => {
    const pod = meshedPod({name: 'web-1', namespace: 'shop', annotations: {'config.linkerd.io/opaque-ports': '8080'}})
    ;(pod.metadata!.labels as Record<string, string>)['config.linkerd.io/skip-inbound-ports'] = '9000'
    const objects = [
      ...controlPlane({dataPlanePods: [pod, meshedPod({name: 'web-2', namespace: 'shop'})]}),
      service('web', [{port: 80, targetPort: 8080}], {'mirror.linkerd.io/exported': 'true'}, {'linkerd.io/inject': 'enabled'}),
      endpoints('web', ['web-1', 'web-2']),
    ]
    const {byId} = await runFake({objects})
    assert.equal(byId.get('data-plane.pod-labels')?.error, 'Some labels on data plane pods should be annotations:\n\t* pod/web-1 in shop: config.linkerd.io/skip-inbound-ports')
    assert.equal(byId.get('data-plane.service-labels')?.error, 'Some labels on data plane services should be annotations:\n\t* service/web in shop: linkerd.io/inject')
    assert.equal(byId.get('data-plane.service-annotations')?.error, 'Some annotations on data plane services should be labels:\n\t* service/web in shop: mirror.linkerd.io/exported')
    const opaque = byId.get('data-plane.opaque-ports-annotated')
    assert.equal(opaque?.result, 'warning')
    assert.equal(opaque?.error, '1 Service/pod opaque-ports mismatch(es):\n\t* service web targets the opaque port 8080 through 80; add 80 to its config.linkerd.io/opaque-ports annotation')
    assert.equal(opaque?.hint, 'https://linkerd.io/2/checks/#linkerd-opaque-ports-definition')
  })
})
