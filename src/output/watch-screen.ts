// `--watch` on a terminal: each frame replaces the previous one in place. The cursor goes up by
// the rows the previous frame took on screen — counting lines the terminal wrapped, and the
// notes written to stderr when that is the same terminal — so nothing of it is left behind at
// any width. After a resize the old rows cannot be counted any more (terminals reflow
// differently): the screen is cleared instead.
import {terminalSafe} from './terminal.js'
import {screenRows} from './wrap.js'

export interface Screen {
  isTTY?: boolean
  columns?: number
  write(text: string): unknown
}

/** Rows `text` takes on a terminal `columns` wide (its trailing newline ends the last row). */
export function textRows(text: string, columns: number): number {
  if (text === '') return 0
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
  return lines.reduce((sum, line) => sum + screenRows(line, columns), 0)
}

export class WatchScreen {
  private rows = 0
  private columns = 0

  constructor(
    private readonly out: Screen,
    private readonly err: Screen,
  ) {}

  /**
   * Draws `data` on stdout and `notes` on stderr in place of the previous frame; both are for a
   * person, so control characters in them are shown escaped (the cursor moves are our own).
   */
  draw(rawData: string, rawNotes: string): void {
    const data = terminalSafe(rawData)
    const notes = terminalSafe(rawNotes)
    const columns = this.out.columns && this.out.columns > 0 ? this.out.columns : 80
    let head = ''
    if (this.rows > 0) head = columns === this.columns ? `\u001B[${this.rows}A\u001B[J` : '\u001B[H\u001B[2J'
    this.out.write(head + data)
    if (notes !== '') this.err.write(notes)
    this.rows = textRows(data, columns) + (this.err.isTTY ? textRows(notes, columns) : 0)
    this.columns = columns
  }
}
