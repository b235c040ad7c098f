// Renders a proxy's /metrics body the way linkerd2-proxy v2.366 does (linkerd/linkerd2-proxy
// linkerd/app/src/lib.rs, linkerd/metrics/src/fmt.rs): the legacy hand-written section (inbound
// authz, request_total, response_latency_ms, response_total, control_*, tcp_*) with integer values
// and raw label values in the proxy's label order, then the prometheus-client section (HELP ending
// in '.', `# UNIT`, float gauges, `_total` counter samples) closed by `# EOF`. Pure: the numbers
// come in, text goes out.
import {LATENCY_BOUNDS_MS} from './latency.js'

export type Labels = Array<[string, string]>

export interface HttpResponseSeries {
  /** Cumulative counts at each LATENCY_BOUNDS_MS bound; `count` is the +Inf bucket. */
  buckets: number[]
  classification: 'success' | 'failure'
  count: number
  /** gRPC status code (`0`, `14`, …), empty for plain HTTP. */
  grpcStatus: string
  statusCode: string
  /** Sum of latencies in whole ms. */
  sumMs: number
}

/** One endpoint-level label set (everything before `status_code`) and what it saw. */
export interface HttpSeries {
  labels: Labels
  requests: number
  responses: HttpResponseSeries[]
}

export interface TcpSeries {
  closeTotal: number
  /** `tcp_close_total` carries `errno` after these labels. */
  labels: Labels
  open: number
  openTotal: number
  readBytes: number
  writeBytes: number
}

export interface AuthzSeries {
  count: number
  labels: Labels
}

export interface ControlSeries {
  labels: Labels
  requests: number
  responses: number
  grpc: boolean
}

export interface ProxyMetrics {
  build: {date: string; gitSha: string; profile: string; vendor: string; version: string}
  control: ControlSeries[]
  http: HttpSeries[]
  identity: {expirationSeconds: number; refreshSeconds: number; refreshesError: number; refreshesOk: number}
  inboundHttpAuthzAllow: AuthzSeries[]
  inboundHttpAuthzDeny: AuthzSeries[]
  process: {cpuSeconds: number; maxFds: number; openFds: number; residentBytes: number; startTimeSeconds: number; threads: number; uptimeSeconds: number; virtualBytes: number}
  tcp: TcpSeries[]
}

function labelText(labels: Labels): string {
  return labels.map(([k, v]) => `${k}="${v}"`).join(',')
}

function sample(name: string, labels: Labels, value: number | string): string {
  return labels.length > 0 ? `${name}{${labelText(labels)}} ${value}\n` : `${name} ${value}\n`
}

/** Legacy counters and gauges print as integers (u64 through f64). */
function int(value: number): string {
  return String(Math.max(0, Math.floor(value)))
}

/** prometheus-client floats always carry a decimal point (`1789215005.0`). */
function float(value: number): string {
  const text = String(value)
  return /[.eE]/.test(text) || !Number.isFinite(value) ? text : `${text}.0`
}

function family(out: string[], name: string, type: string, help: string, lines: string[]): void {
  if (lines.length === 0) return // families without series are omitted entirely
  out.push(`# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`, ...lines)
}

export function renderProxyMetrics(m: ProxyMetrics): string {
  const out: string[] = []

  // 1. inbound legacy policy metrics
  family(
    out,
    'inbound_http_authz_allow_total',
    'counter',
    'The total number of inbound HTTP requests that were authorized',
    m.inboundHttpAuthzAllow.map((s) => sample('inbound_http_authz_allow_total', s.labels, int(s.count))),
  )
  family(
    out,
    'inbound_http_authz_deny_total',
    'counter',
    'The total number of inbound HTTP requests that could not be authorized',
    m.inboundHttpAuthzDeny.map((s) => sample('inbound_http_authz_deny_total', s.labels, int(s.count))),
  )

  // 3. the legacy proxy report: endpoint-level HTTP
  family(out, 'request_total', 'counter', 'Total count of HTTP requests.', m.http.map((s) => sample('request_total', s.labels, int(s.requests))))
  const latency: string[] = []
  for (const s of m.http) {
    // The histogram is keyed by status_code only: gRPC successes and failures (both 200) share one.
    const byStatus = new Map<string, {buckets: number[]; count: number; sumMs: number}>()
    for (const r of s.responses) {
      const acc = byStatus.get(r.statusCode) ?? {buckets: LATENCY_BOUNDS_MS.map(() => 0), count: 0, sumMs: 0}
      LATENCY_BOUNDS_MS.forEach((_, i) => (acc.buckets[i] = (acc.buckets[i] as number) + (r.buckets[i] ?? r.count)))
      acc.count += r.count
      acc.sumMs += r.sumMs
      byStatus.set(r.statusCode, acc)
    }
    for (const [statusCode, r] of byStatus) {
      const base: Labels = [...s.labels, ['status_code', statusCode]]
      // The series' label text once, then each bucket's le: a scale run renders hundreds of bodies.
      const bucketPrefix = `response_latency_ms_bucket{${labelText(base)},le="`
      LATENCY_BOUNDS_MS.forEach((bound, i) => latency.push(`${bucketPrefix}${bound}"} ${int(r.buckets[i] as number)}\n`))
      latency.push(`${bucketPrefix}+Inf"} ${int(r.count)}\n`)
      latency.push(sample('response_latency_ms_count', base, int(r.count)))
      latency.push(sample('response_latency_ms_sum', base, int(r.sumMs)))
    }
  }
  family(out, 'response_latency_ms', 'histogram', "Elapsed times between a request's headers being received and its response stream completing", latency)
  const responses: string[] = []
  for (const s of m.http) {
    for (const r of s.responses) {
      const labels: Labels = [...s.labels, ['status_code', r.statusCode], ['classification', r.classification], ['grpc_status', r.grpcStatus], ['error', '']]
      responses.push(sample('response_total', labels, int(r.count)))
    }
  }
  family(out, 'response_total', 'counter', 'Total count of HTTP responses.', responses)

  // control-plane clients (destination, policy, identity)
  family(out, 'control_request_total', 'counter', 'Total count of HTTP requests.', m.control.map((c) => sample('control_request_total', c.labels, int(c.requests))))
  family(
    out,
    'control_response_total',
    'counter',
    'Total count of HTTP responses.',
    m.control.map((c) =>
      sample('control_response_total', [...c.labels, ['status_code', '200'], ['classification', 'success'], ['grpc_status', c.grpc ? '0' : ''], ['error', '']], int(c.responses)),
    ),
  )

  // transport
  family(out, 'tcp_open_total', 'counter', 'Total count of opened connections', m.tcp.map((t) => sample('tcp_open_total', t.labels, int(t.openTotal))))
  family(out, 'tcp_open_connections', 'gauge', 'Number of currently-open connections', m.tcp.map((t) => sample('tcp_open_connections', t.labels, int(t.open))))
  family(out, 'tcp_read_bytes_total', 'counter', 'Total count of bytes read from peers', m.tcp.map((t) => sample('tcp_read_bytes_total', t.labels, int(t.readBytes))))
  family(out, 'tcp_write_bytes_total', 'counter', 'Total count of bytes written to peers', m.tcp.map((t) => sample('tcp_write_bytes_total', t.labels, int(t.writeBytes))))
  family(
    out,
    'tcp_close_total',
    'counter',
    'Total count of closed connections',
    m.tcp.filter((t) => t.closeTotal > 0).map((t) => sample('tcp_close_total', [...t.labels, ['errno', '']], int(t.closeTotal))),
  )

  // 4. prometheus-client registry
  const id = m.identity
  out.push(
    '# HELP control_identity_cert_expiration_timestamp_seconds Time when the this proxy\'s current mTLS identity certificate will expire (in seconds since the UNIX epoch).\n',
    '# TYPE control_identity_cert_expiration_timestamp_seconds gauge\n',
    '# UNIT control_identity_cert_expiration_timestamp_seconds seconds\n',
    `control_identity_cert_expiration_timestamp_seconds ${float(id.expirationSeconds)}\n`,
    '# HELP control_identity_cert_refresh_timestamp_seconds Time when the this proxy\'s current mTLS identity certificate were last updated.\n',
    '# TYPE control_identity_cert_refresh_timestamp_seconds gauge\n',
    '# UNIT control_identity_cert_refresh_timestamp_seconds seconds\n',
    `control_identity_cert_refresh_timestamp_seconds ${float(id.refreshSeconds)}\n`,
    '# HELP control_identity_cert_refreshes The total number of times this proxy\'s mTLS identity certificate has been refreshed by the Identity service.\n',
    '# TYPE control_identity_cert_refreshes counter\n',
    `control_identity_cert_refreshes_total{result="ok"} ${int(id.refreshesOk)}\n`,
    `control_identity_cert_refreshes_total{result="error"} ${int(id.refreshesError)}\n`,
  )
  const p = m.process
  out.push(
    '# HELP process_start_time_seconds Time that the process started (in seconds since the UNIX epoch).\n',
    '# TYPE process_start_time_seconds gauge\n',
    '# UNIT process_start_time_seconds seconds\n',
    `process_start_time_seconds ${float(p.startTimeSeconds)}\n`,
    '# HELP process_uptime_seconds Total time since the process started.\n',
    '# TYPE process_uptime_seconds counter\n',
    '# UNIT process_uptime_seconds seconds\n',
    `process_uptime_seconds_total ${float(Math.round(p.uptimeSeconds * 1000) / 1000)}\n`,
    '# HELP process_cpu_seconds Total user and system CPU time spent in seconds.\n',
    '# TYPE process_cpu_seconds counter\n',
    '# UNIT process_cpu_seconds seconds\n',
    `process_cpu_seconds_total ${float(Math.round(p.cpuSeconds * 100) / 100)}\n`,
    '# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n',
    '# TYPE process_virtual_memory_bytes gauge\n',
    '# UNIT process_virtual_memory_bytes bytes\n',
    `process_virtual_memory_bytes ${int(p.virtualBytes)}\n`,
    '# HELP process_resident_memory_bytes Resident memory size in bytes.\n',
    '# TYPE process_resident_memory_bytes gauge\n',
    '# UNIT process_resident_memory_bytes bytes\n',
    `process_resident_memory_bytes ${int(p.residentBytes)}\n`,
    '# HELP process_open_fds Number of open file descriptors.\n',
    '# TYPE process_open_fds gauge\n',
    `process_open_fds ${int(p.openFds)}\n`,
    '# HELP process_max_fds Maximum number of open file descriptors.\n',
    '# TYPE process_max_fds gauge\n',
    `process_max_fds ${int(p.maxFds)}\n`,
    '# HELP process_threads Number of OS threads in the process.\n',
    '# TYPE process_threads gauge\n',
    `process_threads ${int(p.threads)}\n`,
  )
  const b = m.build
  out.push(
    '# HELP proxy_build_info Proxy build info.\n',
    '# TYPE proxy_build_info gauge\n',
    sample('proxy_build_info', [['date', b.date], ['git_sha', b.gitSha], ['profile', b.profile], ['vendor', b.vendor], ['version', b.version]], 1),
    '# EOF\n',
  )
  return out.join('')
}
