// How every diagnose subcommand prints problems: a glyph and the rule id, the object, then the
// message and the one-line fix indented below (Linkerd's check layout, which operators know).
import {describeSubject, type Problem, type Severity} from '../ports/index.js'
import {paint} from './color.js'

export const SEVERITY_GLYPH: Record<Severity, string> = {error: '×', warning: '‼', info: 'i'}

export function severityGlyph(severity: Severity, color: boolean): string {
  const glyph = SEVERITY_GLYPH[severity]
  if (severity === 'error') return paint.bold(color, paint.red(color, glyph))
  if (severity === 'warning') return paint.bold(color, paint.yellow(color, glyph))
  return paint.dim(color, glyph)
}

export function problemObject(problem: Problem): string {
  const s = problem.subject
  let text = describeSubject(s)
  if (s.container) text += ` container ${s.container}`
  if (s.port !== undefined && !s.container) text += ` port ${s.port}`
  return text
}

export function renderProblems(problems: readonly Problem[], color: boolean): string {
  return problems
    .map((p) => `${severityGlyph(p.severity, color)} ${p.severity} ${p.rule}: ${problemObject(p)}\n    ${p.message}\n    fix: ${p.fix}\n`)
    .join('')
}

export function countsLine(counts: {error: number; warning: number; info: number}): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  if (counts.error + counts.warning + counts.info === 0) return 'no problems found'
  return `${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}, ${counts.info} info`
}
