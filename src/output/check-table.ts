// `-o table` and `-o short`: Linkerd's check layout (linkerd2 cli/cmd/testdata/check_output.golden),
// a header underlined with dashes per category, one glyph line per check, the error and a docs link
// indented below, then the verdict. `short` keeps only problems. Skipped checks are not listed (as
// in Linkerd); when a fatal check stopped the run, one line says so before the verdict.
import type {CategoryEntry, CheckEntry, CheckReport, CheckStatus} from '../checks/types.js'
import {paint} from './color.js'
import {showControls} from './terminal.js'

export const GLYPHS = {error: '×', success: '√', timeout: '×', warning: '‼'} as const

export interface TableOptions {
  color: boolean
  /** Only warnings, errors and timeouts (`-o short`). */
  short?: boolean
}

function glyph(result: Exclude<CheckStatus, 'skipped'>, color: boolean): string {
  const text = GLYPHS[result]
  if (result === 'success') return paint.bold(color, paint.green(color, text))
  if (result === 'warning') return paint.bold(color, paint.yellow(color, text))
  return paint.bold(color, paint.red(color, text))
}

const indent = (text: string) => text.split('\n').map((line) => `    ${line}`.trimEnd()).join('\n')

function renderCheck(check: CheckEntry, color: boolean): string {
  if (check.result === 'skipped') return ''
  let text = `${glyph(check.result, color)} ${showControls(check.description)}\n`
  if (check.result === 'success') return check.detail ? `${text}${indent(showControls(check.detail))}\n` : text
  if (check.error) text += `${indent(showControls(check.error))}\n`
  if (check.hint) text += `    see ${showControls(check.hint)} for hints\n`
  return text
}

export function verdictLine(report: Pick<CheckReport, 'success'>, color: boolean): string {
  return `Status check results are ${report.success ? glyph('success', color) : glyph('error', color)}\n`
}

/** One category's block with its trailing blank line, or '' when it shows nothing (only skipped or, short, only passed checks). */
export function renderCategoryBlock(category: CategoryEntry, options: TableOptions): string {
  const shown = category.checks.filter((c) => c.result !== 'skipped' && (!options.short || c.result !== 'success'))
  if (shown.length === 0) return ''
  const header = showControls(category.name)
  return `${header}\n${'-'.repeat(header.length)}\n${shown.map((c) => renderCheck(c, options.color)).join('')}\n`
}

/** What follows the blocks: a note on a fatal stop or on --fail-on warning, then the verdict. */
export function renderCheckTail(report: CheckReport, options: TableOptions): string {
  const notes: string[] = []
  if (report.stoppedBy !== undefined && report.counts.skipped > 0) {
    notes.push(`${report.counts.skipped} check${report.counts.skipped === 1 ? '' : 's'} not run: ${showControls(report.stoppedBy)} failed\n`)
  }
  if (report.failOn === 'warning' && report.counts.warning > 0 && report.counts.error === 0 && report.counts.timeout === 0) {
    notes.push('warnings fail this run (--fail-on warning)\n')
  }
  return notes.join('') + verdictLine(report, options.color)
}

/** The whole report: what `check` prints block by block as categories finish, in one string. */
export function renderCheckTable(report: CheckReport, options: TableOptions): string {
  return report.categories.map((category) => renderCategoryBlock(category, options)).join('') + renderCheckTail(report, options)
}
