// The Prometheus source of viz stat against a scripted Prometheus: which queries it sends (viz's,
// with the right labels, filters and one evaluation time), how answers become the same rows as
// the direct source's, and the diagnoses when Prometheus holds nothing of the pods.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {MeshError} from '../../src/errors.js'
import {PrometheusErrorCode} from '../../src/kube/types.js'
import {PrometheusSource} from '../../src/metrics/prometheus-source.js'
import {runStat, type StatRequest} from '../../src/metrics/stat-run.js'
import {parseTargets} from '../../src/resources/targets.js'
import {fakeKube, type PlainObject} from '../helpers/fake-kube.js'
import {scriptedPrometheus, SCRIPTED_TIME as T} from '../helpers/scripted-prometheus.js'



function pod(name: string, owner: {kind: string; name: string}, labels: Record<string, string>, options: {namespace?: string; adminPort?: number; sa?: string} = {}): PlainObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {labels: {'linkerd.io/control-plane-ns': 'linkerd', ...labels}, name, namespace: options.namespace ?? 'shop', ownerReferences: [{apiVersion: 'apps/v1', controller: true, kind: owner.kind, name: owner.name, uid: owner.name}]},
    spec: {containers: [{name: 'app'}], initContainers: [{name: 'linkerd-proxy', ports: [{containerPort: options.adminPort ?? 4191, name: 'linkerd-admin'}], restartPolicy: 'Always'}], serviceAccountName: options.sa ?? 'default'},
    status: {conditions: [{status: 'True', type: 'Ready'}], phase: 'Running', podIP: '10.0.0.1'},
  }
}
const rs = (name: string, owner: {kind: string; name: string; apiVersion?: string}): PlainObject => ({apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {name, namespace: 'shop', ownerReferences: [{apiVersion: owner.apiVersion ?? 'apps/v1', controller: true, kind: owner.kind, name: owner.name, uid: owner.name}]}})

const objects: PlainObject[] = [
  rs('web-5d4f', {kind: 'Deployment', name: 'web'}),
  rs('api-7c8b', {kind: 'Deployment', name: 'api'}),
  rs('canary-6c', {apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'canary'}),
  pod('web-5d4f-a', {kind: 'ReplicaSet', name: 'web-5d4f'}, {'linkerd.io/proxy-deployment': 'web'}, {sa: 'web'}),
  pod('web-5d4f-b', {kind: 'ReplicaSet', name: 'web-5d4f'}, {'linkerd.io/proxy-deployment': 'web'}, {sa: 'web'}),
  pod('api-7c8b-a', {kind: 'ReplicaSet', name: 'api-7c8b'}, {'linkerd.io/proxy-deployment': 'api'}, {adminPort: 4999, sa: 'api'}),
  pod('canary-6c-a', {kind: 'ReplicaSet', name: 'canary-6c'}, {'linkerd.io/proxy-replicaset': 'canary-6c'}, {sa: 'canary'}),
]
const presentPods = ['web-5d4f-a', 'web-5d4f-b', 'api-7c8b-a', 'canary-6c-a']

const request = (args: string[], extra: Partial<StatRequest> = {}): StatRequest => {
  const parsed = parseTargets(args)
  assert.ok(parsed.ok)
  return {controlPlaneNamespace: 'linkerd', includeAdmin: false, namespace: 'shop', selection: parsed, windowMs: 60_000, ...extra}
}

/** Per group key, what viz's queries answer: requests by classification, buckets by le. */
function prometheusOf(groups: Record<string, {success: number; failure: number; buckets?: Record<string, number>; open?: number; read?: number}>, pods = presentPods) {
  const labelsOf = (key: string, label: string): Record<string, string> => ({namespace: 'shop', [label]: key})
  return scriptedPrometheus((promql) => {
    if (promql.startsWith('group by (namespace, pod')) return pods.map((p) => ({labels: {deployment: p.split('-')[0] as string, namespace: 'shop', pod: p}, value: 1}))
    const label = /by \(namespace, (\w+)/.exec(promql)?.[1] ?? 'namespace'
    const out: Array<{labels: Record<string, string>; value: number}> = []
    for (const [key, g] of Object.entries(groups)) {
      if (promql.includes('response_total')) out.push({labels: {...labelsOf(key, label), classification: 'success'}, value: g.success}, {labels: {...labelsOf(key, label), classification: 'failure'}, value: g.failure})
      else if (promql.includes('response_latency_ms_bucket')) for (const [le, v] of Object.entries(g.buckets ?? {})) out.push({labels: {...labelsOf(key, label), le}, value: v})
      else if (promql.includes('tcp_open_connections')) out.push({labels: labelsOf(key, label), value: g.open ?? 0})
      else if (promql.includes('tcp_read_bytes_total')) out.push({labels: labelsOf(key, label), value: g.read ?? 0})
    }
    return out
  })
}

describe('viz stat from Prometheus', () => {
  test("viz's queries by owner label at one evaluation time; rows, rates and quantiles from the answers", async () => {
    const prom = prometheusOf({api: {failure: 60, success: 540}, web: {buckets: {'10': 0, '20': 50, '50': 90, '+Inf': 100}, failure: 30, open: 4, read: 6000, success: 1170}})
    const run = await runStat(fakeKube({objects}), request(['deploy']), new PrometheusSource(prom))
    const [presence, ...rest] = prom.queries
    assert.equal(presence?.promql, 'group by (namespace, pod, deployment) (response_total{namespace="shop"})')
    assert.equal(presence?.time, undefined, "the first query runs at Prometheus' now")
    assert.ok(rest.every((q) => q.time === T), 'every other query at the first answer\'s time')
    const F = 'direction="inbound",namespace="shop",deployment=~"api|web",target_port!~"4191|4999"'
    assert.deepEqual(rest.map((q) => q.promql).sort(), [
      `sum(increase(response_total{${F}}[60s])) by (namespace, deployment, classification)`,
      `sum(increase(tcp_read_bytes_total{${F},peer="src"}[60s])) by (namespace, deployment)`,
      `sum(increase(tcp_write_bytes_total{${F},peer="src"}[60s])) by (namespace, deployment)`,
      `sum(irate(response_latency_ms_bucket{${F}}[60s])) by (namespace, deployment, le)`,
      `sum(tcp_open_connections{${F}}) by (namespace, deployment)`,
    ])
    const web = run.report.rows.find((r) => r.name === 'web')
    assert.equal(web?.stats.successRate, 0.975)
    assert.equal(web?.stats.rps, 20)
    assert.equal(web?.stats.tcpOpen, 4)
    assert.equal(web?.stats.readBytesRate, 100)
    // histogram_quantile(0.5, ...): rank 50 lands at the top of the 10..20 bucket.
    assert.deepEqual(web?.stats.latency.get(0.5), {lower: 10, upper: 20, value: 20})
    assert.deepEqual(web?.stats.latency.get(0.95), {lower: 50, upper: Number.POSITIVE_INFINITY, value: 50})
    assert.deepEqual(web?.stats.seconds, {max: 60, min: 60})
    assert.equal(web?.stats.restarts, undefined, 'not measured from Prometheus')
    assert.deepEqual([web?.stats.pods, web?.podsTargeted], [2, 2])
    assert.deepEqual(run.source, {evaluatedAt: new Date(T * 1000).toISOString(), kind: 'prometheus', prometheus: 'http://prom.test'})
  })

  test('rows whose pods carry no label of their own kind (ReplicaSets of Deployments, Rollouts) are summed per pod', async () => {
    const prom = scriptedPrometheus((promql) => {
      if (promql.startsWith('group')) return presentPods.map((p) => ({labels: {namespace: 'shop', pod: p, ...(p.startsWith('canary') ? {replicaset: 'canary-6c'} : {})}, value: 1}))
      if (!promql.includes('response_total')) return []
      if (promql.includes('by (namespace, replicaset')) return [{labels: {classification: 'success', namespace: 'shop', replicaset: 'canary-6c'}, value: 120}]
      return presentPods.map((p) => ({labels: {classification: 'success', namespace: 'shop', pod: p}, value: 60}))
    })
    const run = await runStat(fakeKube({objects}), request(['rs']), new PrometheusSource(prom))
    const requests = prom.queries.find((q) => q.promql.includes('increase(response_total') && q.promql.includes('by (namespace, pod,'))?.promql ?? ''
    // canary-6c is labelled linkerd.io/proxy-replicaset, so it is asked by label; the others per pod.
    assert.match(requests, /pod=~"api-7c8b-a\|web-5d4f-a\|web-5d4f-b"/)
    assert.ok(prom.queries.some((q) => q.promql.includes('replicaset="canary-6c"') && q.promql.includes('by (namespace, replicaset, classification)')))
    assert.deepEqual(run.report.rows.map((r) => [r.name, r.stats.rps]), [['api-7c8b', 1], ['canary-6c', 2], ['web-5d4f', 2]])
    assert.deepEqual(run.warnings, [])
    const rollouts = await runStat(fakeKube({objects}), request(['rollout']), new PrometheusSource(prom))
    assert.deepEqual(rollouts.report.rows.map((r) => [r.name, r.stats.rps]), [['canary', 1]])
  })

  test('names that do not exist stop the run before any query, as with the direct source', async () => {
    const prom = prometheusOf({web: {failure: 0, success: 60}})
    const missing = await runStat(fakeKube({objects}), request(['deploy/nope']), new PrometheusSource(prom))
    assert.deepEqual(missing.notFound, ['deployment/nope in namespace shop'])
    const peer = await runStat(fakeKube({objects}), request(['deploy/web'], {to: {namespace: 'shop', target: {custom: false, kind: 'service', name: 'nope'}}}), new PrometheusSource(prom))
    assert.deepEqual(peer.notFound, ['--to service/nope in namespace shop'])
    assert.equal(missing.source, undefined)
    assert.deepEqual(prom.queries, [], 'Prometheus was not asked')
  })

  test('--unmeshed rows and a named resource without pods come out empty, next to the measured ones', async () => {
    const plain: PlainObject = {...pod('db-1-a', {kind: 'ReplicaSet', name: 'db-1'}, {}), metadata: {name: 'db-1-a', namespace: 'shop', ownerReferences: [{apiVersion: 'apps/v1', controller: true, kind: 'ReplicaSet', name: 'db-1', uid: 'db-1'}]}}
    const idle: PlainObject = {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'idle', namespace: 'shop'}}
    const kube = fakeKube({objects: [...objects, rs('db-1', {kind: 'Deployment', name: 'db'}), plain, idle]})
    const prom = prometheusOf({api: {failure: 0, success: 60}, web: {failure: 0, success: 120}})
    const all = await runStat(kube, request(['deploy'], {unmeshed: true}), new PrometheusSource(prom))
    assert.deepEqual(
      all.report.rows.map((r) => [r.name, `${r.meshed.ready}/${r.meshed.total}`, r.podsTargeted, r.stats.rps ?? null]),
      [['api', '1/1', 1, 1], ['db', '0/1', 0, null], ['web', '2/2', 2, 2]],
    )
    const named = await runStat(kube, request(['deploy/idle', 'deploy/web']), new PrometheusSource(prometheusOf({web: {failure: 0, success: 120}})))
    assert.deepEqual(named.notFound, [])
    assert.deepEqual(named.report.rows.map((r) => [r.name, `${r.meshed.ready}/${r.meshed.total}`, r.stats.rps ?? null]), [['idle', '0/0', null], ['web', '2/2', 2]])
  })

  test('only unmeshed rows: nothing to ask Prometheus, and no diagnosis of missing series', async () => {
    const plain: PlainObject = {...pod('db-1-a', {kind: 'ReplicaSet', name: 'db-1'}, {}), metadata: {name: 'db-1-a', namespace: 'shop', ownerReferences: [{apiVersion: 'apps/v1', controller: true, kind: 'ReplicaSet', name: 'db-1', uid: 'db-1'}]}}
    const prom = prometheusOf({})
    const run = await runStat(fakeKube({objects: [rs('db-1', {kind: 'Deployment', name: 'db'}), plain]}), request(['deploy'], {unmeshed: true}), new PrometheusSource(prom))
    assert.deepEqual(run.report.rows.map((r) => [r.name, r.podsTargeted]), [['db', 0]])
    assert.deepEqual(run.warnings, [])
  })

  test('--to and --from become dst_* and client_id filters', async () => {
    const cases: Array<[Partial<StatRequest>, RegExp]> = [
      [{to: {namespace: 'shop', target: {custom: false, kind: 'deployment', name: 'api'}}}, /direction="outbound",.*dst_namespace="shop",dst_deployment="api"/],
      [{to: {namespace: 'shop', target: {custom: true, kind: 'rollout', name: 'canary'}}}, /dst_namespace="shop",dst_pod="canary-6c-a"/],
      [{to: {namespace: 'other', target: {custom: false, kind: 'namespace', name: 'other'}}}, /dst_namespace="other"[,}]/],
      [{to: {namespace: 'shop', target: {custom: false, kind: 'service', name: 'api-svc'}}}, /direction="outbound",.*dst_namespace="shop",dst_service="api-svc"/],
      [{from: {namespace: 'shop', target: {custom: false, kind: 'deployment', name: 'api'}}}, /direction="inbound",.*client_id=~"\(api\)\\\\\.shop\\\\\.serviceaccount\\\\\.identity\\\\\.\.\+"/],
    ]
    for (const [extra, pattern] of cases) {
      const prom = prometheusOf({web: {failure: 0, success: 60}})
      // A --to namespace or Service must exist (neither has pods here to show it does).
      const peers: PlainObject[] = [
        {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'other'}},
        {apiVersion: 'v1', kind: 'Service', metadata: {name: 'api-svc', namespace: 'shop'}},
      ]
      const run = await runStat(fakeKube({objects: [...objects, ...peers]}), request(['deploy/web'], extra), new PrometheusSource(prom))
      assert.deepEqual(run.notFound, [])
      const requests = prom.queries.find((q) => q.promql.includes('increase(response_total'))?.promql ?? ''
      assert.match(requests, pattern)
      if (extra.to) {
        assert.doesNotMatch(requests, /target_port/, 'outbound series have no admin port to leave out')
        assert.ok(prom.queries.some((q) => /tcp_read_bytes_total\{.*peer="dst"/.test(q.promql)))
      }
    }
  })

  test('--include-admin keeps the admin port; namespace rows group by namespace alone', async () => {
    const prom = prometheusOf({shop: {failure: 0, success: 120}})
    const run = await runStat(fakeKube({objects}), request(['ns/shop'], {includeAdmin: true, namespace: undefined}), new PrometheusSource(prom))
    const requests = prom.queries.find((q) => q.promql.includes('increase(response_total'))?.promql
    assert.equal(requests, 'sum(increase(response_total{direction="inbound",namespace="shop"}[60s])) by (namespace, classification)')
    assert.deepEqual(run.report.rows.map((r) => [r.kind.name, r.name, r.stats.rps]), [['namespace', 'shop', 2]])
  })

  const failure = async (answer: (promql: string) => Array<{labels: Record<string, string>; value: number}>): Promise<MeshError> => {
    let caught: unknown
    await runStat(fakeKube({objects}), request(['deploy']), new PrometheusSource(scriptedPrometheus(answer))).catch((err: unknown) => (caught = err))
    assert.ok(caught instanceof MeshError, String(caught))
    return caught
  }

  test('nothing of these pods in Prometheus: no proxy scraped at all, a missing label, or a namespace it does not scrape', async () => {
    const none = await failure(() => [])
    assert.equal(none.code, PrometheusErrorCode.noSeries)
    assert.equal(none.exitCode, 1)
    assert.match(none.message, /holds no response_total series at all: it does not scrape the Linkerd proxies/)
    const noNamespace = await failure((q) => (q.startsWith('count(response_total{})') || q.includes('pod!=""') ? [{labels: {}, value: 40}] : q.startsWith('count') ? [{labels: {}, value: 0}] : []))
    assert.equal(noNamespace.code, PrometheusErrorCode.missingLabel)
    assert.match(noNamespace.message, /without the `namespace` label/)
    assert.match(noNamespace.hint ?? '', /relabel_configs: - source_labels: \[__meta_kubernetes_namespace\], target_label: namespace/)
    const elsewhere = await failure((q) => (q.startsWith('count') ? [{labels: {}, value: 40}] : []))
    assert.equal(elsewhere.code, PrometheusErrorCode.noSeries)
    assert.match(elsewhere.message, /holds no series of the 3 meshed pods in namespace shop: it does not scrape them/)
    assert.match(elsewhere.hint ?? '', /linkerd\.io\/control-plane-ns=linkerd/)
  })
})
