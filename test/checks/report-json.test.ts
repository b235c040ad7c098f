// Reading back `check -o json`: the same report comes out as went in; counts and success are the
// checks' own; every wrong field is named by its path.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {ReportShapeError, savedReportFromJson} from '../../src/checks/report-json.js'
import type {CheckReport} from '../../src/checks/types.js'
import {checkReportJson} from '../../src/output/check-json.js'

const report: CheckReport = {
  schemaVersion: 1,
  success: false,
  failOn: 'error',
  counts: {error: 1, skipped: 1, success: 1, timeout: 1, warning: 1},
  stoppedBy: 'data-plane.d',
  categories: [
    {id: 'linkerd-identity', name: 'linkerd-identity', checks: [{id: 'linkerd-identity.a', description: 'a', result: 'success', detail: 'fine', durationMs: 1}]},
    {
      id: 'data-plane',
      name: 'linkerd-data-plane',
      checks: [
        {id: 'data-plane.b', description: 'b', result: 'warning', error: 'soon', hint: 'https://linkerd.io/2/checks/#x', durationMs: 2},
        {id: 'data-plane.d', description: 'd', result: 'error', error: 'two\nlines\twith a tab', durationMs: 3},
        {id: 'data-plane.e', description: 'e', result: 'timeout', error: 'waited', durationMs: 10_000},
        {id: 'data-plane.f', description: 'f', result: 'skipped', error: 'not run', durationMs: 0},
      ],
    },
  ],
  stats: {apiCalls: 9, listCalls: 7, byMethod: {listPods: 1}, durationMs: 12},
}

const roundTrip = (doc: unknown) => savedReportFromJson(JSON.parse(JSON.stringify(doc))).report

function shapeError(doc: unknown): string {
  try {
    savedReportFromJson(doc)
  } catch (error) {
    assert.ok(error instanceof ReportShapeError, String(error))
    return error.message
  }
  assert.fail('accepted')
}

describe('check report from -o json', () => {
  test('what -o json writes reads back as the same report', () => {
    assert.deepEqual(roundTrip(checkReportJson(report)), report)
    const {stoppedBy: _, ...unstopped} = report
    assert.deepEqual(roundTrip(checkReportJson(unstopped)), unstopped)
  })

  test('a run that could not start: its error member reads back with the report', () => {
    const error = {code: 'KUBECONFIG_MISSING', message: 'kubeconfig file /nope not found', hint: 'pass --kubeconfig', exitCode: 3}
    const saved = savedReportFromJson(JSON.parse(JSON.stringify(checkReportJson(report, error))))
    assert.deepEqual(saved, {report, error})
    assert.equal(savedReportFromJson(JSON.parse(JSON.stringify(checkReportJson(report)))).error, undefined)
    assert.match(shapeError({...checkReportJson(report), error: {code: 'X', message: 'm', exitCode: 300}}), /^error\.exitCode: expected an exit code/)
  })

  test('counts and success come from the checks, not from what the file claims', () => {
    const doc = checkReportJson(report)
    const read = roundTrip({...doc, success: true, counts: {error: 0, skipped: 0, success: 5, timeout: 0, warning: 0}})
    assert.equal(read.success, false)
    assert.deepEqual(read.counts, report.counts)
    const onlyWarning = {...doc, categories: [{id: 'c', name: 'c', checks: [{id: 'c.w', description: 'w', result: 'warning', durationMs: 1}]}]}
    assert.equal(roundTrip(onlyWarning).success, true)
    assert.equal(roundTrip({...onlyWarning, failOn: 'warning'}).success, false)
  })

  test('a document that is not a report names the first wrong field', () => {
    const doc = checkReportJson(report) as {categories: Array<{checks: Array<Record<string, unknown>>}>}
    assert.match(shapeError([]), /^\(document\): expected an object/)
    assert.match(shapeError({...doc, schemaVersion: 2}), /^schemaVersion: 2: only schema version 1/)
    assert.match(shapeError({kind: 'List'}), /^schemaVersion: missing/)
    assert.match(shapeError({...doc, failOn: 'never'}), /^failOn: expected "error" or "warning"/)
    assert.match(shapeError({...doc, categories: {}}), /^categories: expected an array/)
    const badResult = structuredClone(doc)
    badResult.categories[1]!.checks[2]!.result = 'failed'
    assert.match(shapeError(badResult), /^categories\[1\]\.checks\[2\]\.result: "failed" is not one of/)
    const badDuration = structuredClone(doc)
    badDuration.categories[0]!.checks[0]!.durationMs = '1ms'
    assert.match(shapeError(badDuration), /^categories\[0\]\.checks\[0\]\.durationMs: expected a non-negative number/)
    const {stats: _, ...noStats} = doc as Record<string, unknown>
    assert.match(shapeError(noStats), /^stats: expected an object/)
  })

  test('text is kept as written, control characters too (the terminal renderers make them visible)', () => {
    const doc = checkReportJson(report) as {categories: Array<{checks: Array<Record<string, unknown>>}>}
    doc.categories[1]!.checks[1]!.error = 'red \u001b[31mtext\u001b[0m\u0007, two\nlines\ttab'
    assert.equal(roundTrip(doc).categories[1]!.checks[1]!.error, 'red \u001b[31mtext\u001b[0m\u0007, two\nlines\ttab')
  })
})
