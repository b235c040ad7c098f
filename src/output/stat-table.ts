// `viz stat` as a table, in Linkerd's layout (stat_*.golden): one table per kind in kind order,
// names prefixed with the short kind when several kinds are shown, NAMESPACE first with -A,
// STATUS after NAME for pods, READ/WRITE_BYTES/SEC with -o wide.
import type {StatRow} from '../metrics/report.js'
import {formatBytesRate, formatCount, formatLatency, formatRps, formatSuccess, NO_DATA} from './stat-format.js'
import {columns, renderTable} from './table.js'

export interface StatTableOptions {
  allNamespaces: boolean
  wide: boolean
  /** Show quantiles in wide buckets as `≤ bound` instead of the interpolated value. */
  honestLatency: boolean
  /** Terminal width: narrower gaps until the table fits; past that the terminal wraps it. */
  maxWidth?: number | undefined
}

// Linkerd's layout first; on a narrow terminal, 2-space, then 1-space gaps. The headers stay
// Linkerd's at every width, so a screen matches the docs and other people's screenshots.
const GAPS: readonly string[] = ['   ', '  ', ' ']

export function renderStatTable(rows: readonly StatRow[], options: StatTableOptions): string {
  const kinds = [...new Set(rows.map((r) => r.kind.name))]
  const prefix = kinds.length > 1
  const render = (gap: string): string => kinds.map((kind) => renderKind(rows.filter((r) => r.kind.name === kind), prefix, options, gap)).join('\n')
  let text = ''
  for (const gap of GAPS) {
    text = render(gap)
    if (options.maxWidth === undefined || text.split('\n').every((line) => [...line].length <= (options.maxWidth as number))) break
  }
  return text
}

function renderKind(rows: readonly StatRow[], prefix: boolean, options: StatTableOptions, gap: string): string {
  const pods = rows[0]?.kind.name === 'pod'
  const {align, col, head} = columns()
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
  return renderTable(head, body, {align, gap})
}
