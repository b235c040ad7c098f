// `-o markdown`: what a pull-request comment or a GitHub job summary wants: the verdict, a table of
// the checks that did not pass (errors, timeouts, warnings) with their hints, and the counts.
// Passed and skipped checks are only counted. Cell text comes from the cluster, so it is escaped:
// it can neither break the table nor inject HTML or links.
import type {CheckEntry, CheckReport} from '../checks/types.js'
import type {ErrorInfo} from '../errors.js'
import {GLYPHS} from './check-table.js'
import {showControls} from './terminal.js'

const PROBLEMS = ['error', 'timeout', 'warning'] as const
type Problem = (typeof PROBLEMS)[number]

/** Inline Markdown for one table cell: one line, nothing that Markdown or HTML would interpret. */
export function markdownCell(text: string): string {
  return showControls(text.replaceAll('\r\n', '\n'))
    // Emphasis, code, links and table pipes; with [ and ] escaped, parentheses cannot form a link.
    .replace(/[\\`*_[\]~|]/g, (c) => `\\${c}`)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\t', ' ')
    .replaceAll('\n', '<br>')
}

function hintCell(hint: string | undefined): string {
  if (hint === undefined) return ''
  // Only plain http(s) URLs become links; anything else is shown as text.
  if (!/^https?:\/\/[^\s<>()[\]]+$/.test(hint)) return markdownCell(hint)
  const anchor = hint.includes('#') ? hint.slice(hint.indexOf('#') + 1) : hint.replace(/^https?:\/\//, '')
  return `[${markdownCell(anchor)}](${hint})`
}

function row(check: CheckEntry & {result: Problem}): string {
  const result = `${GLYPHS[check.result]} ${check.result}`
  const what = `\`${showControls(check.id).replaceAll('`', "'")}\`<br>${markdownCell(check.description)}`
  return `| ${result} | ${what} | ${markdownCell(check.error ?? '')} | ${hintCell(check.hint)} |\n`
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** `error`: the run could not start (its report holds the failure as a failed check). */
export function renderCheckMarkdown(report: CheckReport, error?: ErrorInfo): string {
  const {counts} = report
  const problems = report.categories.flatMap((category) => category.checks).filter((c): c is CheckEntry & {result: Problem} => (PROBLEMS as readonly string[]).includes(c.result))
  // Errors first, then timeouts, then warnings; the run's order within each.
  problems.sort((a, b) => PROBLEMS.indexOf(a.result) - PROBLEMS.indexOf(b.result))
  const verdict = error
    ? `${GLYPHS.error} could not run (exit ${error.exitCode})`
    : report.success
      ? `${GLYPHS.success} passed`
      : counts.error > 0 || counts.warning > 0
        ? `${GLYPHS.error} failed`
        : `${GLYPHS.timeout} timed out`
  let text = `### meshport check: ${verdict}\n\n`
  if (problems.length > 0) {
    text += '| result | check | error | hint |\n| --- | --- | --- | --- |\n'
    text += problems.map(row).join('')
    text += '\n'
  }
  const tally = [`${counts.success} passed`, plural(counts.warning, 'warning'), plural(counts.error, 'error'), `${counts.timeout} timed out`, `${counts.skipped} skipped`]
  text += `${tally.join(', ')}`
  if (report.stoppedBy !== undefined && counts.skipped > 0) text += ` (not run: \`${showControls(report.stoppedBy).replaceAll('`', "'")}\` failed)`
  if (report.failOn === 'warning' && counts.warning > 0) text += '; warnings fail this run (--fail-on warning)'
  return `${text}\n`
}
