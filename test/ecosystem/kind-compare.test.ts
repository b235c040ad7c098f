// The check comparisons the real-cluster workflow (.github/workflows/e2e-kind.yml) makes between
// `meshport check -o json` and `linkerd check -o json`. Linkerd's side is what its CLI prints on a
// healthy cluster with --proxy (test/testdata/linkerd2/output/check_proxy_integration.golden: its
// real category names and descriptions) in its JSON shape (check_output_json.golden); meshport's
// side is rendered by meshport's own JSON renderer from its real check registry.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {categoriesFor} from '../../src/checks/registry.js'
import type {CheckEntry, CheckReport, CheckStatus} from '../../src/checks/types.js'
import {checkReportJson} from '../../src/output/check-json.js'
import {renderCheckJUnit} from '../../src/output/check-junit.js'
import {linkerd2Testdata} from '../helpers/testdata.js'
import {compareCheck, judgeCheck, parseConcatenatedJson, type LinkerdCheckDoc, type MeshportCheckDoc} from './kind/check.js'
import {runCompare} from './kind/compare.js'
import {compareJUnit} from './kind/junit.js'

type Result = {result: 'success' | 'warning' | 'error'; error?: string}

/** `linkerd check --proxy -o json`'s core document on the golden's cluster, with some results changed. */
function linkerdCore(changes: Record<string, Result> = {}, stopAfter?: string): LinkerdCheckDoc {
  const text = readFileSync(linkerd2Testdata('output/check_proxy_integration.golden'), 'utf8')
  const categories: NonNullable<LinkerdCheckDoc['categories']> = []
  for (const block of text.trim().split(/\n\s*\n/)) {
    const [name, dashes, ...lines] = block.split('\n')
    assert.match(dashes!, /^-+$/)
    const checks = lines.map((line) => {
      const description = line.replace(/^√ /, '')
      const change = changes[`${name} / ${description}`]
      // Linkerd's check JSON: description, hint and error on failures, result.
      return change === undefined || change.result === 'success'
        ? {description, result: 'success'}
        : {description, hint: 'https://linkerd.io/2/checks/#l5d', error: change.error ?? 'it broke', result: change.result}
    })
    categories.push({categoryName: name!, checks})
    if (name === stopAfter) break
  }
  const success = categories.every((c) => c.checks.every((check) => check.result !== 'error'))
  return {success, categories}
}

/** `linkerd viz check --proxy`'s document, printed after the core one (names from viz/pkg/healthcheck). */
const vizDoc = (success = true): LinkerdCheckDoc => ({
  success,
  categories: [
    {categoryName: 'linkerd-viz', checks: [{description: 'linkerd-viz Namespace exists', result: 'success'}, {description: 'viz extension pods are running', result: success ? 'success' : 'error'}]},
    {categoryName: 'linkerd-viz-data-plane', checks: [{description: 'data plane proxy metrics are present in Prometheus', result: 'success'}]},
  ],
})

/**
 * `meshport check --proxy -o json` from the real registry and renderer, with some results changed.
 * Checks are named `category name / description`, as the comparison matches them, so that these
 * tests follow the registry when check ids change.
 */
function meshportReport(changes: Record<string, CheckStatus> = {}, mode: 'proxy' | 'control-plane' = 'proxy'): {report: CheckReport; json: MeshportCheckDoc} {
  const counts = {error: 0, skipped: 0, success: 0, timeout: 0, warning: 0}
  const unused = new Set(Object.keys(changes))
  const categories = categoriesFor(mode).map((category) => ({
    id: category.id,
    name: category.name,
    checks: category.checks.map((check): CheckEntry => {
      const key = `${category.name} / ${check.description}`
      unused.delete(key)
      // As on a real cluster without -n and without --expected-version.
      const result = changes[key] ?? (/^(data plane namespace exists|control plane runs the expected version)$/.test(check.description) ? 'skipped' : 'success')
      counts[result]++
      return {id: `${category.id}.${check.id}`, description: check.description, result, ...(result === 'success' ? {} : {error: `${check.description}: no`}), durationMs: 3}
    }),
  }))
  assert.deepEqual([...unused], [], 'every changed check exists in meshport\'s registry')
  const report: CheckReport = {schemaVersion: 1, success: counts.error + counts.timeout === 0, failOn: 'error', counts, categories, stats: {apiCalls: 10, listCalls: 5, durationMs: 40}}
  return {report, json: JSON.parse(JSON.stringify(checkReportJson(report))) as MeshportCheckDoc}
}

const namesOf = (categories: Array<{name?: string; categoryName?: string}>): Set<string> => new Set(categories.map((c) => c.name ?? c.categoryName ?? ''))

/** A check of meshport's data-plane category that Linkerd's does not have (e.g. the admin-port probes). */
function meshportOnlyDataPlaneCheck(): string {
  const linkerd = new Set(linkerdCore().categories!.find((c) => c.categoryName === 'linkerd-data-plane')!.checks.map((c) => c.description))
  const ours = meshportReport().json.categories.find((c) => c.name === 'linkerd-data-plane')!
  const only = ours.checks.find((c) => !linkerd.has(c.description))
  assert.ok(only, 'meshport has data-plane checks of its own')
  return `linkerd-data-plane / ${only.description}`
}

describe('e2e check comparison: meshport check vs linkerd check', () => {
  test('Linkerd documents: real names, Linkerd\'s JSON shape, several concatenated', () => {
    const golden = parseConcatenatedJson(readFileSync(linkerd2Testdata('output/check_output_json.golden'), 'utf8')) as LinkerdCheckDoc[]
    assert.equal(golden.length, 1)
    const goldenKeys = new Set(golden[0]!.categories!.flatMap((c) => c.checks.flatMap((check) => Object.keys(check))))
    const core = linkerdCore({'linkerd-identity / certificate config is valid': {result: 'error'}})
    for (const check of core.categories!.flatMap((c) => c.checks)) for (const k of Object.keys(check)) assert.ok(goldenKeys.has(k), k)
    const printed = `${JSON.stringify(core, null, 2)}\n${JSON.stringify(vizDoc(), null, 2)}\n`
    assert.deepEqual(parseConcatenatedJson(printed), [core, vizDoc()])
    assert.deepEqual(parseConcatenatedJson('{"a": "} {\\""}\n{"b": [1, {"c": "]"}]}'), [{a: '} {"'}, {b: [1, {c: ']'}]}])
    assert.throws(() => parseConcatenatedJson('{"success": true'), /unterminated/)
  })

  test('healthy cluster: both pass, every shared category compared, the rest listed', () => {
    const {json} = meshportReport()
    const result = judgeCheck({meshport: json, linkerdDocs: [linkerdCore(), vizDoc()], expect: 'pass', meshportExit: 0, linkerdExit: 0})
    assert.deepEqual(result.problems, [])
    // The data plane category is matched by meshport's name, not its id (`data-plane`).
    const ours = namesOf(json.categories)
    const theirs = namesOf([...linkerdCore().categories!, ...vizDoc().categories!])
    const shared = [...ours].filter((n) => theirs.has(n))
    assert.ok(shared.includes('linkerd-data-plane'))
    // The extension's categories come from linkerd's second document and are compared too.
    assert.ok(shared.includes('linkerd-viz') && shared.includes('linkerd-viz-data-plane'), shared.join(', '))
    assert.match(result.summary, new RegExp(`^check: ${shared.length} categories and \\d+ checks compared`))
    for (const name of theirs) if (!ours.has(name)) assert.ok(result.notCompared.some((n) => n.startsWith(`category ${name}: only linkerd runs it`)), name)
    for (const name of ours) if (!theirs.has(name)) assert.ok(result.notCompared.some((n) => n.startsWith(`category ${name}: only meshport runs it`)), name)
    const [, onlyOurs] = meshportOnlyDataPlaneCheck().split(' / ')
    for (const expected of [
      'linkerd-viz / "tap API service is running": only meshport runs it',
      `linkerd-data-plane / "${onlyOurs}": only meshport runs it`,
      'linkerd-data-plane / "data plane namespace exists": meshport skipped it',
    ]) {
      assert.ok(result.notCompared.some((n) => n.startsWith(expected)), `${expected} in\n${result.notCompared.join('\n')}`)
    }
    // A category Linkerd runs in --proxy mode that the golden's cluster did not print.
    const opaque = {categoryName: 'linkerd-opaque-ports-definition', checks: [{description: 'opaque ports are properly annotated', result: 'success'}]}
    const withOpaque = compareCheck(json, [{...linkerdCore(), categories: [...linkerdCore().categories!, opaque]}])
    if (!ours.has(opaque.categoryName)) assert.ok(withOpaque.notCompared.includes('category linkerd-opaque-ports-definition: only linkerd runs it (1 checks)'))
  })

  test('a disagreement in the data-plane category is reported', () => {
    const {json} = meshportReport()
    const notReady = compareCheck(json, [linkerdCore({'linkerd-data-plane / data plane proxies are ready': {result: 'error', error: 'pod web-1 not ready'}})])
    assert.deepEqual(notReady.problems, [
      'linkerd-data-plane / "data plane proxies are ready": meshport success, linkerd error (pod web-1 not ready)',
      'overall: meshport success=true, linkerd success=false (all its documents, extensions included)',
    ])
    // A meshport-only check still decides the category's verdict.
    const adminDown = compareCheck(meshportReport({[meshportOnlyDataPlaneCheck()]: 'error'}).json, [linkerdCore()])
    assert.ok(adminDown.problems.includes('category linkerd-data-plane: meshport failing=true, linkerd failing=false'), adminDown.problems.join('\n'))
    // Timeouts fail like errors.
    const timedOut = compareCheck(meshportReport({'linkerd-data-plane / data plane proxies are ready': 'timeout'}).json, [linkerdCore()])
    assert.match(timedOut.problems[0]!, /^linkerd-data-plane \/ "data plane proxies are ready": meshport timeout/)
  })

  test('warnings that differ are notes; a category without a name is not meshport\'s schema', () => {
    const {json} = meshportReport()
    const warned = judgeCheck({meshport: json, linkerdDocs: [linkerdCore({'linkerd-control-plane-proxy / control plane proxies are up-to-date': {result: 'warning'}})], expect: 'pass', meshportExit: 0, linkerdExit: 0})
    assert.deepEqual(warned.problems, [])
    assert.deepEqual(warned.notes, ['linkerd-control-plane-proxy / "control plane proxies are up-to-date": meshport success, linkerd warning'])
    const old = {...json, categories: json.categories.map(({name: _name, ...rest}) => rest)}
    assert.match(compareCheck(old, [linkerdCore()]).problems[0]!, /has no name/)
    assert.match(compareCheck(json, [{success: true, categories: null}]).problems.join('\n'), /no category in common/)
  })

  test('broken control plane: both exit 1 and fail the same check, even when Linkerd stops early', () => {
    const error = 'No running pods for "linkerd-identity"'
    const linkerd = linkerdCore({'linkerd-existence / control plane pods are ready': {result: 'error', error}}, 'linkerd-existence')
    const {json} = meshportReport({'linkerd-existence / control plane pods are ready': 'error'}, 'control-plane')
    const agreed = judgeCheck({meshport: json, linkerdDocs: [linkerd], expect: 'fail', meshportExit: 1, linkerdExit: 1})
    assert.deepEqual(agreed.problems, [])
    assert.match(agreed.summary, /failing: meshport \[linkerd-existence \/ "control plane pods are ready"\], linkerd \[linkerd-existence \/ "control plane pods are ready"\]/)
    // Categories Linkerd never reached are listed, not silently dropped.
    assert.ok(agreed.notCompared.some((n) => /^category linkerd-identity: only meshport runs it/.test(n)))

    const elsewhere = judgeCheck({meshport: meshportReport({'linkerd-identity / issuer cert is within its validity period': 'error'}, 'control-plane').json, linkerdDocs: [linkerd], expect: 'fail', meshportExit: 1, linkerdExit: 1})
    assert.ok(elsewhere.problems.includes(`linkerd-existence / "control plane pods are ready": meshport success, linkerd error (${error})`), elsewhere.problems.join('\n'))
    assert.ok(elsewhere.problems.some((p) => p.startsWith('no failing check in common')))

    const healthyMeshport = judgeCheck({meshport: meshportReport({}, 'control-plane').json, linkerdDocs: [linkerd], expect: 'fail', meshportExit: 0, linkerdExit: 1})
    assert.ok(healthyMeshport.problems.includes('meshport check exited 0, expected 1'))
    assert.ok(healthyMeshport.problems.includes('meshport reports no failing check in a broken cluster'))
  })

  test('exit codes: each must match its JSON, and both must be 0 on a healthy cluster', () => {
    const {json} = meshportReport()
    const swallowed = judgeCheck({meshport: json, linkerdDocs: [linkerdCore(), vizDoc()], expect: 'pass', meshportExit: 1, linkerdExit: 0})
    assert.deepEqual(swallowed.problems, ['meshport check exited 1, expected 0', 'meshport exited 1 but its JSON says success=true'])
    // viz failing makes `linkerd check` exit 1 although its core checks pass; meshport checks viz
    // too, so the disagreement is named check by check.
    const vizDown = judgeCheck({meshport: json, linkerdDocs: [linkerdCore(), vizDoc(false)], expect: 'pass', meshportExit: 0, linkerdExit: 1})
    assert.deepEqual(vizDown.problems, [
      'linkerd-viz / "viz extension pods are running": meshport success, linkerd error',
      'overall: meshport success=true, linkerd success=false (all its documents, extensions included)',
      'linkerd check exited 1, expected 0',
    ])
  })

  test('-o junit: valid JUnit whose counts are the JSON\'s', () => {
    const changed = {'linkerd-version / can determine the latest version': 'warning', 'linkerd-data-plane / data plane proxies are ready': 'timeout', 'linkerd-identity / certificate config is valid': 'error'} as const
    const {report, json} = meshportReport(changed)
    const xml = renderCheckJUnit(report)
    assert.deepEqual(compareJUnit(xml, json as never).problems, [])
    // Under --fail-on warning the warning is a failure in both.
    assert.deepEqual(compareJUnit(renderCheckJUnit({...report, failOn: 'warning'}), {...json, failOn: 'warning'} as never).problems, [])
    const other = meshportReport({'linkerd-version / can determine the latest version': 'warning'})
    const total = other.report.categories.reduce((n, c) => n + c.checks.length, 0)
    const problems = compareJUnit(xml, other.json as never).problems
    const skipped = other.report.counts.skipped
    // The warning is no failure on either side (the run exits 0), so only the error and timeout differ.
    assert.equal(problems[0], `totals: junit tests=${total} failures=1 errors=1 skipped=${skipped}, json tests=${total} failures=0 errors=0 skipped=${skipped}`)
    assert.equal(problems.length, 3, problems.join('\n'))
    assert.match(problems[1]!, /^category linkerd-identity: junit tests=(\d+) failures=1 errors=0 skipped=0, json tests=\1 failures=0 errors=0 skipped=0$/)
    assert.match(problems[2]!, /^category [\w-]+: junit tests=(\d+) failures=0 errors=1 skipped=1, json tests=\1 failures=0 errors=0 skipped=1$/)
    assert.deepEqual(compareJUnit(xml, json as never, {junit: 1, json: 1}).problems, [])
    assert.deepEqual(compareJUnit(xml, json as never, {junit: 0, json: 1}).problems, ['meshport check -o junit exited 0, -o json 1'])
    assert.match(compareJUnit(xml.replace('<testsuites ', '<testsuites><bad '), json as never).problems[0]!, /^invalid JUnit XML/)
  })

  test('the command line: files in, DISAGREE lines out, exit 1 on a disagreement, 2 on bad usage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshport-compare-'))
    const ours = join(dir, 'meshport.json')
    const theirs = join(dir, 'linkerd.json')
    writeFileSync(ours, JSON.stringify(meshportReport().json))
    writeFileSync(theirs, `${JSON.stringify(linkerdCore({'linkerd-data-plane / data plane proxies are ready': {result: 'error'}}), null, 2)}\n${JSON.stringify(vizDoc(), null, 2)}\n`)
    const args = ['check', ours, theirs, '--expect', 'pass', '--meshport-exit', '0', '--linkerd-exit', '1']
    const r = runCompare(args)
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^check: \d+ categories/)
    assert.match(r.stdout, /\n {2}DISAGREE linkerd-data-plane \/ "data plane proxies are ready": meshport success, linkerd error/)
    assert.match(r.stdout, /\n {2}NOT COMPARED linkerd-version \/ "cli is up-to-date": only linkerd runs it/)
    writeFileSync(theirs, JSON.stringify(linkerdCore()))
    assert.equal(runCompare(args.map((a) => (a === '1' ? '0' : a))).code, 0)
    assert.equal(runCompare(['check', ours, theirs, '--expect', 'pass', '--meshport-exit', '0']).code, 2)
    assert.equal(runCompare(['check', ours, theirs, '--expect', 'maybe', '--meshport-exit', '0', '--linkerd-exit', '0']).code, 2)
    assert.equal(runCompare(['check', join(dir, 'missing.json'), theirs, '--expect', 'pass', '--meshport-exit', '0', '--linkerd-exit', '0']).code, 2)
    assert.equal(runCompare(['nope']).code, 2)
    assert.equal(runCompare(['check', '--bogus']).code, 2)
  })
})
