// Borderless tables the way Linkerd prints them (Go text/tabwriter, 3 spaces between columns,
// no frame), built on cli-table3 so column widths and alignment are not hand-rolled per command.
// Colour styles are emptied: callers colour cell text themselves when colour is on.
import Table from 'cli-table3'

import {showControls} from './terminal.js'

export type Align = 'left' | 'right' | 'center'

/** Headers and their alignments, built column by column (`col('RPS', 'right')`) as a table's options decide. */
export function columns(): {head: string[]; align: Align[]; col: (name: string, align: Align) => void} {
  const head: string[] = []
  const align: Align[] = []
  const col = (name: string, a: Align): void => {
    head.push(name)
    align.push(a)
  }
  return {align, col, head}
}

export interface TableOptions {
  /** Per column; missing entries are left-aligned. */
  align?: readonly Align[]
  /** Gap between columns; Linkerd's tabwriter uses 3 spaces. */
  gap?: string
}

const NO_BORDER = {
  bottom: '',
  'bottom-left': '',
  'bottom-mid': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  top: '',
  'top-left': '',
  'top-mid': '',
  'top-right': '',
}

/** Renders header + rows; every line ends with "\n" and carries no trailing spaces. */
export function renderTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>, options: TableOptions = {}): string {
  const table = new Table({
    chars: {...NO_BORDER, middle: options.gap ?? '   '},
    colAligns: head.map((_, i) => options.align?.[i] ?? 'left'),
    head: head.map(showControls),
    style: {border: [], compact: true, head: [], 'padding-left': 0, 'padding-right': 0},
  })
  // Cells are escaped before cli-table3 measures them, so a hostile name keeps its column aligned.
  for (const row of rows) table.push(row.map(showControls))
  return `${table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')}\n`
}
