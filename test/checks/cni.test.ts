import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {PlainObject} from '../helpers/fake-kube.js'
import {controlPlane} from './fixtures/cluster.js'
import {runFake} from './fixtures/run.js'

const id = (check: string) => `linkerd-cni-plugin.${check}`
const CHECKS = ['config-map-exists', 'cluster-role-exists', 'cluster-role-binding-exists', 'service-account-exists', 'daemon-set-exists', 'pods-ready']

function cni(ns: string, ready: number, omit: string[] = []): PlainObject[] {
  const objects: PlainObject[] = [
    {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'linkerd-cni-config', namespace: ns}, data: {}},
    {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name: 'linkerd-cni'}},
    {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: {name: 'linkerd-cni'}, roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'linkerd-cni'}},
    {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'linkerd-cni', namespace: ns}},
    {apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: {name: 'linkerd-cni', namespace: ns}, spec: {selector: {matchLabels: {'k8s-app': 'linkerd-cni'}}, template: {}}, status: {desiredNumberScheduled: 2, numberReady: ready, currentNumberScheduled: 2, numberMisscheduled: 0}},
    ...['a', 'b'].map((suffix, i): PlainObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: `linkerd-cni-${suffix}`, namespace: ns, ownerReferences: [{apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'linkerd-cni', uid: 'x'}]},
      spec: {nodeName: `node-${i}`, containers: [{name: 'install-cni'}]},
      status: {phase: 'Running', conditions: [{type: 'Ready', status: i < ready ? 'True' : 'False'}]},
    })),
  ]
  return objects.filter((o) => !omit.includes(o.kind))
}

describe('linkerd-cni-plugin', () => {
  test('skipped when linkerd-config does not enable CNI', async () => {
    const {byId} = await runFake({mode: 'control-plane'})
    for (const check of CHECKS) assert.equal(byId.get(id(check))?.error, 'skipping check because CNI is not enabled', check)
  })

  test('enabled: every object in --cni-namespace, and a ready pod on every node', async () => {
    const objects = [...controlPlane({values: {cniEnabled: true}}), ...cni('cni', 2)]
    const {byId} = await runFake({mode: 'control-plane', objects, settings: {cniNamespace: 'cni'}})
    for (const check of CHECKS) assert.equal(byId.get(id(check))?.result, 'success', check)
    // The default namespace does not hold them.
    const wrongNs = await runFake({mode: 'control-plane', objects})
    assert.equal(wrongNs.byId.get(id('config-map-exists'))?.error, 'configmap/linkerd-cni-config in linkerd-cni not found (is --cni-namespace right?)')
  })

  test('a missing object or a node without a ready CNI pod fails by name', async () => {
    const objects = [...controlPlane({values: {cniEnabled: true}}), ...cni('linkerd-cni', 1, ['ClusterRoleBinding', 'ServiceAccount'])]
    const {byId} = await runFake({mode: 'proxy', objects})
    assert.equal(byId.get(id('cluster-role-binding-exists'))?.error, 'missing ClusterRoleBinding: linkerd-cni')
    assert.equal(byId.get(id('service-account-exists'))?.error, 'missing ServiceAccount: linkerd-cni in linkerd-cni')
    assert.equal(byId.get(id('pods-ready'))?.error, 'number ready: 1, number scheduled: 2:\n\t* pod/linkerd-cni-b in linkerd-cni on node node-1 is not ready')
    assert.equal(byId.get(id('pods-ready'))?.hint, 'https://linkerd.io/2/checks/#cni-plugin-ready')
  })
})
