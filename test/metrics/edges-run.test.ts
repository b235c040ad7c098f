// viz edges' direct run in-process, on the policy scenario's simulated proxies (no sockets): the
// second round for clients elsewhere, and what happens when a client cannot be read.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {ClusterError} from '../../src/errors.js'
import type {KubeClient, ListOptions, ObjectRef} from '../../src/kube/types.js'
import {DirectSource} from '../../src/metrics/direct-source.js'
import {runEdges as run, type EdgesRequest, type EdgesRun} from '../../src/metrics/edges-run.js'
import {fakeKubeFromScenario} from '../helpers/sim.js'

const request = (kind: string, namespace: string | undefined): EdgesRequest => ({controlPlaneNamespace: 'linkerd', namespace, type: {custom: false, kind}})
const runEdges = (kube: KubeClient, req: EdgesRequest) => run(kube, req, new DirectSource(kube, {concurrency: 4, scrapeVia: 'auto', timeoutMs: 5000}))
const keys = (run: EdgesRun): string[] => run.edges.map((e) => `${e.src ? `${e.src.namespace}/${e.src.name}` : 'unmeshed'}>${e.dst.namespace}/${e.dst.name}${e.secured ? '' : ' ×'} ${e.seenBy.client ? 'c' : ''}${e.seenBy.server ? 's' : ''}`)

describe('viz edges, direct', () => {
  test('-n: the namespace first, then the clients its servers saw, wherever they run', async () => {
    const {kube} = fakeKubeFromScenario('policy')
    const run = await runEdges(kube, request('pod', 'billing'))
    assert.equal(run.podsTargeted, 2, 'ledger-0, then the api pod in shop')
    assert.deepEqual(run.errors, [])
    assert.equal(keys(run).length, 2)
    assert.match(keys(run).join('\n'), /^shop\/api-[a-z0-9-]+>billing\/ledger-0 c$/m)
    assert.match(keys(run).join('\n'), /^unmeshed>billing\/ledger-0 × s$/m)
  })

  test('a client that cannot be scraped is named by its identity from its servers', async () => {
    const {kube} = fakeKubeFromScenario('policy', {failures: {proxyGet: (pod) => ((pod as ObjectRef).name.startsWith('web-') ? new Error('connection refused') : undefined)}})
    const run = await runEdges(kube, request('deployment', 'shop'))
    assert.equal(run.errors.length, 2)
    assert.ok(keys(run).includes('shop/web>shop/api s'), keys(run).join('\n'))
    // web's own edges as a server are gone with its scrapes: nobody else reports the unmeshed gateway.
    assert.ok(!keys(run).some((k) => k.startsWith('unmeshed>shop/web')))
  })

  test('without RBAC to list pods everywhere: the namespace alone, clients elsewhere by service account', async () => {
    const forbidden = new ClusterError('pods is forbidden: cannot list resource "pods" at the cluster scope', {code: 'KUBE_FORBIDDEN'})
    const {kube} = fakeKubeFromScenario('policy', {failures: {listPods: (options) => ((options as ListOptions | undefined)?.namespace === undefined ? forbidden : undefined)}})
    const run = await runEdges(kube, request('statefulset', 'billing'))
    assert.match(run.warnings.join('\n'), /cannot list pods in all namespaces \(pods is forbidden/)
    assert.deepEqual(keys(run).sort(), ['shop/sa/api>billing/ledger s', 'unmeshed>billing/ledger × s'])
    await assert.rejects(runEdges(kube, request('statefulset', undefined)), /forbidden/)
  })

  test('a custom type no pod has is reported, not an empty answer', async () => {
    const {kube} = fakeKubeFromScenario('policy')
    const run = await runEdges(kube, {...request('clonesets', 'shop'), type: {custom: true, kind: 'clonesets'}})
    assert.equal(run.unknownType, true)
  })
})
