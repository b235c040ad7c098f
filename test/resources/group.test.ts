import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {V1Pod} from '../../src/kube/types.js'
import {groupPods} from '../../src/resources/group.js'
import {buildOwnerIndex, ownerChain} from '../../src/resources/owners.js'
import {isMeshedBy, podStatusText} from '../../src/resources/pods.js'
import {parseTargets} from '../../src/resources/targets.js'

function pod(name: string, owner?: {kind: string; name: string}, phase = 'Running', ns = 'shop'): V1Pod {
  return {
    metadata: {labels: {'linkerd.io/control-plane-ns': 'linkerd'}, name, namespace: ns, ...(owner ? {ownerReferences: [{apiVersion: 'v1', controller: true, kind: owner.kind, name: owner.name, uid: name}]} : {})},
    status: {phase},
  }
}
const owned = (kind: string, name: string, owner: {kind: string; name: string; apiVersion?: string}, ns = 'shop') => ({
  kind,
  metadata: {name, namespace: ns, ownerReferences: [{apiVersion: owner.apiVersion ?? 'apps/v1', controller: true, kind: owner.kind, name: owner.name, uid: name}]},
})

const index = buildOwnerIndex([
  owned('ReplicaSet', 'web-7d9', {kind: 'Deployment', name: 'web'}),
  owned('ReplicaSet', 'canary-5f', {apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'canary'}),
  owned('Job', 'backup-2890', {kind: 'CronJob', name: 'backup'}),
])
const pods = [
  pod('web-7d9-a', {kind: 'ReplicaSet', name: 'web-7d9'}),
  pod('web-7d9-b', {kind: 'ReplicaSet', name: 'web-7d9'}),
  pod('canary-5f-a', {kind: 'ReplicaSet', name: 'canary-5f'}),
  pod('backup-2890-x', {kind: 'Job', name: 'backup-2890'}),
  pod('backup-old', {kind: 'Job', name: 'backup-2890'}, 'Succeeded'),
  pod('db-0', {kind: 'StatefulSet', name: 'db'}),
  pod('kruise-a', {kind: 'CloneSet', name: 'kruise'}),
  pod('bare'),
]

const rowsFor = (args: string[]) => {
  const parsed = parseTargets(args)
  assert.ok(parsed.ok)
  return groupPods(pods, index, parsed)
}

describe('owner chains and grouping', () => {
  test('Pod → ReplicaSet → Deployment, Pod → Job → CronJob, custom owners', () => {
    assert.deepEqual(ownerChain(pods[0]?.metadata ?? {}, index), [
      {kind: 'ReplicaSet', name: 'web-7d9'},
      {kind: 'Deployment', name: 'web'},
    ])
    assert.deepEqual(ownerChain(pods[2]?.metadata ?? {}, index).map((l) => l.kind), ['ReplicaSet', 'Rollout'])
    assert.deepEqual(ownerChain(pods[3]?.metadata ?? {}, index).map((l) => l.kind), ['Job', 'CronJob'])
    assert.deepEqual(ownerChain(pods[7]?.metadata ?? {}, index), [])
  })

  test('deploy rows hold their pods; finished pods are hidden', () => {
    const {rows} = rowsFor(['deploy'])
    assert.deepEqual(rows.map((r) => [r.kind.name, r.name, r.pods.length]), [['deployment', 'web', 2]])
    assert.deepEqual(rowsFor(['cronjob/backup']).rows.map((r) => r.pods.length), [1])
  })

  test('rollout and any custom kind get rows', () => {
    assert.deepEqual(rowsFor(['rollout']).rows.map((r) => r.name), ['canary'])
    assert.deepEqual(rowsFor(['clonesets']).rows.map((r) => [r.kind.name, r.name]), [['cloneset', 'kruise']])
  })

  test('all gives one row per resource of every pod-owning kind, sorted by kind', () => {
    const kinds = [...new Set(rowsFor(['all']).rows.map((r) => r.kind.name))]
    assert.deepEqual(kinds, ['cloneset', 'cronjob', 'deployment', 'job', 'pod', 'replicaset', 'rollout', 'statefulset'])
  })

  test('namespace rows and missing named targets', () => {
    assert.deepEqual(rowsFor(['ns']).rows.map((r) => [r.namespace, r.name, r.pods.length]), [['shop', 'shop', 7]])
    const {missing, rows} = rowsFor(['deploy/nope', 'deploy/web'])
    assert.deepEqual(rows.map((r) => r.name), ['web'])
    assert.deepEqual(missing, [{custom: false, kind: 'deployment', name: 'nope'}])
  })

  test('meshed label and kubectl-like status', () => {
    assert.equal(isMeshedBy(pods[0] as V1Pod, 'linkerd'), true)
    assert.equal(isMeshedBy(pods[0] as V1Pod, 'other'), false)
    assert.equal(podStatusText(pods[0] as V1Pod), 'Running')
    const crash: V1Pod = {metadata: {name: 'x'}, status: {containerStatuses: [{image: 'i', imageID: '', name: 'app', ready: false, restartCount: 3, state: {waiting: {reason: 'CrashLoopBackOff'}}}], phase: 'Running'}}
    assert.equal(podStatusText(crash), 'CrashLoopBackOff')
  })
})
