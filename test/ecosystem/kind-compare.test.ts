// The comparisons the real-cluster workflow (.github/workflows/e2e-kind.yml) makes between
// meshport and Linkerd, checked here on the shapes both tools print (Linkerd's from its goldens).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {linkerd2Testdata} from '../helpers/testdata.js'
import {compareCheck, compareDiagnose, compareStat, parseConcatenatedJson} from './kind/compare.js'

const linkerdCheck = (success: boolean, failing = 'linkerd-identity') => ({
  success,
  categories: [
    {categoryName: 'kubernetes-api', checks: [{result: 'success'}]},
    {categoryName: failing, checks: [{result: success ? 'success' : 'error'}]},
  ],
})
const meshportCheck = (success: boolean, failing = 'linkerd-identity') => ({
  success,
  categories: [
    {id: 'kubernetes-api', checks: [{result: 'success'}]},
    {id: failing, checks: [{result: success ? 'success' : 'error'}]},
    {id: 'meshport-only', checks: [{result: 'success'}]},
  ],
})

describe('e2e comparisons', () => {
  test('linkerd check -o json with extensions: several concatenated objects', () => {
    const docs = parseConcatenatedJson('{"success": true, "categories": [{"categoryName": "a {b}", "checks": []}]}\n{"success": false, "categories": []}\n')
    assert.equal(docs.length, 2)
    assert.deepEqual(docs.map((d) => (d as {success: boolean}).success), [true, false])
    const golden = parseConcatenatedJson(readFileSync(linkerd2Testdata('output/check_output_json.golden'), 'utf8'))
    assert.equal(golden.length, 1)
  })

  test('check: agreement passes, disagreement names the category', () => {
    assert.deepEqual(compareCheck(meshportCheck(true), [linkerdCheck(true)]).problems, [])
    assert.deepEqual(compareCheck(meshportCheck(false), [linkerdCheck(false)]).problems, [])
    const bad = compareCheck(meshportCheck(true), [linkerdCheck(false)]).problems
    assert.equal(bad.length, 2)
    assert.match(bad[1]!, /category linkerd-identity: meshport failing=false, linkerd failing=true/)
    assert.match(compareCheck({success: true, categories: []}, [linkerdCheck(true)]).problems[0]!, /no category in common/)
  })

  test('stat: same rows within tolerance; missing rows and far-off numbers are reported', () => {
    const linkerd = JSON.parse(readFileSync(linkerd2Testdata('output/stat_all_output_json.golden'), 'utf8')) as Array<{namespace: string; kind: string; name: string; success: number | null; rps: number | null}>
    const close = {rows: linkerd.map((r) => ({...r, success: r.success === null ? null : r.success - 0.05, rps: r.rps === null ? null : r.rps * 1.2}))}
    assert.deepEqual(compareStat(close, linkerd).problems, [])
    const far = {rows: linkerd.slice(1).map((r) => ({...r, success: r.success === null ? null : r.success - 0.5}))}
    const problems = compareStat(far, linkerd).problems
    assert.match(problems[0]!, /missing from meshport/)
    assert.ok(problems.some((p) => /success meshport=/.test(p)))
  })

  test('diagnose pod: healthy and meshed exactly when linkerd check --proxy passes', () => {
    const report = {kind: 'PodReport', pod: {name: 'web-1', namespace: 'emojivoto'}, mesh: {meshed: true}, counts: {error: 0}, problems: []}
    assert.deepEqual(compareDiagnose(report, [linkerdCheck(true)]).problems, [])
    assert.equal(compareDiagnose(report, [linkerdCheck(false)]).problems.length, 1)
    const unmeshed = {...report, mesh: {meshed: false, reason: 'no proxy container'}}
    assert.match(compareDiagnose(unmeshed, [linkerdCheck(true)]).problems[0]!, /not meshed \(no proxy container\)/)
  })
})
