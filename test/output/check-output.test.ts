import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import type {CheckReport} from '../../src/checks/types.js'
import {renderCheckJson} from '../../src/output/check-json.js'
import {renderCheckJUnit} from '../../src/output/check-junit.js'
import {renderCheckTable} from '../../src/output/check-table.js'
import {terminalSafe} from '../../src/output/terminal.js'
import {linkerd2Testdata} from '../helpers/testdata.js'
import {assertJUnitStructure} from './check-junit-structure.js'
import {assertValidJUnit, schemaSkip} from './junit-schema.js'

// The report Linkerd's own renderer golden was made from (cli/cmd/check_test.go): one category,
// one success, one failure with a hint anchor.
const golden: CheckReport = {
  schemaVersion: 1,
  success: false,
  failOn: 'error',
  counts: {error: 1, skipped: 0, success: 1, timeout: 0, warning: 0},
  categories: [
    {
      id: 'category',
      name: 'category',
      checks: [
        {id: 'category.check1', description: 'check1', result: 'success', durationMs: 1},
        {id: 'category.check2', description: 'check2', result: 'error', error: 'This should contain instructions for fail', hint: 'https://linkerd.io/2/checks/#hint-anchor', durationMs: 2},
      ],
    },
  ],
  stats: {apiCalls: 0, listCalls: 0, durationMs: 3},
}

const mixed: CheckReport = {
  schemaVersion: 1,
  success: false,
  failOn: 'error',
  counts: {error: 1, skipped: 1, success: 2, timeout: 1, warning: 1},
  stoppedBy: 'kubernetes-api.can-query-api',
  categories: [
    {
      id: 'linkerd-identity',
      name: 'linkerd-identity',
      checks: [
        {id: 'linkerd-identity.a', description: 'a ok', result: 'success', durationMs: 1},
        {id: 'linkerd-identity.b', description: 'b warns', result: 'warning', error: 'issuer <expires> & "soon"', hint: 'https://linkerd.io/2/checks/#x', durationMs: 1},
      ],
    },
    {
      id: 'data-plane',
      name: 'linkerd-data-plane',
      checks: [
        {id: 'data-plane.c', description: 'c ok', result: 'success', durationMs: 1},
        {id: 'data-plane.d', description: 'd fails', result: 'error', error: 'two\nlines', durationMs: 1},
        {id: 'data-plane.e', description: 'e times out', result: 'timeout', error: 'timed out after 10s waiting for pod/web-1 in shop', durationMs: 10000},
        {id: 'data-plane.f', description: 'f skipped', result: 'skipped', error: 'not run', durationMs: 0},
      ],
    },
  ],
  stats: {apiCalls: 9, listCalls: 7, durationMs: 12},
}

describe('check renderers', () => {
  test('table matches Linkerd check_output.golden, then the verdict', () => {
    const expected = readFileSync(linkerd2Testdata('output/check_output.golden'), 'utf8')
    assert.equal(renderCheckTable(golden, {color: false}), `${expected}Status check results are ×\n`)
  })

  test('table: warnings, multi-line errors, timeouts; skipped checks hidden; a note on the fatal stop', () => {
    assert.equal(
      renderCheckTable(mixed, {color: false}),
      [
        'linkerd-identity',
        '----------------',
        '√ a ok',
        '‼ b warns',
        '    issuer <expires> & "soon"',
        '    see https://linkerd.io/2/checks/#x for hints',
        '',
        'linkerd-data-plane',
        '------------------',
        '√ c ok',
        '× d fails',
        '    two',
        '    lines',
        '× e times out',
        '    timed out after 10s waiting for pod/web-1 in shop',
        '',
        '1 check not run: kubernetes-api.can-query-api failed',
        'Status check results are ×',
        '',
      ].join('\n'),
    )
  })

  test('short keeps only problems; a healthy run prints only the verdict', () => {
    const short = renderCheckTable(mixed, {color: false, short: true})
    assert.doesNotMatch(short, /√ a ok/)
    assert.match(short, /‼ b warns/)
    assert.match(short, /× e times out/)
    const healthy: CheckReport = {...golden, success: true, counts: {...golden.counts, error: 0}, categories: [{id: 'c', name: 'c', checks: [golden.categories[0]!.checks[0]!]}]}
    assert.equal(renderCheckTable(healthy, {color: false, short: true}), 'Status check results are √\n')
  })

  test('colour only when asked', () => {
    assert.ok(terminalSafe(renderCheckTable(golden, {color: true})).includes('\u001B[32m√'))
    assert.ok(!renderCheckTable(golden, {color: false}).includes('\u001B'))
  })

  test('json is one document with a fixed key order', () => {
    const text = renderCheckJson(mixed)
    const doc = JSON.parse(text) as Record<string, unknown>
    assert.deepEqual(Object.keys(doc), ['schemaVersion', 'success', 'failOn', 'counts', 'stoppedBy', 'categories', 'stats'])
    const categories = doc.categories as Array<{id: string; name: string; checks: Array<Record<string, unknown>>}>
    assert.deepEqual(Object.keys(categories[0]!), ['id', 'name', 'categoryName', 'checks'])
    assert.deepEqual(Object.keys(categories[0]!.checks[1]!), ['id', 'description', 'result', 'error', 'hint', 'durationMs'])
    assert.deepEqual(Object.keys(categories[0]!.checks[0]!), ['id', 'description', 'result', 'durationMs'])
    assert.equal(text.endsWith('}\n'), true)
  })

  test('json: a script written for linkerd check -o json reads the same values from it', () => {
    // Linkerd's document, made from the same report (cli/cmd/check_test.go); its fields are a
    // subset of ours, so keeping only Linkerd's keys must give Linkerd's document back.
    const linkerd = JSON.parse(readFileSync(linkerd2Testdata('output/check_output_json.golden'), 'utf8')) as unknown
    const ours = JSON.parse(renderCheckJson(golden)) as {success: boolean; categories: Array<{categoryName: string; checks: Array<Record<string, unknown>>}>}
    const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]))
    const projected = {
      success: ours.success,
      categories: ours.categories.map((c) => ({categoryName: c.categoryName, checks: c.checks.map((check) => pick(check, ['description', 'hint', 'error', 'result']))})),
    }
    assert.deepEqual(projected, linkerd)
    // meshport's category names are Linkerd's: the data-plane category prints as linkerd-data-plane.
    const mixedDoc = JSON.parse(renderCheckJson(mixed)) as {categories: Array<{id: string; categoryName: string}>}
    assert.deepEqual(mixedDoc.categories.map((c) => [c.id, c.categoryName]), [['linkerd-identity', 'linkerd-identity'], ['data-plane', 'linkerd-data-plane']])
  })

  test('junit: a suite per category; errors fail, warnings pass with their text, timeouts are errors', () => {
    const xml = renderCheckJUnit(mixed, '2026-01-01T00:00:00Z')
    const doc = assertJUnitStructure(xml)
    assert.equal(doc.suites.length, 2)
    // A warning does not fail the run (exit 0 with --fail-on error), so it is no red test either.
    assert.deepEqual(doc.totals, {tests: 6, failures: 1, errors: 1, skipped: 1})
    assert.match(xml, /<testcase name="linkerd-identity.b: b warns" classname="linkerd-identity" time="0.001">\n\s+<system-out>warning: issuer &lt;expires&gt; &amp; &quot;soon&quot;\nsee https:\/\/linkerd.io\/2\/checks\/#x for hints<\/system-out>/)
    assert.match(xml, /<failure message="two" type="error">two\nlines<\/failure>/)
    assert.match(xml, /<error message="timed out after 10s waiting for pod\/web-1 in shop" type="timeout">/)
    assert.match(xml, /<testcase name="data-plane.f: f skipped" classname="data-plane" time="0.000">\n\s+<skipped message="not run"\/>/)
  })

  test('junit: with --fail-on warning a warning is a failure of type warning', () => {
    const xml = renderCheckJUnit({...mixed, failOn: 'warning'})
    assert.deepEqual(assertJUnitStructure(xml).totals, {tests: 6, failures: 2, errors: 1, skipped: 1})
    assert.match(xml, /<failure message="issuer &lt;expires&gt; &amp; &quot;soon&quot;" type="warning">/)
  })

  test('junit: every report validates against junit-10.xsd (Jenkins xunit)', {skip: schemaSkip}, () => {
    for (const report of [golden, mixed, {...mixed, failOn: 'warning' as const}, {...golden, categories: []}]) {
      assertValidJUnit(renderCheckJUnit(report, '2026-01-01T00:00:00Z'))
      assertValidJUnit(renderCheckJUnit(report))
    }
  })
})
