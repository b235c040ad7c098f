// `viz stat` as a table, in Linkerd's layout (stat_*.golden): one table per kind in kind order,
// names prefixed with the short kind when several kinds are shown, NAMESPACE first with -A,
// STATUS after NAME for pods, READ/WRITE_BYTES/SEC with -o wide.
import type {StatRow} from '../metrics/report.js'
import {formatBytesRate, formatCount, formatLatency, formatRps, formatSuccess, NO_DATA} from './stat-format.js'
import {renderTable, type Align} from './table.js'

export interface StatTableOptions {
  allNamespaces: boolean
  wide: boolean
  /** Show quantiles in wide buckets as `≤ bound` instead of the interpolated value. */
  honestLatency: boolean
  /** Terminal width: narrower gaps, then short headers, until the table fits (best effort). */
  maxWidth?: number | undefined
}

// Linkerd's layout first; on a narrow terminal, 2-space gaps, then short header names.
const LAYOUTS: ReadonlyArray<{gap: string; short: boolean}> = [
  {gap: '   ', short: false},
  {gap: '  ', short: false},
  {gap: '  ', short: true},
  {gap: ' ', short: true},
]
const SHORT: Record<string, string> = {
  LATENCY_P50: 'P50',
  LATENCY_P95: 'P95',
  LATENCY_P99: 'P99',
  'READ_BYTES/SEC': 'READ/S',
  TCP_CONN: 'CONN',
  'WRITE_BYTES/SEC': 'WRITE/S',
}

export function renderStatTable(rows: readonly StatRow[], options: StatTableOptions): string {
  const kinds = [...new Set(rows.map((r) => r.kind.name))]
  const prefix = kinds.length > 1
  const render = (layout: {gap: string; short: boolean}): string =>
    kinds.map((kind) => renderKind(rows.filter((r) => r.kind.name === kind), prefix, options, layout)).join('\n')
  let text = ''
  for (const layout of LAYOUTS) {
    text = render(layout)
    if (options.maxWidth === undefined || text.split('\n').every((line) => [...line].length <= (options.maxWidth as number))) break
  }
  return text
}

function renderKind(rows: readonly StatRow[], prefix: boolean, options: StatTableOptions, layout: {gap: string; short: boolean}): string {
  const pods = rows[0]?.kind.name === 'pod'
  const head: string[] = []
  const align: Align[] = []
  const col = (name: string, a: Align): void => {
    head.push(layout.short ? (SHORT[name] ?? name) : name)
    align.push(a)
  }
  if (options.allNamespaces) col('NAMESPACE', 'left')
  col('NAME', 'left')
  if (pods) col('STATUS', 'right')
  for (const name of ['MESHED', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'TCP_CONN']) col(name, 'right')
  if (options.wide) {
    col('READ_BYTES/SEC', 'right')
    col('WRITE_BYTES/SEC', 'right')
  }
  const body = rows.map((row) => {
    const s = row.stats
    const requests = s.successCount + s.failureCount > 0
    const cells: string[] = []
    if (options.allNamespaces) cells.push(row.namespace)
    cells.push(prefix ? `${row.kind.short}/${row.name}` : row.name)
    if (pods) cells.push(row.status ?? NO_DATA)
    cells.push(
      `${row.meshed.ready}/${row.meshed.total}`,
      requests ? formatSuccess(s.successRate) : NO_DATA,
      requests ? formatRps(s.rps) : NO_DATA,
      ...[0.5, 0.95, 0.99].map((q) => (requests ? formatLatency(s.latency.get(q), options.honestLatency) : NO_DATA)),
      formatCount(s.tcpOpen),
    )
    if (options.wide) cells.push(s.pods > 0 ? formatBytesRate(s.readBytesRate) : NO_DATA, s.pods > 0 ? formatBytesRate(s.writeBytesRate) : NO_DATA)
    return cells
  })
  return renderTable(head, body, {align, gap: layout.gap})
}
