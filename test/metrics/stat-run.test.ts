import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {DirectSource} from '../../src/metrics/direct-source.js'
import {runStat, type StatRequest} from '../../src/metrics/stat-run.js'
import type {KubeClient} from '../../src/kube/types.js'
import type {MetricsSource} from '../../src/metrics/source.js'
import {parseTargets} from '../../src/resources/targets.js'
import {fakeKube, type PlainObject, type ProxyHandler} from '../helpers/fake-kube.js'

const LE = ['1', '2', '3', '4', '5', '10', '20', '30', '40', '50', '100', '200', '300', '400', '500', '1000', '2000', '3000', '4000', '5000', '10000', '20000', '30000', '40000', '50000', '+Inf']

function meshedPod(name: string, rs: string, sa: string, adminPortNumber = 4191): PlainObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {labels: {app: rs.split('-')[0] ?? rs, 'linkerd.io/control-plane-ns': 'linkerd'}, name, namespace: 'shop', ownerReferences: [{apiVersion: 'apps/v1', controller: true, kind: 'ReplicaSet', name: rs, uid: rs}]},
    spec: {
      containers: [{name: 'app'}],
      initContainers: [{name: 'linkerd-proxy', ports: [{containerPort: adminPortNumber, name: 'linkerd-admin'}], restartPolicy: 'Always'}],
      serviceAccountName: sa,
    },
    status: {conditions: [{status: 'True', type: 'Ready'}], phase: 'Running', podIP: '10.0.0.1'},
  }
}
const rs = (name: string, deploy: string): PlainObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {name, namespace: 'shop', ownerReferences: [{apiVersion: 'apps/v1', controller: true, kind: 'Deployment', name: deploy, uid: deploy}]},
})

/** A proxy whose counters advance by `perScrape` responses (ok/fail, all at 15 ms) on each scrape. */
function proxy(ok: number, fail: number, clientSa = 'web'): ProxyHandler {
  let scrapes = 0
  return () => {
    scrapes++
    const labels = `direction="inbound",target_addr="10.0.0.1:8080",target_ip="10.0.0.1",target_port="8080",tls="true",client_id="${clientSa}.shop.serviceaccount.identity.linkerd.cluster.local"`
    const lines = [
      '# TYPE response_total counter',
      `response_total{${labels},status_code="200",classification="success",grpc_status="",error=""} ${ok * scrapes}`,
      `response_total{${labels},status_code="503",classification="failure",grpc_status="",error=""} ${fail * scrapes}`,
      '# TYPE response_latency_ms histogram',
      ...LE.map((le) => `response_latency_ms_bucket{${labels},status_code="200",le="${le}"} ${le === '+Inf' || Number(le) >= 20 ? (ok + fail) * scrapes : 0}`),
      '# TYPE tcp_open_connections gauge',
      `tcp_open_connections{direction="inbound",peer="src",target_addr="10.0.0.1:8080",target_ip="10.0.0.1",target_port="8080",tls="true",client_id="${clientSa}.shop.serviceaccount.identity.linkerd.cluster.local"} 2`,
      '# EOF',
      '',
    ]
    return lines.join('\n')
  }
}

const request = (args: string[], extra: Partial<StatRequest> = {}): StatRequest => {
  const parsed = parseTargets(args)
  assert.ok(parsed.ok)
  return {controlPlaneNamespace: 'linkerd', includeAdmin: false, namespace: 'shop', selection: parsed, windowMs: 50, ...extra}
}

/** runStat with the direct source, as viz stat runs it without Prometheus. */
const stat = (kube: KubeClient, req: StatRequest) => runStat(kube, req, new DirectSource(kube, {concurrency: 4, scrapeVia: 'auto', timeoutMs: 2000}))

describe('runStat against an in-memory cluster', () => {
  const objects = [
    rs('api-1', 'api'),
    rs('web-1', 'web'),
    meshedPod('api-1-a', 'api-1', 'api'),
    meshedPod('api-1-b', 'api-1', 'api', 4999),
    meshedPod('api-1-c', 'api-1', 'api'),
    meshedPod('web-1-a', 'web-1', 'web'),
  ]
  const kube = () =>
    fakeKube({
      objects,
      proxies: {
        'shop/api-1-a:4191': proxy(9, 1),
        'shop/api-1-b:4999': proxy(18, 2),
        // api-1-c: no handler, the forward is refused
        'shop/web-1-a:4191': () => '<html>bad gateway</html>',
      },
    })

  test('rows per deployment; refused and garbage pods become per-pod errors', async () => {
    const run = await stat(kube(), request(['deploy']))
    const [api, web] = run.report.rows
    assert.equal(api?.name, 'api')
    assert.deepEqual(api?.meshed, {ready: 3, total: 3})
    assert.equal(api?.stats.pods, 2)
    assert.equal(api?.stats.successCount, 27)
    assert.equal(api?.stats.failureCount, 3)
    assert.equal(api?.stats.successRate, 0.9)
    assert.ok((api?.stats.rps ?? 0) > 0)
    assert.equal(api?.stats.latency.get(0.5)?.upper, 20)
    assert.equal(api?.stats.tcpOpen, 4)
    assert.deepEqual(api?.errors.map((e) => e.pod), ['api-1-c'])
    assert.match(api?.errors[0]?.error ?? '', /connection refused/)
    assert.equal(web?.stats.pods, 0)
    assert.match(web?.errors[0]?.error ?? '', /not Prometheus text/)
    assert.equal(run.report.podsTargeted, 4)
    assert.equal(run.report.podsScraped, 2)
  })

  test('--from keeps only traffic whose client identity is the source workload', async () => {
    const run = await stat(kube(), request(['deploy/api'], {from: {namespace: 'shop', target: {custom: false, kind: 'deployment', name: 'api'}}}))
    assert.equal(run.report.rows[0]?.stats.successCount, 0, 'api pods are called by the web service account, not api')
    const fromWeb = await stat(kube(), request(['deploy/api'], {from: {namespace: 'shop', target: {custom: false, kind: 'deployment', name: 'web'}}}))
    assert.equal(fromWeb.report.rows[0]?.stats.successCount, 27)
  })

  test('unknown custom types and names that do not exist stop the run before any scrape or query', async () => {
    const k = kube()
    // Whatever the source: it is never asked.
    const asked = (): never => assert.fail('the source was asked to measure')
    const untouchable: MetricsSource = {authz: asked, close: async () => {}, edges: asked, kind: 'prometheus', stat: asked}
    const run = await runStat(k, request(['widgets']), untouchable)
    assert.deepEqual(run.unknownTypes, ['widgets'])
    const missing = await runStat(k, request(['deploy/nope', 'deploy/web']), untouchable)
    assert.deepEqual(missing.notFound, ['deployment/nope in namespace shop'])
    assert.deepEqual(missing.report.rows, [])
    const namespace = await runStat(k, request(['deploy'], {namespace: 'no-such-ns'}), untouchable)
    assert.deepEqual(namespace.notFound, ['namespace no-such-ns'])
    const to = await runStat(k, request(['deploy/web'], {to: {namespace: 'shop', target: {custom: false, kind: 'deployment', name: 'nope'}}}), untouchable)
    assert.deepEqual(to.notFound, ['--to deployment/nope in namespace shop'])
    const svc = await runStat(k, request(['deploy/web'], {to: {namespace: 'shop', target: {custom: false, kind: 'service', name: 'nope'}}}), untouchable)
    assert.deepEqual(svc.notFound, ['--to service/nope in namespace shop'])
    const ns = await runStat(k, request(['deploy/web'], {from: {namespace: 'shop', target: {custom: false, kind: 'namespace', name: 'nope'}}}), untouchable)
    assert.deepEqual(ns.notFound, ['--from namespace/nope'])
    assert.equal(k.calls.filter((c) => c.startsWith('proxyGet')).length, 0, 'no scrape for a run that names something missing')
  })

  test('a named resource that exists without pods is a row with MESHED 0/0, not an error', async () => {
    const scaledToZero: PlainObject = {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'idle', namespace: 'shop'}}
    const k = fakeKube({objects: [...objects, scaledToZero], proxies: {'shop/web-1-a:4191': proxy(3, 0)}})
    const run = await stat(k, request(['deploy/idle', 'deploy/web']))
    assert.deepEqual(run.notFound, [])
    assert.deepEqual(run.report.rows.map((r) => [r.name, r.meshed]), [['idle', {ready: 0, total: 0}], ['web', {ready: 1, total: 1}]])
  })

  test('--unmeshed keeps rows none of whose pods is meshed', async () => {
    const plain: PlainObject = {...meshedPod('db-1-a', 'db-1', 'db'), metadata: {labels: {app: 'db'}, name: 'db-1-a', namespace: 'shop', ownerReferences: [{apiVersion: 'apps/v1', controller: true, kind: 'ReplicaSet', name: 'db-1', uid: 'db-1'}]}}
    const k = fakeKube({objects: [rs('web-1', 'web'), rs('db-1', 'db'), meshedPod('web-1-a', 'web-1', 'web'), plain], proxies: {'shop/web-1-a:4191': proxy(1, 0)}})
    const rows = async (extra: Partial<StatRequest>) => (await stat(k, request(['deploy'], extra))).report.rows.map((r) => [r.name, `${r.meshed.ready}/${r.meshed.total}`, r.podsTargeted])
    assert.deepEqual(await rows({}), [['web', '1/1', 1]])
    assert.deepEqual(await rows({unmeshed: true}), [['db', '0/1', 0], ['web', '1/1', 1]])
  })

  test('custom owners (an Argo Rollout) get rows through the owner chain', async () => {
    const rollout: PlainObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {name: 'canary-6c', namespace: 'shop', ownerReferences: [{apiVersion: 'argoproj.io/v1alpha1', controller: true, kind: 'Rollout', name: 'canary', uid: 'r'}]},
    }
    const k = fakeKube({objects: [rollout, meshedPod('canary-6c-a', 'canary-6c', 'canary')], proxies: {'shop/canary-6c-a:4191': proxy(5, 0)}})
    const run = await stat(k, request(['rollouts']))
    assert.deepEqual(run.report.rows.map((r) => [r.kind.name, r.name, r.stats.successCount]), [['rollout', 'canary', 5]])
    const all = await stat(k, request(['all']))
    assert.deepEqual(all.report.rows.map((r) => r.kind.short), ['po', 'rs', 'rollout'])
  })

  test('-l selects rows by the labels of the row objects (Deployments by their own labels)', async () => {
    const deploy = (name: string, labels: Record<string, string>): PlainObject => ({apiVersion: 'apps/v1', kind: 'Deployment', metadata: {labels, name, namespace: 'shop'}})
    const k = fakeKube({
      objects: [...objects, deploy('api', {tier: 'backend'}), deploy('web', {tier: 'frontend'})],
      proxies: {'shop/api-1-a:4191': proxy(1, 0), 'shop/api-1-b:4999': proxy(1, 0), 'shop/web-1-a:4191': proxy(1, 0)},
    })
    const run = await stat(k, request(['deploy'], {labelSelector: 'tier=frontend'}))
    assert.deepEqual(run.report.rows.map((r) => r.name), ['web'])
    const pods = await stat(k, request(['po'], {labelSelector: 'app=api'}))
    assert.deepEqual(pods.report.rows.map((r) => r.name), ['api-1-a', 'api-1-b', 'api-1-c'])
  })

  test('ReplicaSets that cannot be listed only shorten owner chains, with a warning', async () => {
    const k = fakeKube({failures: {listReplicaSets: new Error('forbidden')}, objects, proxies: {'shop/api-1-a:4191': proxy(1, 0)}})
    const run = await stat(k, request(['rs']))
    assert.deepEqual(run.report.rows.map((r) => r.name), ['api-1', 'web-1'])
    assert.match(run.warnings[0] ?? '', /cannot list replicasets \(forbidden\)/)
  })
})
