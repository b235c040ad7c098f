// A small JUnit XML writer: the structure CI systems read (Jenkins, GitLab, GitHub test reporters):
// <testsuites> of <testsuite> of <testcase> with optional <failure>, <error> or <skipped>. Only
// attributes junit-10.xsd (Jenkins' xunit plugin) allows: `skipped` is counted per <testsuite>,
// never on <testsuites>, which that schema rejects.
export interface JUnitCase {
  name: string
  classname: string
  timeSeconds: number
  failure?: {message: string; type: string; text: string}
  error?: {message: string; type: string; text: string}
  skipped?: {message: string}
  systemOut?: string
}

export interface JUnitSuite {
  name: string
  cases: JUnitCase[]
  timestamp?: string
}

/** Escapes text for XML attributes and content; drops characters XML 1.0 forbids. */
export function xmlEscape(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
}

const seconds = (value: number) => value.toFixed(3)

function renderCase(c: JUnitCase): string {
  const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}" time="${seconds(c.timeSeconds)}"`
  const children: string[] = []
  if (c.failure) children.push(`      <failure message="${xmlEscape(c.failure.message)}" type="${xmlEscape(c.failure.type)}">${xmlEscape(c.failure.text)}</failure>`)
  if (c.error) children.push(`      <error message="${xmlEscape(c.error.message)}" type="${xmlEscape(c.error.type)}">${xmlEscape(c.error.text)}</error>`)
  if (c.skipped) children.push(`      <skipped message="${xmlEscape(c.skipped.message)}"/>`)
  if (c.systemOut) children.push(`      <system-out>${xmlEscape(c.systemOut)}</system-out>`)
  return children.length === 0 ? `${open}/>` : `${open}>\n${children.join('\n')}\n    </testcase>`
}

export function renderJUnit(name: string, suites: readonly JUnitSuite[]): string {
  const totals = {tests: 0, failures: 0, errors: 0, time: 0}
  const body = suites.map((suite, id) => {
    const tests = suite.cases.length
    const failures = suite.cases.filter((c) => c.failure).length
    const errors = suite.cases.filter((c) => c.error).length
    const skipped = suite.cases.filter((c) => c.skipped).length
    const time = suite.cases.reduce((sum, c) => sum + c.timeSeconds, 0)
    totals.tests += tests
    totals.failures += failures
    totals.errors += errors
    totals.time += time
    const stamp = suite.timestamp ? ` timestamp="${xmlEscape(suite.timestamp)}"` : ''
    const open = `  <testsuite name="${xmlEscape(suite.name)}" id="${id}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(time)}"${stamp}`
    return tests === 0 ? `${open}/>` : `${open}>\n${suite.cases.map(renderCase).join('\n')}\n  </testsuite>`
  })
  const head = `<testsuites name="${xmlEscape(name)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="${seconds(totals.time)}">`
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${body.join('\n')}${body.length ? '\n' : ''}</testsuites>\n`
}
