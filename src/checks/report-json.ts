// Reads back a report that `check -o json` wrote (docs/check.md#json-output), so a saved run can be
// rendered again in another format (`check --from-json`): the GitHub Action runs the checks once
// and renders the log table, the JUnit file and the job summary from that one document.
// A run that could not start is saved as a report with one failed check and an `error` member
// (docs/exit-codes.md#errors-in-json-mode), which is read back too. Counts and success are
// recomputed from the checks, so an edited or truncated file cannot claim a verdict its checks do
// not support. Text is kept as it is; the terminal renderers make control characters visible.
import type {ErrorInfo} from '../errors.js'
import {countResults, reportExitCode} from './runner.js'
import type {CategoryEntry, CheckEntry, CheckReport, CheckStatus} from './types.js'

/** A saved report, and for a run that could not start (no usable cluster, usage) why. */
export interface SavedReport {
  report: CheckReport
  error?: ErrorInfo
}

const RESULTS: ReadonlySet<string> = new Set<CheckStatus>(['error', 'skipped', 'success', 'timeout', 'warning'])

/** Thrown for a document that is not a check report; `path` is where, as `categories[0].checks[2].result`. */
export class ReportShapeError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`)
  }
}

type Json = Record<string, unknown>

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ReportShapeError(path, 'expected an object')
  return value as Json
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ReportShapeError(path, 'expected an array')
  return value
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ReportShapeError(path, 'expected a string')
  return value
}

function optionalText(value: unknown, path: string): string | undefined {
  return value === undefined ? undefined : text(value, path)
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ReportShapeError(path, 'expected a non-negative number')
  return value
}

function checkEntry(value: unknown, path: string): CheckEntry {
  const doc = object(value, path)
  const result = text(doc.result, `${path}.result`)
  if (!RESULTS.has(result)) throw new ReportShapeError(`${path}.result`, `"${result}" is not one of ${[...RESULTS].join(', ')}`)
  const entry: CheckEntry = {id: text(doc.id, `${path}.id`), description: text(doc.description, `${path}.description`), result: result as CheckStatus, durationMs: count(doc.durationMs, `${path}.durationMs`)}
  for (const key of ['error', 'hint', 'detail'] as const) {
    const optional = optionalText(doc[key], `${path}.${key}`)
    if (optional !== undefined) entry[key] = optional
  }
  return entry
}

function categoryEntry(value: unknown, path: string): CategoryEntry {
  const doc = object(value, path)
  return {
    id: text(doc.id, `${path}.id`),
    name: text(doc.name, `${path}.name`),
    checks: array(doc.checks, `${path}.checks`).map((check, i) => checkEntry(check, `${path}.checks[${i}]`)),
  }
}

function stats(value: unknown): CheckReport['stats'] {
  const doc = object(value, 'stats')
  const read: CheckReport['stats'] = {apiCalls: count(doc.apiCalls, 'stats.apiCalls'), listCalls: count(doc.listCalls, 'stats.listCalls'), durationMs: count(doc.durationMs, 'stats.durationMs')}
  if (doc.byMethod !== undefined) {
    const byMethod = object(doc.byMethod, 'stats.byMethod')
    read.byMethod = Object.fromEntries(Object.entries(byMethod).map(([method, n]) => [method, count(n, `stats.byMethod.${method}`)]))
  }
  return read
}

function errorMember(value: unknown): ErrorInfo {
  const doc = object(value, 'error')
  const exitCode = count(doc.exitCode, 'error.exitCode')
  if (!Number.isInteger(exitCode) || exitCode > 255) throw new ReportShapeError('error.exitCode', 'expected an exit code')
  const info: ErrorInfo = {code: text(doc.code, 'error.code'), message: text(doc.message, 'error.message'), exitCode}
  const hint = optionalText(doc.hint, 'error.hint')
  if (hint !== undefined) info.hint = hint
  return info
}

/** The report in `doc` (parsed JSON), or a ReportShapeError naming the first field that is wrong. */
export function savedReportFromJson(doc: unknown): SavedReport {
  const top = object(doc, '(document)')
  if (top.schemaVersion !== 1) throw new ReportShapeError('schemaVersion', `${JSON.stringify(top.schemaVersion) ?? 'missing'}: only schema version 1 is known (is this a meshport check -o json report?)`)
  const failOn = top.failOn
  if (failOn !== 'error' && failOn !== 'warning') throw new ReportShapeError('failOn', 'expected "error" or "warning"')
  const categories = array(top.categories, 'categories').map((category, i) => categoryEntry(category, `categories[${i}]`))
  const counts = countResults(categories)
  const report: CheckReport = {schemaVersion: 1, success: reportExitCode({counts, failOn}) === 0, failOn, counts, categories, stats: stats(top.stats)}
  const stoppedBy = optionalText(top.stoppedBy, 'stoppedBy')
  if (stoppedBy !== undefined) report.stoppedBy = stoppedBy
  return top.error === undefined ? {report} : {report, error: errorMember(top.error)}
}
