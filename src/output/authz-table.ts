// `viz authz` as a table, in Linkerd's layout (viz/cmd/authz.go, cli/table): ROUTE, SERVER and
// AUTHORIZATION left-aligned, UNAUTHORIZED (refused requests per second), SUCCESS, RPS and the
// latency quantiles right-aligned, two spaces apart; NAMESPACE first with -A; -o wide adds the
// admitted rate and the refused share. Rows come ordered from the domain (authz-report.ts).
import type {AuthzRow} from '../metrics/authz.js'
import {authzCell, deniedShare, hasTraffic, serverCell} from '../metrics/authz-report.js'
import {formatLatency, formatRps, formatSuccess, NO_DATA} from './stat-format.js'
import {columns, renderTable} from './table.js'
import {showControls} from './terminal.js'

export interface AuthzTableOptions {
  allNamespaces: boolean
  wide: boolean
  honestLatency: boolean
}

export function renderAuthzTable(rows: readonly AuthzRow[], options: AuthzTableOptions): string {
  const {align, col, head} = columns()
  if (options.allNamespaces) col('NAMESPACE', 'left')
  for (const name of ['ROUTE', 'SERVER', 'AUTHORIZATION']) col(name, 'left')
  for (const name of ['UNAUTHORIZED', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99']) col(name, 'right')
  if (options.wide) {
    col('ALLOWED', 'right')
    col('DENIED', 'right')
  }
  const body = rows.map((row) => {
    const traffic = hasTraffic(row)
    const responses = row.successCount + row.failureCount > 0
    const cells: string[] = []
    if (options.allNamespaces) cells.push(row.namespace)
    cells.push(showControls(row.key.route.name), showControls(serverCell(row.key)), showControls(authzCell(row.key)))
    cells.push(
      traffic ? formatRps(row.deniedRate) : NO_DATA,
      responses ? formatSuccess(row.successRate) : NO_DATA,
      responses ? formatRps(row.rps) : NO_DATA,
      ...[0.5, 0.95, 0.99].map((q) => (responses ? formatLatency(row.latency.get(q), options.honestLatency) : NO_DATA)),
    )
    if (options.wide) cells.push(traffic ? formatRps(row.allowedRate) : NO_DATA, formatSuccess(deniedShare(row)))
    return cells
  })
  return renderTable(head, body, {align, gap: '  '})
}
