// The parser and the maths on what the simulated proxy serves (test/cluster/proxy), without the
// cluster: two renders 10 s apart must give back the traffic the model declares.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {aggregate} from '../../src/metrics/aggregate.js'
import {parsePrometheusText} from '../../src/metrics/parse.js'
import {podSignals} from '../../src/metrics/signals.js'
import {LATENCY_BOUNDS_MS} from '../cluster/proxy/latency.js'
import {renderProxyMetrics} from '../cluster/proxy/metrics-text.js'
import {flowShape, identityOf, newAdminCounters, proxyMetrics, type Endpoint, type ProxyModel} from '../cluster/proxy/traffic.js'

const pod: Endpoint = {ip: '10.0.3.7', meshed: true, name: 'web-5d8-abcde', namespace: 'emojivoto', ownerKind: 'deployment', ownerName: 'web', podTemplateHash: '5d8', port: 8080, service: {ip: '10.96.0.9', name: 'web-svc', port: 80}, serviceAccount: 'web'}
const declared = {latencyMs: {p50: 35, p95: 180, p99: 450}, requestBytes: 300, responseBytes: 1200, rps: 25, successRate: 0.93, tcpConnections: 3}

const model: ProxyModel = {
  adminPort: 4191,
  controlPlaneNs: 'linkerd',
  inbound: [{...flowShape(declared, 1), clientId: identityOf('vote-bot', 'emojivoto', 'linkerd', 'cluster.local'), opaque: false}],
  outbound: [],
  pod,
  ready: true,
  trustDomain: 'cluster.local',
  version: 'v2.366.0',
}

function bucketOf(ms: number): [number, number] {
  const i = LATENCY_BOUNDS_MS.findIndex((b) => ms <= b)
  return [i <= 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] as number), LATENCY_BOUNDS_MS[i] as number]
}

describe('simulated proxy output', () => {
  const epochMs = 1_790_000_000_000
  const render = (at: number): string => renderProxyMetrics(proxyMetrics(model, {admin: newAdminCounters(), epochMs}, at))

  test('parses both sections, with the families viz stat reads', () => {
    const parsed = parsePrometheusText(render(epochMs + 120_000))
    assert.equal(parsed.sawEof, true)
    for (const name of ['request_total', 'response_total', 'response_latency_ms', 'tcp_open_connections', 'tcp_read_bytes_total', 'process_start_time_seconds']) {
      assert.ok(parsed.families.has(name), `missing ${name}`)
    }
    assert.equal(parsed.families.get('response_latency_ms')?.type, 'histogram')
    const inbound = parsed.families.get('response_total')?.samples.filter((s) => s.labels.direction === 'inbound' && s.labels.target_port === '8080') ?? []
    assert.ok(inbound.length > 0)
    for (const sample of inbound) assert.ok('classification' in sample.labels && 'grpc_status' in sample.labels && 'error' in sample.labels)
  })

  test('two scrapes 10 s apart give back the declared success, RPS and quantile buckets', () => {
    const t0 = epochMs + 300_000
    const first = {at: t0, metrics: parsePrometheusText(render(t0))}
    const second = {at: t0 + 10_000, metrics: parsePrometheusText(render(t0 + 10_000))}
    const row = aggregate([podSignals(first, second, {adminPort: 4191, direction: 'inbound', includeAdmin: false})])
    assert.ok(Math.abs((row.successRate ?? 0) - declared.successRate) <= 0.01, `success ${row.successRate}`)
    assert.ok(Math.abs((row.rps ?? 0) - declared.rps) / declared.rps <= 0.05, `rps ${row.rps}`)
    for (const [q, ms] of [[0.5, declared.latencyMs.p50], [0.95, declared.latencyMs.p95], [0.99, declared.latencyMs.p99]] as const) {
      const result = row.latency.get(q)
      const [lower, upper] = bucketOf(ms)
      assert.ok(result && result.value > lower && result.value <= upper, `p${q * 100} ${result?.value} not in (${lower}, ${upper}]`)
    }
    assert.equal(row.tcpOpen, 6, 'accepting side 3 + proxy-to-app side 3, as viz sums both peers')
    assert.ok(Math.abs((row.readBytesRate ?? 0) - declared.rps * declared.requestBytes) / (declared.rps * declared.requestBytes) <= 0.05)
  })
})
