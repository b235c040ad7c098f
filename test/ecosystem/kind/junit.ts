// `meshport check -o junit` against the same run's `-o json`: a JUnit report CI tools can read
// (test/output/check-junit-structure.ts checks the JUnit XSD's structure and that counts add up)
// whose suites and counts are the JSON's categories and counts. The workflow also parses the XML
// with Python's parser first, so well-formedness is not judged by our own tokenizer alone.
import {assertJUnitStructure} from '../../output/check-junit-structure.js'
import {comparison, type Comparison} from './comparison.js'

interface CheckJson {
  failOn?: 'error' | 'warning'
  counts: {error: number; skipped: number; success: number; timeout: number; warning: number}
  categories: Array<{id: string; checks: Array<{result: string}>}>
}

type Counts = {tests: number; failures: number; errors: number; skipped: number}

/** What the JUnit counts must be for these results: errors fail (warnings too under --fail-on warning), timeouts error. */
function expected(results: string[], failOn: 'error' | 'warning'): Counts {
  const n = (...r: string[]) => results.filter((x) => r.includes(x)).length
  return {tests: results.length, failures: failOn === 'warning' ? n('error', 'warning') : n('error'), errors: n('timeout'), skipped: n('skipped')}
}

const show = (c: Counts): string => `tests=${c.tests} failures=${c.failures} errors=${c.errors} skipped=${c.skipped}`

/** `exits`: the exit codes of the two runs, which must be the same (one exit code in every format). */
export function compareJUnit(xml: string, json: CheckJson, exits?: {junit: number; json: number}): Comparison {
  const exitProblem = exits === undefined || exits.junit === exits.json ? [] : [`meshport check -o junit exited ${exits.junit}, -o json ${exits.json}`]
  let parsed: ReturnType<typeof assertJUnitStructure>
  try {
    parsed = assertJUnitStructure(xml)
  } catch (error) {
    return comparison('junit: not a valid JUnit report', [...exitProblem, `invalid JUnit XML: ${(error as Error).message}`])
  }
  const problems: string[] = [...exitProblem]
  const c = json.counts
  const failOn = json.failOn ?? 'error'
  const total: Counts = {tests: c.error + c.skipped + c.success + c.timeout + c.warning, failures: c.error + (failOn === 'warning' ? c.warning : 0), errors: c.timeout, skipped: c.skipped}
  if (show(parsed.totals) !== show(total)) problems.push(`totals: junit ${show(parsed.totals)}, json ${show(total)}`)
  const suites = new Map(parsed.suites.map((s) => [s.attrs.name ?? '', s]))
  for (const category of json.categories) {
    const suite = suites.get(category.id)
    if (suite === undefined) {
      problems.push(`category ${category.id}: no testsuite of that name`)
      continue
    }
    suites.delete(category.id)
    const want = expected(category.checks.map((check) => check.result), failOn)
    const got: Counts = {tests: Number(suite.attrs.tests), failures: Number(suite.attrs.failures), errors: Number(suite.attrs.errors), skipped: Number(suite.attrs.skipped)}
    if (show(got) !== show(want)) problems.push(`category ${category.id}: junit ${show(got)}, json ${show(want)}`)
  }
  for (const name of suites.keys()) problems.push(`testsuite ${name}: no such category in the JSON`)
  return comparison(`junit: ${parsed.suites.length} suites, ${show(parsed.totals)}`, problems)
}
