// The simulated proxy's /metrics text follows linkerd2-proxy's format (linkerd/app/src/lib.rs):
// families, label order, bucket bounds, counters as integers, the prometheus-client tail.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {parsePrometheusText} from '../../src/metrics/parse.js'
import {linkerd2Testdata} from '../helpers/testdata.js'
import {LATENCY_BOUNDS_MS} from './proxy/latency.js'
import {renderProxyMetrics} from './proxy/metrics-text.js'
import {flowShape, newAdminCounters, proxyMetrics, type Endpoint, type ProxyModel} from './proxy/traffic.js'
import {samples, sum} from './support/samples.js'

const endpoint = (name: string, ip: string, extra: Partial<Endpoint> = {}): Endpoint => ({
  ip,
  meshed: true,
  name,
  namespace: 'emojivoto',
  ownerKind: 'deployment',
  ownerName: name.split('-')[0] as string,
  podTemplateHash: '5d8f9c7b6c',
  port: 8080,
  service: {ip: '10.43.0.20', name: 'web-svc', port: 80},
  serviceAccount: 'web',
  ...extra,
})

const traffic = {latencyMs: {p50: 20, p95: 80, p99: 150}, requestBytes: 200, responseBytes: 1000, rps: 10, successRate: 0.9, tcpConnections: 3}
const START = 1_790_000_000_000

function model(): ProxyModel {
  const pod = endpoint('web-5d8f9c7b6c-abcde', '10.42.0.7')
  return {
    adminPort: 4191,
    controlPlaneNs: 'linkerd',
    inbound: [{...flowShape(traffic, 1), clientId: 'vote-bot.emojivoto.serviceaccount.identity.linkerd.cluster.local', opaque: false}],
    outbound: [{...flowShape(traffic, 0.5), opaque: false, serverId: 'emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local', target: endpoint('emoji-7f6d8c9b5d-xyz12', '10.42.0.9', {service: {ip: '10.43.0.21', name: 'emoji-svc', port: 8080}, serviceAccount: 'emoji'})}],
    pod,
    ready: true,
    trustDomain: 'cluster.local',
    version: 'v2.366.0',
  }
}

const render = (seconds: number): string => renderProxyMetrics(proxyMetrics(model(), {admin: newAdminCounters(), epochMs: START}, START + seconds * 1000))

describe('proxy metrics text', () => {
  const text = render(3600)
  const list = samples(text)

  test('counters grow at the declared rate and success ratio', () => {
    const inbound = {direction: 'inbound', target_port: '8080'}
    assert.equal(sum(list, 'request_total', inbound), 36_000)
    assert.equal(sum(list, 'response_total', inbound), 36_000)
    assert.equal(sum(list, 'response_total', {...inbound, classification: 'success', status_code: '200'}), 32_400)
    assert.equal(sum(list, 'response_total', {...inbound, classification: 'failure', status_code: '500'}), 3_600)
    const later = samples(render(3610))
    assert.equal(sum(later, 'response_total', inbound) - sum(list, 'response_total', inbound), 100)
    assert.equal(sum(list, 'response_total', {direction: 'outbound', dst_deployment: 'emoji'}), 18_000)
  })

  test('inbound labels come in the proxy order, with mTLS identity and policy labels', () => {
    const line = text.split('\n').find((l) => l.startsWith('response_total{direction="inbound",target_addr="10.42.0.7:8080"'))
    assert.equal(
      line,
      'response_total{direction="inbound",target_addr="10.42.0.7:8080",target_ip="10.42.0.7",target_port="8080",tls="true",client_id="vote-bot.emojivoto.serviceaccount.identity.linkerd.cluster.local",' +
        'srv_group="",srv_kind="default",srv_name="all-unauthenticated",srv_port="8080",route_group="",route_kind="default",route_name="default",authz_group="",authz_kind="default",authz_name="all-unauthenticated",' +
        'status_code="200",classification="success",grpc_status="",error=""} 32400',
    )
  })

  test('outbound series carry authority, server_id and sorted dst_* labels', () => {
    const line = text.split('\n').find((l) => l.startsWith('request_total{direction="outbound"'))
    assert.equal(
      line,
      'request_total{direction="outbound",authority="emoji-svc.emojivoto.svc.cluster.local:8080",target_addr="10.42.0.9:8080",target_ip="10.42.0.9",target_port="8080",tls="true",server_id="emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local",' +
        'dst_control_plane_ns="linkerd",dst_deployment="emoji",dst_namespace="emojivoto",dst_pod="emoji-7f6d8c9b5d-xyz12",dst_pod_template_hash="5d8f9c7b6c",dst_service="emoji-svc",dst_serviceaccount="emoji",dst_zone="",dst_zone_locality="unknown"} 18000',
    )
  })

  test('latency histogram: the 26 real bounds, cumulative, _count equals +Inf', () => {
    const buckets = list.filter((s) => s.name === 'response_latency_ms_bucket' && s.labels.target_port === '8080' && s.labels.status_code === '200' && s.labels.direction === 'inbound')
    assert.deepEqual(
      buckets.map((b) => b.labels.le),
      [...LATENCY_BOUNDS_MS.map(String), '+Inf'],
    )
    for (let i = 1; i < buckets.length; i++) assert.ok((buckets[i]?.value as number) >= (buckets[i - 1]?.value as number))
    const count = list.find((s) => s.name === 'response_latency_ms_count' && s.labels.target_port === '8080' && s.labels.status_code === '200' && s.labels.direction === 'inbound')
    assert.equal(count?.value, buckets[buckets.length - 1]?.value)
    assert.ok(!/le="1\.0"/.test(text), 'legacy bounds print without .0')
  })

  test('admin-port probe series, TCP families and the prometheus-client tail', () => {
    assert.ok(sum(list, 'request_total', {route_name: 'probe', target_port: '4191'}) > 0)
    assert.equal(sum(list, 'tcp_open_connections', {direction: 'inbound', peer: 'src', target_port: '8080'}), 3)
    assert.equal(sum(list, 'tcp_read_bytes_total', {direction: 'inbound', peer: 'src', target_port: '8080'}), 36_000 * 200)
    assert.match(text, /^# TYPE process_start_time_seconds gauge\n# UNIT process_start_time_seconds seconds\nprocess_start_time_seconds 1790000000\.0$/m)
    assert.match(text, /^control_identity_cert_expiration_timestamp_seconds 1790086400\.0$/m)
    assert.match(text, /^control_identity_cert_refreshes_total\{result="ok"\} 1$/m)
    assert.match(text, /^proxy_build_info\{date="[^"]+",git_sha="[^"]+",profile="release",vendor="linkerd",version="v2\.366\.0"\} 1$/m)
    assert.ok(text.endsWith('# EOF\n'))
    for (const help of text.split('\n').filter((l) => l.startsWith('# HELP control_identity') || l.startsWith('# HELP process_'))) assert.ok(help.endsWith('.'), help)
  })

  test('a proxy without identity reports expiry 0 and failing refreshes', () => {
    const m = {...model(), ready: false}
    const out = renderProxyMetrics(proxyMetrics(m, {admin: newAdminCounters(), epochMs: START}, START + 60_000))
    assert.match(out, /^control_identity_cert_expiration_timestamp_seconds 0\.0$/m)
    assert.match(out, /^control_identity_cert_refreshes_total\{result="error"\} 7$/m)
  })

  test('gRPC: failures are grpc_status 14 with HTTP 200, one latency histogram per status_code', () => {
    const m = model()
    const grpc = {...m, inbound: m.inbound.map((f) => ({...f, grpc: true}))}
    const text = renderProxyMetrics(proxyMetrics(grpc, {admin: newAdminCounters(), epochMs: START}, START + 3_600_000))
    const out = samples(text)
    const inbound = {direction: 'inbound', target_port: '8080'}
    assert.equal(sum(out, 'response_total', {...inbound, classification: 'failure', grpc_status: '14', status_code: '200'}), 3_600)
    assert.equal(sum(out, 'response_total', {...inbound, classification: 'success', grpc_status: '0', status_code: '200'}), 32_400)
    assert.equal(sum(out, 'response_total', {...inbound, status_code: '500'}), 0)
    assert.equal(sum(out, 'response_latency_ms_count', inbound), 36_000)
    const infLines = text.split('\n').filter((l) => l.startsWith('response_latency_ms_bucket{direction="inbound",target_addr="10.42.0.7:8080"') && l.includes('le="+Inf"'))
    assert.equal(infLines.length, 1, 'no duplicate label sets')
  })

  test('an opaque port has TCP series but no HTTP series', () => {
    const m = model()
    const opaque = {...m, inbound: m.inbound.map((f) => ({...f, opaque: true})), outbound: m.outbound.map((f) => ({...f, opaque: true}))}
    const out = samples(renderProxyMetrics(proxyMetrics(opaque, {admin: newAdminCounters(), epochMs: START}, START + 3_600_000)))
    assert.equal(sum(out, 'request_total', {target_port: '8080'}), 0)
    assert.equal(sum(out, 'request_total', {direction: 'outbound'}), 0)
    assert.equal(sum(out, 'tcp_read_bytes_total', {direction: 'inbound', peer: 'src', target_port: '8080'}), 36_000 * 200)
  })

  test('the CLI parser reads every family of it', () => {
    const parsed = parsePrometheusText(text)
    assert.ok(parsed)
  })

  test('uses the family names, HELP texts and label names of a real scrape', () => {
    const real = readFileSync(linkerd2Testdata('proxy-metrics/sampleMetrics.txt'), 'utf8')
    for (const family of ['request_total', 'response_total', 'response_latency_ms', 'tcp_open_total', 'tcp_open_connections', 'tcp_read_bytes_total', 'tcp_write_bytes_total', 'tcp_close_total', 'inbound_http_authz_allow_total', 'control_request_total']) {
      const helpOf = (t: string): string | undefined => t.split('\n').find((l) => l.startsWith(`# HELP ${family} `))
      assert.equal(helpOf(text), helpOf(real), family)
    }
    const realLabels = new Set(samples(real.split('\n').filter((l) => !l.startsWith('# POD')).join('\n')).flatMap((s) => Object.keys(s.labels)))
    const ours = new Set(list.flatMap((s) => Object.keys(s.labels)))
    for (const label of ['direction', 'peer', 'target_addr', 'target_ip', 'target_port', 'tls', 'no_tls_reason', 'server_id', 'srv_kind', 'srv_name', 'authz_kind', 'authz_name', 'status_code', 'classification', 'le', 'errno', 'addr', 'dst_namespace', 'dst_pod', 'dst_deployment', 'dst_serviceaccount', 'dst_control_plane_ns', 'dst_pod_template_hash']) {
      assert.ok(realLabels.has(label), `real scrape has ${label}`)
      assert.ok(ours.has(label), `simulator has ${label}`)
    }
  })
})
