// `viz stat -o json`: one document with a schemaVersion (docs/viz-stat.md#json--o-json). Every
// number is unrounded. A row carries Linkerd's fields under Linkerd's names (success as a ratio,
// rps, latency_ms_p50…, tcp_open_connections, tcp_*_bytes_rate) and what Linkerd lacks in the
// same snake_case style: counts, the measured span, pod counts, per-pod errors and the bucket
// bounds of each quantile. The envelope around the rows is camelCase, like every meshport document.
import type {QuantileResult} from '../metrics/quantile.js'
import type {StatReport, StatRow} from '../metrics/report.js'
import type {SourceInfo} from '../metrics/source.js'

// 2: row fields renamed to one style (successCount → success_count, …).
export const STAT_SCHEMA_VERSION = 2

export interface StatJsonContext {
  direction: 'inbound' | 'outbound'
  from?: string
  to?: string
  includeAdmin: boolean
  /** Where the numbers came from; undefined when nothing was measured. */
  source?: SourceInfo | undefined
  /** ISO time the measurement ended. */
  time: string
}

const round = (n: number | undefined, digits = 6): number | null => (n === undefined || !Number.isFinite(n) ? null : Number(n.toFixed(digits)))

function bounds(result: QuantileResult | undefined): {lower: number; upper: number | null} | null {
  if (!result) return null
  return {lower: result.lower, upper: Number.isFinite(result.upper) ? result.upper : null}
}

function rowJson(row: StatRow): Record<string, unknown> {
  const s = row.stats
  const q = (p: number): number | null => round(s.latency.get(p)?.value)
  return {
    namespace: row.namespace,
    kind: row.kind.name,
    name: row.name,
    ...(row.status === undefined ? {} : {status: row.status}),
    meshed: row.meshed,
    pods: {targeted: row.podsTargeted, scraped: s.pods, failed: row.errors.length},
    success: round(s.successRate, 9),
    success_count: s.successCount,
    failure_count: s.failureCount,
    rps: round(s.rps),
    latency_ms_p50: q(0.5),
    latency_ms_p95: q(0.95),
    latency_ms_p99: q(0.99),
    latency_buckets_ms: {p50: bounds(s.latency.get(0.5)), p95: bounds(s.latency.get(0.95)), p99: bounds(s.latency.get(0.99))},
    tcp_open_connections: s.tcpOpen ?? null,
    tcp_read_bytes_rate: round(s.readBytesRate),
    tcp_write_bytes_rate: round(s.writeBytesRate),
    measured_seconds: s.seconds ? {min: round(s.seconds.min, 3), max: round(s.seconds.max, 3)} : null,
    proxy_restarts: s.restarts ?? null,
    counter_resets: s.resets ?? null,
    errors: row.errors.map((e) => ({pod: e.pod, error: e.error})),
  }
}

export function statJson(report: StatReport, context: StatJsonContext): Record<string, unknown> {
  let min: number | undefined
  let max: number | undefined
  for (const row of report.rows) {
    if (!row.stats.seconds) continue
    min = Math.min(min ?? Infinity, row.stats.seconds.min)
    max = Math.max(max ?? 0, row.stats.seconds.max)
  }
  return {
    schemaVersion: STAT_SCHEMA_VERSION,
    time: context.time,
    window: {requestedSeconds: report.windowSeconds, measuredSeconds: min === undefined ? null : {min: round(min, 3), max: round(max, 3)}},
    direction: context.direction,
    ...(context.to ? {to: context.to} : {}),
    ...(context.from ? {from: context.from} : {}),
    includeAdmin: context.includeAdmin,
    ...(context.source ? {source: context.source} : {}),
    pods: {targeted: report.podsTargeted, scraped: report.podsScraped, failed: report.errors.length},
    rows: report.rows.map(rowJson),
    errors: report.errors,
  }
}
