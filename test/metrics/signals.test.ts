import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {aggregate} from '../../src/metrics/aggregate.js'
import {parsePrometheusText} from '../../src/metrics/parse.js'
import {destinationMatcher, sourceMatcher, type TrafficSelector} from '../../src/metrics/select.js'
import {podSignals, signalSnapshot, signalsBetween, type Scrape} from '../../src/metrics/signals.js'

const APP = 'direction="inbound",target_addr="10.1.0.7:8080",target_ip="10.1.0.7",target_port="8080",tls="true",client_id="web.emojivoto.serviceaccount.identity.linkerd.cluster.local"'
const ADMIN = 'direction="inbound",target_addr="[::]:4191",target_ip="::",target_port="4191",tls="no_identity",no_tls_reason="no_tls_from_remote"'
const LE = ['1', '2', '3', '4', '5', '10', '20', '30', '40', '50', '100', '200', '300', '400', '500', '1000', '2000', '3000', '4000', '5000', '10000', '20000', '30000', '40000', '50000', '+Inf']

interface Traffic {
  start?: number
  ok: number
  fail: number
  /** observations per latency value in ms */
  latencies: Record<number, number>
  admin?: number
  tcp?: number
  read?: number
}

function body(t: Traffic): string {
  const lines = ['# HELP response_total Total count of HTTP responses.', '# TYPE response_total counter']
  lines.push(`response_total{${APP},status_code="200",classification="success",grpc_status="",error=""} ${t.ok}`)
  lines.push(`response_total{${APP},status_code="500",classification="failure",grpc_status="",error=""} ${t.fail}`)
  lines.push(`response_total{${ADMIN},status_code="200",classification="success",grpc_status="",error=""} ${t.admin ?? 0}`)
  lines.push('# TYPE response_latency_ms histogram')
  for (const le of LE) {
    const bound = le === '+Inf' ? Infinity : Number(le)
    let count = 0
    for (const [ms, n] of Object.entries(t.latencies)) if (Number(ms) <= bound) count += n
    lines.push(`response_latency_ms_bucket{${APP},status_code="200",le="${le}"} ${count}`)
  }
  for (const le of LE) lines.push(`response_latency_ms_bucket{${ADMIN},status_code="200",le="${le}"} ${t.admin ?? 0}`)
  lines.push('# TYPE tcp_open_connections gauge')
  lines.push(`tcp_open_connections{direction="inbound",peer="src",target_addr="10.1.0.7:8080",target_ip="10.1.0.7",target_port="8080",tls="true",client_id="web.emojivoto.serviceaccount.identity.linkerd.cluster.local"} ${t.tcp ?? 0}`)
  lines.push(`tcp_open_connections{direction="inbound",peer="src",target_addr="[::]:4191",target_ip="::",target_port="4191",tls="no_identity",no_tls_reason="no_tls_from_remote"} 1`)
  lines.push('# TYPE tcp_read_bytes_total counter')
  lines.push(`tcp_read_bytes_total{direction="inbound",peer="src",target_addr="10.1.0.7:8080",target_ip="10.1.0.7",target_port="8080",tls="true",client_id="web.emojivoto.serviceaccount.identity.linkerd.cluster.local"} ${t.read ?? 0}`)
  lines.push('# TYPE process_start_time_seconds gauge', `process_start_time_seconds ${t.start ?? 1700000000}`, '# EOF', '')
  return lines.join('\n')
}

const scrape = (at: number, t: Traffic): Scrape => ({at, metrics: parsePrometheusText(body(t))})
const inbound: TrafficSelector = {adminPort: 4191, direction: 'inbound', includeAdmin: false}

describe('podSignals: deltas between two scrapes', () => {
  test('--watch: a series that starts to pass the filter in a later window still gets a delta, not its whole value', () => {
    const a = scrape(0, {fail: 10, latencies: {3: 100}, ok: 90, read: 1000})
    const b = scrape(10_000, {fail: 12, latencies: {3: 118}, ok: 106, read: 3000})
    // Window 1 resolved --from to a source the series did not come from; window 2 to one it does.
    const before = signalSnapshot(a, {...inbound, match: sourceMatcher({namespace: 'other'})})
    const after = signalSnapshot(b, {...inbound, match: sourceMatcher({namespace: 'emojivoto'})})
    const pod = signalsBetween(before, after)
    assert.deepEqual([pod.success, pod.failure, pod.readBytes, pod.latencyBuckets.get(5)], [16, 2, 2000, 18])
    // And a series the filter drops counts nothing, whatever it did before.
    assert.deepEqual([signalsBetween(after, before).success, signalsBetween(after, before).readBytes], [0, 0])
  })

  test('success, failure, RPS and bytes from counter deltas (hand-computed)', () => {
    const a = scrape(0, {fail: 10, latencies: {3: 100}, ok: 90, read: 1000, tcp: 2})
    const b = scrape(10_000, {fail: 12, latencies: {3: 100, 15: 18}, ok: 106, read: 3000, tcp: 3})
    const pod = podSignals(a, b, inbound)
    assert.equal(pod.seconds, 10)
    assert.equal(pod.success, 16)
    assert.equal(pod.failure, 2)
    assert.equal(pod.readBytes, 2000)
    assert.equal(pod.tcpOpen, 3, 'the admin-port connection (the scrape itself) is excluded')
    const row = aggregate([pod])
    assert.equal(row.successRate, 16 / 18)
    assert.equal(row.rps, 1.8)
    assert.equal(row.readBytesRate, 200)
    // All 18 new observations sit in (10,20]: p50 = 10 + 10*9/18 = 15; p99 = 10 + 10*17.82/18 = 19.9
    assert.equal(row.latency.get(0.5)?.value, 15)
    assert.ok(Math.abs((row.latency.get(0.99)?.value ?? 0) - 19.9) < 1e-9)
    assert.deepEqual([row.latency.get(0.95)?.lower, row.latency.get(0.95)?.upper], [10, 20])
  })

  test('admin-port traffic is excluded unless asked for', () => {
    const a = scrape(0, {admin: 5, fail: 0, latencies: {}, ok: 0})
    const b = scrape(2000, {admin: 6, fail: 0, latencies: {}, ok: 0})
    assert.equal(podSignals(a, b, inbound).success, 0)
    const withAdmin = podSignals(a, b, {...inbound, includeAdmin: true})
    assert.equal(withAdmin.success, 1)
    assert.equal(withAdmin.tcpOpen, 1)
  })

  test('a counter that dropped counts its new value, never a negative rate', () => {
    const a = scrape(0, {fail: 50, latencies: {3: 500}, ok: 450, read: 9000})
    const b = scrape(10_000, {fail: 1, latencies: {3: 7}, ok: 6, read: 100})
    const pod = podSignals(a, b, inbound)
    assert.equal(pod.success, 6)
    assert.equal(pod.failure, 1)
    assert.equal(pod.readBytes, 100)
    assert.ok(pod.resets > 0)
    assert.equal(aggregate([pod]).rps, 0.7)
  })

  test('a changed process_start_time_seconds means a restart: every new value is the delta', () => {
    // After a restart the new counters may already exceed the old ones; deltas must not subtract.
    const a = scrape(0, {fail: 1, latencies: {3: 5}, ok: 4, start: 1700000000})
    const b = scrape(10_000, {fail: 2, latencies: {3: 10}, ok: 8, start: 1700000009})
    const pod = podSignals(a, b, inbound)
    assert.equal(pod.restarted, true)
    assert.equal(pod.success, 8)
    assert.equal(pod.failure, 2)
    assert.equal(aggregate([pod]).restarts, 1)
  })

  test('a series present only in the second scrape counts from zero', () => {
    const a = {at: 0, metrics: parsePrometheusText('# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1\n')}
    const b = scrape(5000, {fail: 0, latencies: {}, ok: 5})
    assert.equal(podSignals(a, b, inbound).success, 5)
  })

  test('no responses: success and latency stay undefined, rps is 0', () => {
    const a = scrape(0, {fail: 0, latencies: {}, ok: 0})
    const row = aggregate([podSignals(a, scrape(1000, {fail: 0, latencies: {}, ok: 0}), inbound)])
    assert.equal(row.successRate, undefined)
    assert.equal(row.rps, 0)
    assert.equal(row.latency.size, 0)
  })

  test('rates are per pod over each pod\'s own window, then summed', () => {
    const p1 = podSignals(scrape(0, {fail: 0, latencies: {}, ok: 0}), scrape(10_000, {fail: 0, latencies: {}, ok: 10}), inbound)
    const p2 = podSignals(scrape(0, {fail: 0, latencies: {}, ok: 0}), scrape(5000, {fail: 0, latencies: {}, ok: 10}), inbound)
    const row = aggregate([p1, p2])
    assert.equal(row.rps, 3) // 1 + 2
    assert.deepEqual(row.seconds, {max: 10, min: 5})
    assert.equal(row.pods, 2)
  })
})

describe('--from / --to matchers', () => {
  test('sourceMatcher reads the service account and namespace out of client_id', () => {
    const m = sourceMatcher({namespace: 'emojivoto', serviceAccounts: new Set(['web'])})
    assert.equal(m({client_id: 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local'}), true)
    assert.equal(m({client_id: 'vote.emojivoto.serviceaccount.identity.linkerd.cluster.local'}), false)
    assert.equal(m({client_id: 'web.other.serviceaccount.identity.linkerd.cluster.local'}), false)
    assert.equal(m({no_tls_reason: 'no_tls_from_remote'}), false)
    assert.equal(sourceMatcher({namespace: 'other'})({client_id: 'web.other.serviceaccount.identity.linkerd.cluster.local'}), true)
  })

  test('destinationMatcher uses dst_namespace and dst_pod / dst_service', () => {
    const m = destinationMatcher({namespace: 'emojivoto', pods: new Set(['emoji-1'])})
    assert.equal(m({dst_namespace: 'emojivoto', dst_pod: 'emoji-1'}), true)
    assert.equal(m({dst_namespace: 'emojivoto', dst_pod: 'voting-1'}), false)
    assert.equal(destinationMatcher({namespace: 'emojivoto', service: 'emoji-svc'})({dst_namespace: 'emojivoto', dst_service: 'emoji-svc'}), true)
  })
})

describe('podSignals: measured seconds', () => {
  test('the proxy uptime counter, when present, measures the window instead of our clock', () => {
    const withUptime = (up: number, ok: number): Scrape => ({
      at: up * 1000 + (up > 100 ? 700 : 0), // our clock: the second scrape was 700 ms late
      metrics: parsePrometheusText(`${body({fail: 0, latencies: {}, ok})}# TYPE process_uptime_seconds counter\nprocess_uptime_seconds_total ${up}.0\n`),
    })
    const pod = podSignals(withUptime(100, 0), withUptime(110, 50), inbound)
    assert.equal(pod.seconds, 10)
    assert.equal(aggregate([pod]).rps, 5)
  })
})

describe('podSignals: restart inside the window', () => {
  test('the new counters are divided by the new process uptime, not the whole window', () => {
    const a = {at: 0, metrics: parsePrometheusText(`${body({fail: 0, latencies: {}, ok: 900, start: 1000})}# TYPE process_uptime_seconds counter\nprocess_uptime_seconds_total 500.0\n`)}
    const b = {at: 10_000, metrics: parsePrometheusText(`${body({fail: 0, latencies: {}, ok: 20, start: 1506})}# TYPE process_uptime_seconds counter\nprocess_uptime_seconds_total 4.0\n`)}
    const pod = podSignals(a, b, inbound)
    assert.equal(pod.restarted, true)
    assert.equal(pod.seconds, 4)
    assert.equal(aggregate([pod]).rps, 5)
  })
})
