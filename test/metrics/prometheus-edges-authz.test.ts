// The Prometheus source of viz edges and viz authz against a scripted Prometheus, on the policy
// scenario's pods: which queries it sends (at one evaluation time, with the scope, the owner
// label and the admin-port exclusion), and how answers become the same edges and rows as the
// direct source's, only for the resources asked about.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {runAuthz} from '../../src/metrics/authz-run.js'
import {runEdges} from '../../src/metrics/edges-run.js'
import {PrometheusSource} from '../../src/metrics/prometheus-source.js'
import {scriptedPrometheus, SCRIPTED_TIME as T} from '../helpers/scripted-prometheus.js'
import {fakeKubeFromScenario} from '../helpers/sim.js'

const ID = (sa: string, ns: string): string => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`


describe('viz edges and authz from Prometheus', () => {
  const {cluster, kube} = fakeKubeFromScenario('policy')
  const podsOf = (ns: string, prefix: string): string[] => [...cluster.pods.values()].filter((p) => p.namespace === ns && p.name.startsWith(prefix)).map((p) => p.name)
  const [api] = podsOf('shop', 'api-')

  test('edges: outbound gauges of the namespace and of its clients elsewhere, inbound of its servers; the same edges as from scrapes', async () => {
    const prom = scriptedPrometheus((promql) => {
      if (promql.startsWith('group by')) return [{labels: {namespace: 'billing', pod: 'ledger-0'}, value: 1}]
      if (promql.includes('dst_namespace="billing",namespace!="billing"')) {
        return [{labels: {direction: 'outbound', dst_namespace: 'billing', dst_pod: 'ledger-0', dst_statefulset: 'ledger', namespace: 'shop', no_tls_reason: '', pod: api as string, server_id: ID('ledger', 'billing'), tls: 'true'}, value: 2}]
      }
      if (promql.includes('direction="inbound"')) {
        return [
          {labels: {client_id: ID('api', 'shop'), direction: 'inbound', namespace: 'billing', peer: 'src', pod: 'ledger-0', target_port: '7070', tls: 'true'}, value: 2},
          {labels: {client_id: '', direction: 'inbound', namespace: 'billing', no_tls_reason: 'no_tls_from_remote', peer: 'src', pod: 'ledger-0', target_port: '7070', tls: 'no_identity'}, value: 1},
          // Prometheus' own scrapes of the admin port are no edge.
          {labels: {client_id: '', direction: 'inbound', namespace: 'billing', no_tls_reason: 'no_tls_from_remote', peer: 'src', pod: 'ledger-0', target_port: '4191', tls: 'no_identity'}, value: 1},
        ]
      }
      return []
    })
    const run = await runEdges(kube, {controlPlaneNamespace: 'linkerd', namespace: 'billing', type: {custom: false, kind: 'statefulset'}}, new PrometheusSource(prom))
    const [presence, ...rest] = prom.queries
    assert.equal(presence?.promql, 'group by (namespace, pod) (response_total{namespace="billing"})')
    assert.ok(rest.every((q) => q.time === T), 'every query at the presence answer time')
    assert.deepEqual(rest.map((q) => q.promql).sort(), [
      'sum(tcp_open_connections{direction="inbound",peer="src",namespace="billing"}) by (namespace, pod, direction, peer, client_id, tls, no_tls_reason, target_port)',
      'sum(tcp_open_connections{direction="outbound",dst_namespace!="",dst_namespace="billing",namespace!="billing"}) by (namespace, pod, direction, dst_namespace, dst_pod, dst_statefulset, server_id, tls, no_tls_reason)',
      'sum(tcp_open_connections{direction="outbound",dst_namespace!="",namespace="billing"}) by (namespace, pod, direction, dst_namespace, dst_pod, dst_statefulset, server_id, tls, no_tls_reason)',
    ])
    // api is no StatefulSet: its client edge is not one of this type, and the server side names it not.
    assert.deepEqual(run.edges.map((e) => [e.src?.name ?? 'unmeshed', e.dst.name, e.secured, e.noTlsReason, e.connections]), [['unmeshed', 'ledger', false, 'no_tls_from_remote', 1]])
    assert.deepEqual([run.podsTargeted, run.podsScraped, run.source?.kind, run.source?.evaluatedAt], [1, 1, 'prometheus', new Date(T * 1000).toISOString()])
    const pods = await runEdges(kube, {controlPlaneNamespace: 'linkerd', namespace: 'billing', type: {custom: false, kind: 'pod'}}, new PrometheusSource(prom))
    assert.deepEqual(pods.edges.map((e) => [e.src?.name ?? 'unmeshed', e.dst.name, e.secured, e.seenBy.client, e.clientId, e.serverId]), [
      ['unmeshed', 'ledger-0', false, false, '', ''],
      [api, 'ledger-0', true, true, ID('api', 'shop'), ID('ledger', 'billing')],
    ])
  })

  test('authz: the four queries by the owner label and the six labels, admin port left out; only the rows asked for', async () => {
    const six = (authz: string): Record<string, string> => ({authz_kind: authz === '' ? '' : 'authorizationpolicy', authz_name: authz, route_kind: 'default', route_name: 'default', srv_kind: 'server', srv_name: 'api-http'})
    const prom = scriptedPrometheus((promql) => {
      if (promql.startsWith('group by')) return [{labels: {deployment: 'api', namespace: 'shop', pod: api as string}, value: 1}]
      const admitted = {...six('api-from-web'), deployment: 'api', namespace: 'shop'}
      const refused = {...six(''), deployment: 'api', namespace: 'shop'}
      // A Deployment named api in another namespace: not the one asked about.
      const elsewhere = {...six('api-from-web'), deployment: 'api', namespace: 'other'}
      if (promql.includes('inbound_http_authz_allow_total')) return [{labels: admitted, value: 600}, {labels: elsewhere, value: 999}]
      if (promql.includes('inbound_http_authz_deny_total')) return [{labels: refused, value: 300}]
      if (promql.includes('response_total')) return [{labels: {...admitted, classification: 'success'}, value: 570}, {labels: {...admitted, classification: 'failure'}, value: 30}]
      if (promql.includes('response_latency_ms_bucket')) return [['10', 5], ['50', 9], ['+Inf', 10]].map(([le, value]) => ({labels: {...admitted, le: le as string}, value: value as number}))
      return []
    })
    const run = await runAuthz(kube, {controlPlaneNamespace: 'linkerd', includeAdmin: false, namespace: 'shop', target: {custom: false, kind: 'deployment', name: 'api'}, windowMs: 60_000}, new PrometheusSource(prom))
    const queries = prom.queries.map((q) => q.promql)
    assert.equal(queries[0], 'group by (namespace, pod, deployment) (response_total{namespace="shop"})')
    const by = 'by (namespace, deployment, srv_kind, srv_name, route_kind, route_name, authz_kind, authz_name'
    assert.deepEqual(queries.slice(1).sort(), [
      `sum(increase(inbound_http_authz_allow_total{namespace="shop",deployment="api",target_port!="4191"}[60s])) ${by})`,
      `sum(increase(inbound_http_authz_deny_total{namespace="shop",deployment="api",target_port!="4191"}[60s])) ${by})`,
      `sum(increase(response_total{direction="inbound",namespace="shop",deployment="api",target_port!="4191"}[60s])) ${by}, classification)`,
      `sum(irate(response_latency_ms_bucket{direction="inbound",namespace="shop",deployment="api",target_port!="4191"}[60s])) ${by}, le)`,
    ])
    const row = (authz: string) => run.rows.find((r) => r.key.authz.name === authz)
    assert.deepEqual([row('api-from-web')?.allowedCount, row('api-from-web')?.rps, row('api-from-web')?.successRate], [600, 10, 0.95])
    assert.ok((row('api-from-web')?.latency.get(0.5)?.value ?? 0) > 0)
    assert.deepEqual([row('')?.deniedCount, row('')?.deniedRate, row('')?.rps], [300, 5, 0])
    // api-from-admin applies but saw nothing: a row of its own, as from scrapes.
    assert.deepEqual(row('api-from-admin')?.allowedCount, 0)
    assert.equal(run.rows.length, 3)
    assert.deepEqual([run.podsTargeted, run.podsScraped, run.measuredSeconds], [1, 1, {max: 60, min: 60}])
  })
})
