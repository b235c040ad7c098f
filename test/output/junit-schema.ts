// Validates a JUnit report against junit-10.xsd, the schema Jenkins' xunit plugin checks reports
// with (test/testdata/junit/), using xmllint. Without xmllint the caller skips visibly; under CI
// (CI=true) a missing xmllint is a failure, never a silent skip.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {findTool, requireTool, skipWithout} from '../helpers/tools.js'

const SCHEMA = fileURLToPath(new URL('../testdata/junit/junit-10.xsd', import.meta.url))
const xmllint = findTool('xmllint')

/** `skip` for node:test: a reason when xmllint is missing on a laptop, false where it must run. */
export const schemaSkip: string | false = skipWithout('xmllint', 'skipped the junit-10.xsd validation (apt-get install libxml2-utils)')

export function assertValidJUnit(xml: string): void {
  const r = spawnSync(xmllint ?? requireTool('xmllint'), ['--noout', '--schema', SCHEMA, '-'], {encoding: 'utf8', input: xml})
  assert.equal(r.status, 0, `the report does not validate against junit-10.xsd:\n${r.stderr}\n${xml}`)
}
