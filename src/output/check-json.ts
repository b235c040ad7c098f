// `-o json`: ONE document (linkerd/linkerd2#7960 is about Linkerd printing several), with fixed key
// order so diffs of two runs stay readable. Schema: docs/check.md#json-output. A run that could not
// start also carries the `error` member of every error document (docs/exit-codes.md).
// Linkerd's own field names are all there too (`success`, `categories[].categoryName`,
// `checks[].description/hint/error/result`, linkerd2 cli/cmd/testdata/check_output_json.golden),
// so a script written against `linkerd check -o json` reads this document unchanged.
import type {CheckEntry, CheckReport} from '../checks/types.js'
import type {ErrorInfo} from '../errors.js'
import {errorJson, jsonDocument} from './json.js'

function entry(check: CheckEntry): Record<string, unknown> {
  const ordered: Record<string, unknown> = {id: check.id, description: check.description, result: check.result}
  if (check.error !== undefined) ordered.error = check.error
  if (check.hint !== undefined) ordered.hint = check.hint
  if (check.detail !== undefined) ordered.detail = check.detail
  ordered.durationMs = check.durationMs
  return ordered
}

export function checkReportJson(report: CheckReport, error?: ErrorInfo): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    schemaVersion: report.schemaVersion,
    success: report.success,
    failOn: report.failOn,
    counts: report.counts,
  }
  if (report.stoppedBy !== undefined) doc.stoppedBy = report.stoppedBy
  doc.categories = report.categories.map((category) => ({id: category.id, name: category.name, categoryName: category.name, checks: category.checks.map(entry)}))
  doc.stats = report.stats
  if (error !== undefined) doc.error = errorJson(error)
  return doc
}

export function renderCheckJson(report: CheckReport, error?: ErrorInfo): string {
  return jsonDocument(checkReportJson(report, error))
}
