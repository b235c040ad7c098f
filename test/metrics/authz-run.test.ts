// viz authz's direct run in-process, on the policy scenario's simulated proxies (no sockets): what
// the API cannot tell is a warning, and the proxies' numbers still come.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {ClusterError} from '../../src/errors.js'
import {authzCell} from '../../src/metrics/authz-report.js'
import type {KubeClient} from '../../src/kube/types.js'
import {runAuthz as run, type AuthzRequest} from '../../src/metrics/authz-run.js'
import {DirectSource} from '../../src/metrics/direct-source.js'
import {fakeKubeFromScenario} from '../helpers/sim.js'

const request = (kind: string, name: string | undefined, namespace: string | undefined): AuthzRequest => ({
  controlPlaneNamespace: 'linkerd',
  includeAdmin: false,
  namespace,
  target: {custom: false, kind, ...(name === undefined ? {} : {name})},
  windowMs: 1000,
})

const runAuthz = (kube: KubeClient, req: AuthzRequest) => run(kube, req, new DirectSource(kube, {concurrency: 4, scrapeVia: 'auto', timeoutMs: 5000}))

describe('viz authz, direct', () => {
  test('policy objects RBAC hides and an unreadable linkerd-config are warnings; the proxies still answer', async () => {
    const forbidden = new ClusterError('forbidden', {code: 'KUBE_FORBIDDEN'})
    const {kube} = fakeKubeFromScenario('policy', {failures: {getConfigMap: forbidden, listCustom: forbidden}})
    const run = await runAuthz(kube, request('deployment', 'loadgen', 'shop'))
    assert.match(run.warnings.join('\n'), /cannot list servers\.policy\.linkerd\.io \(forbidden\)/)
    assert.match(run.warnings.join('\n'), /cannot read configmap\/linkerd-config in linkerd \(forbidden\): the cluster's default inbound policy is taken to be the chart's/)
    // With no Server known, every port gets the default; without linkerd-config, the chart's.
    assert.deepEqual(run.defaults, [{namespace: 'shop', pods: 1, policy: 'all-unauthenticated', ports: [9100], source: 'chart'}])
    const api = await runAuthz(kube, request('deployment', 'api', 'shop'))
    assert.deepEqual(api.rows.map((r) => authzCell(r.key)).sort(), ['', 'authorizationpolicy/api-from-web'], 'rows come from the series even without the objects')
  })

  test('a missing name or namespace, an unknown custom type, every resource of a type together', async () => {
    const {kube} = fakeKubeFromScenario('policy')
    assert.deepEqual((await runAuthz(kube, request('deployment', 'nope', 'shop'))).notFound, ['deployment/nope in namespace shop'])
    assert.deepEqual((await runAuthz(kube, request('deployment', 'web', 'nowhere'))).notFound, ['namespace nowhere'])
    // A name that exists without pods (scaled to zero) has no traffic, and is no error.
    const idle = await runAuthz(kube, {...request('deployment', 'web', 'shop'), labelSelector: 'app=nope'})
    assert.deepEqual([idle.notFound, idle.rows], [[], []])
    assert.equal((await runAuthz(kube, {...request('clonesets', undefined, 'shop'), target: {custom: true, kind: 'clonesets'}})).unknownType, true)
    const all = await runAuthz(kube, request('deployment', undefined, 'shop'))
    assert.equal(all.pods, 6)
    assert.deepEqual([...new Set(all.servers.map((s) => s.name))].sort(), ['api-http', 'web-http'])
    assert.deepEqual(all.defaults.map((d) => [d.policy, d.source, d.ports]), [['cluster-unauthenticated', 'cluster', [9100]]])
  })
})
