import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {aggregateAuthz, authzBetween, authzSnapshot, type AuthzRow} from '../../src/metrics/authz.js'
import {authorizationKey, authzCell, authzTableRows, deniedShare, serverCell} from '../../src/metrics/authz-report.js'
import {parsePrometheusText} from '../../src/metrics/parse.js'

const SRV = 'srv_group="policy.linkerd.io",srv_kind="server",srv_name="api-http",srv_port="9090",route_group="",route_kind="default",route_name="default"'
const AUTHZ = 'authz_group="policy.linkerd.io",authz_kind="authorizationpolicy",authz_name="from-web"'
const TARGET = 'target_addr="10.0.0.1:9090",target_ip="10.0.0.1",target_port="9090"'
const WEB = 'tls="true",client_id="web.shop.serviceaccount.identity.linkerd.cluster.local"'
const BOT = 'tls="true",client_id="bot.shop.serviceaccount.identity.linkerd.cluster.local"'
const ADMIN = 'target_addr="0.0.0.0:4191",target_ip="0.0.0.0",target_port="4191",tls="no_identity",no_tls_reason="no_tls_from_remote",srv_group="",srv_kind="default",srv_name="all-unauthenticated",srv_port="4191",route_group="",route_kind="default",route_name="probe",authz_group="",authz_kind="default",authz_name="probe"'

/** A proxy body after `t` seconds with `n` admitted and `d` refused requests and `start` as its start time. */
function body(t: number, n: number, d: number, start = 1000): string {
  const ok = Math.round(n * 0.9)
  return [
    '# TYPE inbound_http_authz_allow_total counter',
    '# TYPE inbound_http_authz_deny_total counter',
    '# TYPE response_total counter',
    '# TYPE response_latency_ms histogram',
    '# TYPE process_start_time_seconds gauge',
    '# TYPE process_uptime_seconds counter',
    `inbound_http_authz_allow_total{${TARGET},${SRV},${AUTHZ},${WEB}} ${n}`,
    `inbound_http_authz_deny_total{${TARGET},${SRV},${BOT}} ${d}`,
    `response_total{direction="inbound",${TARGET},${WEB},${SRV},${AUTHZ},status_code="200",classification="success",grpc_status="",error=""} ${ok}`,
    `response_total{direction="inbound",${TARGET},${WEB},${SRV},${AUTHZ},status_code="500",classification="failure",grpc_status="",error=""} ${n - ok}`,
    `response_total{direction="outbound",${TARGET},${WEB},${SRV},${AUTHZ},status_code="200",classification="success",grpc_status="",error=""} 999999`,
    `response_latency_ms_bucket{direction="inbound",${TARGET},${WEB},${SRV},${AUTHZ},status_code="200",le="10"} ${Math.round(n / 2)}`,
    `response_latency_ms_bucket{direction="inbound",${TARGET},${WEB},${SRV},${AUTHZ},status_code="200",le="50"} ${n}`,
    `response_latency_ms_bucket{direction="inbound",${TARGET},${WEB},${SRV},${AUTHZ},status_code="200",le="+Inf"} ${n}`,
    `response_total{direction="inbound",${ADMIN},status_code="200",classification="success",grpc_status="",error=""} ${t}`,
    `inbound_http_authz_allow_total{${ADMIN}} ${t}`,
    `process_start_time_seconds ${start}`,
    `process_uptime_seconds_total ${t}`,
    '',
  ].join('\n')
}

const snap = (text: string, at: number, includeAdmin = false) => authzSnapshot({at, metrics: parsePrometheusText(text)}, {adminPort: 4191, includeAdmin})

describe('viz authz rows from two scrapes', () => {
  test('admitted, refused, responses and latency per Server, route and authorization', () => {
    const pod = authzBetween('shop', snap(body(100, 1000, 50), 0), snap(body(110, 1200, 80), 10_000))
    const rows = aggregateAuthz([pod])
    assert.equal(rows.length, 2, 'the admin port is left out')
    const admitted = rows.find((r) => r.key.authz.kind === 'authorizationpolicy') as AuthzRow
    assert.deepEqual([admitted.allowedCount, admitted.successCount, admitted.failureCount, admitted.deniedCount], [200, 180, 20, 0])
    assert.equal(admitted.rps, 20)
    assert.equal(admitted.allowedRate, 20)
    assert.equal(admitted.successRate, 0.9)
    assert.equal(admitted.latency.get(0.5)?.value, 10)
    assert.equal(admitted.latency.get(0.5)?.upper, 10)
    assert.deepEqual([serverCell(admitted.key), authzCell(admitted.key)], ['api-http', 'authorizationpolicy/from-web'])
    const refused = rows.find((r) => r.key.authz.kind === '') as AuthzRow
    assert.deepEqual([refused.deniedCount, refused.deniedRate, refused.rps, refused.successRate], [30, 3, 0, undefined])
    assert.equal(authzCell(refused.key), '')
    assert.equal(deniedShare(refused), 1)
  })

  test('--include-admin keeps the probe rows; a restart counts the new counters; pods add up', () => {
    const withAdmin = aggregateAuthz([authzBetween('shop', snap(body(100, 0, 0), 0, true), snap(body(110, 0, 0), 10_000, true))])
    const probe = withAdmin.find((r) => r.key.route.name === 'probe')
    assert.equal(probe && serverCell(probe.key), 'default:all-unauthenticated')
    // Restarted 4 s before the second scrape: 40 admitted since, over 4 s.
    const restarted = authzBetween('shop', snap(body(100, 1000, 50), 0), snap(body(4, 40, 8, 2000), 10_000))
    assert.equal(restarted.restarted, true)
    const [a, b] = [restarted, authzBetween('shop', snap(body(100, 1000, 50), 0), snap(body(110, 1100, 60), 10_000))]
    const both = aggregateAuthz([a, b]).find((r) => r.key.authz.kind === 'authorizationpolicy') as AuthzRow
    assert.equal(both.allowedCount, 140)
    assert.equal(both.allowedRate, 40 / 4 + 100 / 10)
    const other = aggregateAuthz([authzBetween('billing', snap(body(100, 1000, 50), 0), snap(body(110, 1100, 60), 10_000)), b])
    assert.deepEqual([...new Set(other.map((r) => r.namespace))].sort(), ['billing', 'shop'], 'rows are per namespace')
  })

  test("rows shown as linkerd viz authz shows them, plus authorizations without traffic, in viz's order", () => {
    const rows = aggregateAuthz([authzBetween('shop', snap(body(100, 1000, 50), 0), snap(body(110, 1000, 50), 10_000))])
    const policyRow = {authorization: {authorizationPolicy: 'from-admin', route: '', server: 'api-http', serverAuthorization: ''}, namespace: 'shop'}
    const already = {authorization: {authorizationPolicy: 'from-web', route: '', server: 'api-http', serverAuthorization: ''}, namespace: 'shop'}
    const shown = authzTableRows(rows, [policyRow, already])
    // No traffic: the refused row (no authorization) is hidden; named authorizations stay, once.
    assert.deepEqual(shown.map((r) => `${serverCell(r.key)} ${r.key.route.name} ${authzCell(r.key)}`), ['api-http default authorizationpolicy/from-admin', 'api-http default authorizationpolicy/from-web'])
    assert.deepEqual(authorizationKey({authorizationPolicy: '', route: 'admin', server: 's', serverAuthorization: 'legacy'}), {authz: {kind: 'serverauthorization', name: 'legacy'}, route: {kind: 'HTTPRoute', name: 'admin'}, server: {kind: 'server', name: 's'}})
  })
})
