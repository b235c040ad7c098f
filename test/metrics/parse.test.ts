import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {labelKey, MetricsParseError, parsePrometheusText} from '../../src/metrics/parse.js'
import {linkerd2Testdata} from '../helpers/testdata.js'

describe('parsePrometheusText on the real proxy capture (sampleMetrics.txt)', () => {
  const text = (): string => readFileSync(linkerd2Testdata('proxy-metrics/sampleMetrics.txt'), 'utf8')

  test('finds the 28 families with their declared types, ignoring the # POD header', () => {
    const parsed = parsePrometheusText(text())
    assert.equal(parsed.families.size, 28)
    const byType = new Map<string, number>()
    for (const family of parsed.families.values()) byType.set(family.type, (byType.get(family.type) ?? 0) + 1)
    assert.deepEqual(Object.fromEntries(byType), {counter: 18, gauge: 8, histogram: 2})
    assert.equal(parsed.sawEof, false)
  })

  test('keeps help, labels and values of the inbound admin-port series', () => {
    const parsed = parsePrometheusText(text())
    const requests = parsed.families.get('request_total')
    assert.equal(requests?.help, 'Total count of HTTP requests.')
    assert.equal(requests?.samples.length, 1)
    assert.deepEqual(requests?.samples[0]?.labels, {
      authz_kind: 'default',
      authz_name: 'all-unauthenticated',
      direction: 'inbound',
      no_tls_reason: 'no_tls_from_remote',
      srv_kind: 'default',
      srv_name: 'all-unauthenticated',
      target_addr: '0.0.0.0:4191',
      target_ip: '0.0.0.0',
      target_port: '4191',
      tls: 'no_identity',
    })
    assert.equal(requests?.samples[0]?.value, 30)
  })

  test('groups histogram buckets, _count and _sum under the histogram family', () => {
    const latency = parsePrometheusText(text()).families.get('response_latency_ms')
    assert.equal(latency?.type, 'histogram')
    const buckets = latency?.samples.filter((s) => s.name === 'response_latency_ms_bucket') ?? []
    assert.equal(buckets.length, 26)
    assert.deepEqual(buckets.map((s) => s.labels.le).slice(-3), ['40000', '50000', '+Inf'])
    assert.equal(latency?.samples.find((s) => s.name === 'response_latency_ms_count')?.value, 29)
    assert.equal(latency?.samples.find((s) => s.name === 'response_latency_ms_sum')?.value, 0)
  })

  test('reads gauges, the errno="" close label and the old build-info labels', () => {
    const parsed = parsePrometheusText(text())
    assert.ok((parsed.families.get('process_start_time_seconds')?.samples[0]?.value ?? 0) > 1.6e9)
    const close = parsed.families.get('tcp_close_total')?.samples[0]
    assert.equal(close?.labels.errno, '')
    const build = parsed.families.get('proxy_build_info')?.samples[0]
    assert.equal(build?.value, 1)
    assert.ok(build?.labels.git_sha)
  })
})

// The prometheus-client part of a current proxy (HELP ending in '.', `# UNIT`, `# EOF`, float gauges).
const OPEN_METRICS = `# HELP request_total Total count of HTTP requests.
# TYPE request_total counter
request_total{direction="inbound",target_addr="10.0.0.5:8080",target_ip="10.0.0.5",target_port="8080",tls="true",client_id="web.ns.serviceaccount.identity.linkerd.cluster.local"} 12
# HELP control_identity_cert_expiration_timestamp_seconds Time when the this proxy's current mTLS identity certificate will expire (in seconds since the UNIX epoch).
# TYPE control_identity_cert_expiration_timestamp_seconds gauge
# UNIT control_identity_cert_expiration_timestamp_seconds seconds
control_identity_cert_expiration_timestamp_seconds 1789215005.0
# HELP control_identity_cert_refreshes The total number of identity certificate refreshes.
# TYPE control_identity_cert_refreshes counter
control_identity_cert_refreshes_total{result="ok"} 3
# HELP process_start_time_seconds Time that the process started (in seconds since the UNIX epoch).
# TYPE process_start_time_seconds gauge
# UNIT process_start_time_seconds seconds
process_start_time_seconds 1789128605.25
# HELP outbound_http_route_request_duration_seconds The time between request initialization and response completion.
# TYPE outbound_http_route_request_duration_seconds histogram
# UNIT outbound_http_route_request_duration_seconds seconds
outbound_http_route_request_duration_seconds_sum{parent_name="web"} 0.5
outbound_http_route_request_duration_seconds_count{parent_name="web"} 4
outbound_http_route_request_duration_seconds_bucket{le="0.05",parent_name="web"} 2
outbound_http_route_request_duration_seconds_bucket{le="+Inf",parent_name="web"} 4
# HELP proxy_build_info Proxy build info.
# TYPE proxy_build_info gauge
proxy_build_info{version="v2.366.0",vendor="linkerd"} 1
# HELP some_future_family A family nobody knows yet.
# TYPE some_future_family counter
some_future_family_total{x="y"} 1 # {trace_id="abc"} 1.0 1789128605.0
some_future_family_created{x="y"} 1789128605.0
# EOF
`

describe('parsePrometheusText on the OpenMetrics-flavoured part', () => {
  test('maps foo_total samples to counter foo, keeps # UNIT and float gauges, sees # EOF', () => {
    const parsed = parsePrometheusText(OPEN_METRICS)
    assert.equal(parsed.sawEof, true)
    const refreshes = parsed.families.get('control_identity_cert_refreshes')
    assert.equal(refreshes?.type, 'counter')
    assert.equal(refreshes?.samples[0]?.name, 'control_identity_cert_refreshes_total')
    assert.equal(refreshes?.samples[0]?.labels.result, 'ok')
    assert.equal(parsed.families.has('control_identity_cert_refreshes_total'), false)
    const start = parsed.families.get('process_start_time_seconds')
    assert.equal(start?.unit, 'seconds')
    assert.equal(start?.samples[0]?.value, 1789128605.25)
    assert.equal(start?.help, 'Time that the process started (in seconds since the UNIX epoch).')
    const future = parsed.families.get('some_future_family')
    assert.equal(future?.type, 'counter')
    assert.deepEqual(future?.samples.map((s) => s.name), ['some_future_family_total', 'some_future_family_created'])
    assert.equal(future?.samples[0]?.value, 1)
    const duration = parsed.families.get('outbound_http_route_request_duration_seconds')
    assert.equal(duration?.samples.length, 4)
    assert.equal(parsed.families.get('proxy_build_info')?.samples[0]?.labels.version, 'v2.366.0')
  })

  test('accepts both parts concatenated, with CRLF line ends and timestamps', () => {
    const legacy = readLegacySnippet()
    const parsed = parsePrometheusText(`${legacy}${OPEN_METRICS}`.replaceAll('\n', '\r\n'))
    assert.equal(parsed.families.get('request_total')?.samples.length, 2)
    assert.equal(parsed.families.get('tcp_open_connections')?.samples[0]?.timestamp, 1700000000000)
  })

  test('reads special values and escaped label values', () => {
    const parsed = parsePrometheusText('a{l="x\\"y\\\\z\\n"} NaN\nb +Inf\nc -Inf\nd 1e3\ne -0.5\n')
    assert.equal(parsed.samples[0]?.labels.l, 'x"y\\z\n')
    assert.ok(Number.isNaN(parsed.samples[0]?.value))
    assert.deepEqual(parsed.samples.slice(1).map((s) => s.value), [Infinity, -Infinity, 1000, -0.5])
    assert.equal(parsed.families.get('a')?.type, 'untyped')
  })

  test('an empty body is valid and has no families', () => {
    assert.equal(parsePrometheusText('').families.size, 0)
  })
})

function readLegacySnippet(): string {
  return `# HELP request_total Total count of HTTP requests.
# TYPE request_total counter
request_total{direction="inbound",target_addr="0.0.0.0:4191",target_ip="0.0.0.0",target_port="4191",tls="no_identity",no_tls_reason="no_tls_from_remote"} 3
# HELP tcp_open_connections Number of currently-open connections
# TYPE tcp_open_connections gauge
tcp_open_connections{direction="inbound",peer="src"} 1 1700000000000
`
}

describe('parsePrometheusText rejects garbage with the line number', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>\n', /line 1: expected a metric name/],
    ['a truncated label set', 'ok 1\nrequest_total{direction="inbound",tar', /line 2: .*label/],
    ['a sample without a value', 'request_total{direction="inbound"}\n', /line 1: expected a space before the value/],
    ['a non-numeric value', 'request_total 12abc\n', /line 1: invalid value "12abc"/],
    ['an unknown # TYPE', '# TYPE foo countr\nfoo 1\n', /line 1: unknown metric type "countr"/],
    ['a gzip body read as text', '\u001f\u008b\b\u0000\u0000\u0000', /line 1: expected a metric name/],
    ['JSON', '{"error":"not found"}', /line 1: expected a metric name/],
  ]
  for (const [what, body, message] of cases) {
    test(what, () => {
      assert.throws(() => parsePrometheusText(body), (err: unknown) => err instanceof MetricsParseError && message.test(err.message))
    })
  }
})

describe('parsePrometheusText with keepSample', () => {
  test('keeps only the wanted samples but still reads every comment and rejects garbage', () => {
    const text = '# TYPE a counter\na{x="1"} 1\n# TYPE b gauge\nb{y="2"} 2\n'
    const parsed = parsePrometheusText(text, {keepSample: (name) => name === 'b'})
    assert.deepEqual(parsed.samples.map((s) => s.name), ['b'])
    assert.equal(parsed.families.get('a')?.type, 'counter')
    assert.throws(() => parsePrometheusText('<html>\n', {keepSample: () => false}), MetricsParseError)
    assert.throws(() => parsePrometheusText('a-b 1\n', {keepSample: () => false}), /expected "\{" or a space/)
  })
})

describe('parsePrometheusText reuses the labels of a histogram series across its buckets', () => {
  const bucket = (labels: string, le: string, value: number): string => `lat_bucket{${labels},le="${le}"} ${value}`

  test('every bucket gets its own labels and a series key equal to labelKey', () => {
    const text = ['# TYPE lat histogram', bucket('a="1",b="x"', '1', 3), bucket('a="1",b="x"', '+Inf', 5), bucket('a="2",b="x"', '1', 7)].join('\n')
    const samples = parsePrometheusText(text).samples
    assert.deepEqual(
      samples.map((s) => ({...s.labels})),
      [
        {a: '1', b: 'x', le: '1'},
        {a: '1', b: 'x', le: '+Inf'},
        {a: '2', b: 'x', le: '1'},
      ],
    )
    for (const s of samples) assert.equal(s.series, labelKey(s.labels))
    assert.notEqual(samples[0]?.labels, samples[1]?.labels)
  })

  test('a ,le=" inside a value or a label after le never borrows another line\'s labels', () => {
    const text = [
      'lat_bucket{path="/x,le=\\"9",le="1"} 1',
      'lat_bucket{path="/x,le=\\"9",le="2"} 2',
      'lat_bucket{a="1",le="1",zone="b"} 3',
      'lat_bucket{a="1",le="1"} 4',
      'lat_bucket{a="1",le="2",zone="c"} 5',
    ].join('\n')
    const samples = parsePrometheusText(text).samples
    assert.deepEqual(
      samples.map((s) => ({...s.labels})),
      [
        {le: '1', path: '/x,le="9'},
        {le: '2', path: '/x,le="9'},
        {a: '1', le: '1', zone: 'b'},
        {a: '1', le: '1'},
        {a: '1', le: '2', zone: 'c'},
      ],
    )
    for (const s of samples) assert.equal(s.series ?? labelKey(s.labels), labelKey(s.labels))
  })

  test('labelKey ignores label order and tells buckets of one series apart', () => {
    assert.equal(labelKey({a: '1', b: '2', le: '5'}), labelKey({le: '5', b: '2', a: '1'}))
    assert.notEqual(labelKey({a: '1', le: '5'}), labelKey({a: '1', le: '10'}))
    assert.notEqual(labelKey({a: '1'}), labelKey({a: '1', le: ''}))
  })
})
