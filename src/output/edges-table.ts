// `viz edges` as a table, in Linkerd's layout (viz/cmd/testdata/edges_*.golden): SRC, DST, SRC_NS,
// DST_NS, with -o wide CLIENT_ID and SERVER_ID, then SECURED: `√`, or `×` and the reason in viz's
// words. meshport adds what viz cannot show: unmeshed sources (`unmeshed`, namespace `-`) and,
// with -o wide, the open connections last.
import {edgeIdentities, edgeMessage, type Edge} from '../metrics/edges.js'
import {paint} from './color.js'
import {renderTable} from './table.js'
import {showControls} from './terminal.js'

export const UNMESHED_SOURCE = 'unmeshed'

export interface EdgesTableOptions {
  wide: boolean
  color: boolean
}

/** Label values come from the proxies: nothing in them may reach the terminal as a control byte. */
function cell(text: string): string {
  return showControls(text).replaceAll('\n', '\\n').replaceAll('\t', '\\t')
}

export function securedCell(edge: Edge, color: boolean): string {
  if (edge.secured) return paint.bold(color, paint.green(color, '√'))
  return `${paint.bold(color, paint.red(color, '×'))} ${cell(edgeMessage(edge))}`
}

export function renderEdgesTable(edges: readonly Edge[], options: EdgesTableOptions): string {
  const head = ['SRC', 'DST', 'SRC_NS', 'DST_NS']
  if (options.wide) head.push('CLIENT_ID', 'SERVER_ID')
  head.push('SECURED')
  if (options.wide) head.push('TCP_CONN')
  const rows = edges.map((edge) => {
    const ids = edgeIdentities(edge)
    const cells = [edge.src ? cell(edge.src.name) : UNMESHED_SOURCE, cell(edge.dst.name), edge.src ? cell(edge.src.namespace) : '-', cell(edge.dst.namespace)]
    if (options.wide) cells.push(cell(ids.client), cell(ids.server))
    cells.push(securedCell(edge, options.color))
    if (options.wide) cells.push(String(Math.round(edge.connections)))
    return cells
  })
  return renderTable(head, rows)
}
