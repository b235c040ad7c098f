// `-o junit`: a testsuite per category, a testcase per check, valid against the JUnit schema
// Jenkins' xunit plugin validates with (junit-10.xsd). A test is red exactly when the run fails:
// errors are <failure type="error">; warnings are passing tests with their text in <system-out>,
// unless --fail-on warning makes them <failure type="warning">. Timeouts are <error> (the check
// could not finish), skipped checks <skipped>.
import type {CheckEntry, CheckReport, FailOn} from '../checks/types.js'
import {type JUnitCase, renderJUnit} from './junit.js'

function testCase(categoryId: string, check: CheckEntry, failOn: FailOn): JUnitCase {
  const c: JUnitCase = {name: `${check.id}: ${check.description}`, classname: categoryId, timeSeconds: check.durationMs / 1000}
  const text = [check.error ?? '', check.hint ? `see ${check.hint} for hints` : ''].filter((t) => t !== '').join('\n')
  const message = (check.error ?? check.result).split('\n', 1)[0] ?? check.result
  if (check.result === 'error' || (check.result === 'warning' && failOn === 'warning')) c.failure = {message, type: check.result, text}
  else if (check.result === 'warning') c.systemOut = `warning: ${text || message}`
  else if (check.result === 'timeout') c.error = {message, type: 'timeout', text}
  else if (check.result === 'skipped') c.skipped = {message: check.error ?? 'skipped'}
  else if (check.detail) c.systemOut = check.detail
  return c
}

export function renderCheckJUnit(report: CheckReport, timestamp?: string): string {
  return renderJUnit(
    'meshport check',
    report.categories.map((category) => {
      const suite = {name: category.id, cases: category.checks.map((check) => testCase(category.id, check, report.failOn))}
      return timestamp === undefined ? suite : {...suite, timestamp}
    }),
  )
}
