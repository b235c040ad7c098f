// linkerd-multicluster against the simulator's objects in memory: the remote side through a
// factory the test controls (the command's builds real clients from the Links' kubeconfigs).
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {linkerdMulticluster} from '../../src/checks/categories/linkerd-multicluster.js'
import {createContext, type CheckSettings} from '../../src/checks/context.js'
import type {RemoteKubeFactory} from '../../src/checks/remote.js'
import {runChecks} from '../../src/checks/runner.js'
import {fakeKube, type PlainObject} from '../helpers/fake-kube.js'
import {fakeKubeFromScenario} from '../helpers/sim.js'

const settings: CheckSettings = {mode: 'control-plane', controlPlaneNamespace: 'linkerd', dataPlaneNamespace: undefined, certExpiryThresholdMs: 60 * 86_400_000, offline: true, requestTimeoutMs: 2000, expectedVersion: undefined, versionCheckUrl: '', now: Date.now}
const scenario = {name: 'mc', linkerd: {namespace: 'linkerd'}, namespaces: [], multicluster: {links: [{name: 'east'}]}}

async function run(source: ReturnType<typeof fakeKubeFromScenario>, remoteKube?: RemoteKubeFactory) {
  const {kube, cluster} = source
  const ctx = createContext(kube, settings, remoteKube ? {remoteKube} : {})
  const report = await runChecks([linkerdMulticluster], ctx, {checkTimeoutMs: 5000})
  await ctx.remotes.close()
  return {byId: new Map(report.categories.flatMap((c) => c.checks).map((c) => [c.id, c])), cluster}
}

describe('linkerd-multicluster (in memory)', () => {
  test('without a client for other clusters the remote checks say they were not checked', async () => {
    const {byId} = await run(fakeKubeFromScenario(scenario))
    assert.equal(byId.get('linkerd-multicluster.remote-credentials')?.error, 'Problematic clusters:\n\t* east: not checked: this run has no client for other clusters')
    assert.equal(byId.get('linkerd-multicluster.gateways-alive')?.result, 'success')
  })

  test("the remote client comes from the Link's Secret, once, and is closed after the run", async () => {
    const source = fakeKubeFromScenario(scenario)
    const {cluster} = source
    const linkerdConfig = cluster.objects.find((o) => o.kind === 'ConfigMap' && (o.metadata as {name: string}).name === 'linkerd-config') as unknown as PlainObject
    const made: string[] = []
    let closed = 0
    const remoteKube: RemoteKubeFactory = async (_kubeconfig, source) => {
      made.push(source)
      const remote = fakeKube({objects: [linkerdConfig], access: (a) => a.resource === 'services' && a.verb !== 'watch'})
      return {...remote, close: async () => void closed++}
    }
    const {byId} = await run(source, remoteKube)
    assert.deepEqual(made, ['secret/cluster-credentials-east in linkerd-multicluster'])
    assert.equal(closed, 1)
    assert.equal(byId.get('linkerd-multicluster.remote-credentials')?.error, 'Problematic clusters:\n\t* east: missing service permission [watch] for cluster [east]')
    assert.equal(byId.get('linkerd-multicluster.trust-anchors-shared')?.result, 'success')
  })
})
