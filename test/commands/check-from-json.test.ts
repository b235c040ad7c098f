// `check --from-json`: a saved `-o json` report rendered again, without a cluster, exiting as the
// run did. The GitHub Action renders its log table, JUnit file and job summary this way.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import type {CheckEntry, CheckReport} from '../../src/checks/types.js'
import {renderCheckJson} from '../../src/output/check-json.js'
import {runCli} from '../helpers/run-cli.js'
import {assertJUnitStructure} from '../output/check-junit-structure.js'

function report(checks: CheckEntry[], failOn: CheckReport['failOn'] = 'error'): string {
  const counts = {error: 0, skipped: 0, success: 0, timeout: 0, warning: 0}
  for (const check of checks) counts[check.result]++
  const success = counts.error + counts.timeout === 0 && (failOn === 'error' || counts.warning === 0)
  return renderCheckJson({schemaVersion: 1, success, failOn, counts, categories: [{id: 'linkerd-identity', name: 'linkerd-identity', checks}], stats: {apiCalls: 3, listCalls: 1, durationMs: 40}})
}

const ok: CheckEntry = {id: 'linkerd-identity.a', description: 'anchors are valid', result: 'success', durationMs: 1}
const warn: CheckEntry = {id: 'linkerd-identity.b', description: 'issuer is not expiring', result: 'warning', error: 'expires in 3 days', hint: 'https://linkerd.io/2/checks/#l5d-b', durationMs: 1}
const broken: CheckEntry = {id: 'linkerd-identity.c', description: 'issuer is valid', result: 'error', error: 'expired \u001b[31mred\u001b[0m', hint: 'https://linkerd.io/2/checks/#l5d-c', durationMs: 1}
const slow: CheckEntry = {id: 'linkerd-identity.d', description: 'slow', result: 'timeout', error: 'timed out after 60s', durationMs: 60_000}

describe('meshport check --from-json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-from-json-'))
  after(() => rmSync(dir, {force: true, recursive: true}))
  const save = (name: string, text: string) => {
    writeFileSync(join(dir, name), text)
    return join(dir, name)
  }

  test('-o json gives back the saved document byte for byte; the exit code is the run\'s', async () => {
    const cases: Array<[string, string, number]> = [
      ['pass.json', report([ok, warn]), 0],
      ['fail.json', report([ok, warn, broken, slow]), 1],
      ['warn.json', report([ok, warn], 'warning'), 1],
      ['slow.json', report([ok, slow]), 4],
    ]
    const results = await Promise.all(cases.map(([name, text]) => runCli(['check', '--from-json', save(name, text), '-o', 'json'])))
    for (const [i, [name, text, code]] of cases.entries()) {
      assert.equal(results[i]!.code, code, `${name}: ${results[i]!.stderr}`)
      assert.equal(results[i]!.stdout, text)
    }
  })

  test('table, junit and markdown from one saved run; stdin as -', async () => {
    const text = report([ok, warn, broken, slow])
    const [table, junit, markdown] = await Promise.all([
      runCli(['check', '--from-json', '-'], {stdin: text}),
      runCli(['check', '--from-json', save('all.json', text), '-o', 'junit']),
      runCli(['check', '--from-json', join(dir, 'all.json'), '-o', 'markdown']),
    ])
    assert.equal(table.code, 1, table.stderr)
    assert.match(table.stdout, /^linkerd-identity\n-+\n√ anchors are valid\n‼ issuer is not expiring\n/)
    assert.match(table.stdout, /Status check results are ×\n$/)
    // The saved text cannot drive the terminal.
    assert.ok(!table.stdout.includes('\u001b'), 'a raw escape reached the terminal')
    assert.match(table.stdout, /expired \^\[\[31mred/)
    assert.equal(junit.code, 1)
    // The warning is a passing test case (the run fails on the error, not on it).
    assert.deepEqual(assertJUnitStructure(junit.stdout).totals, {tests: 4, failures: 1, errors: 1, skipped: 0})
    assert.equal(markdown.code, 1)
    assert.match(markdown.stdout, /^### meshport check: × failed\n/)
    assert.equal(markdown.stdout.split('\n').filter((l) => /^\| [×‼] /.test(l)).length, 3)
  })

  test('a saved run that could not start exits as it did, and says so', async () => {
    const failed = await runCli(['check', '--proxy', '-o', 'json', '--kubeconfig', join(dir, 'no-such-kubeconfig')])
    assert.equal(failed.code, 3, failed.stderr)
    const path = save('no-cluster.json', failed.stdout)
    const json = await runCli(['check', '--from-json', path, '-o', 'json'])
    assert.equal(json.code, 3)
    assert.equal(json.stdout, failed.stdout)
    const markdown = await runCli(['check', '--from-json', path, '-o', 'markdown'])
    assert.equal(markdown.code, 3)
    assert.match(markdown.stdout, /^### meshport check: × could not run \(exit 3\)\n\n\| result /)
    assert.match(markdown.stdout, /\n\| × error \| `kubernetes-api\.can-initialize-client`<br>.*no-such-kubeconfig/)
  })

  test('bad input: exit 1, the file named, and where', async () => {
    const missing = await runCli(['check', '--from-json', join(dir, 'nope.json')])
    assert.equal(missing.code, 1)
    assert.equal(missing.stdout, '')
    assert.match(missing.stderr, /^Error: .*nope\.json: no such file\n/)
    const broken = await runCli(['check', '--from-json', save('broken.json', '{\n  "schemaVersion": 1,\n  oops\n}\n')])
    assert.equal(broken.code, 1)
    assert.match(broken.stderr, /^Error: .*broken\.json:3:3: not JSON: /)
    assert.match(broken.stderr, /\nHint: save a report with: meshport check -o json > check\.json\n$/)
    const stat = await runCli(['check', '--from-json', save('stat.json', '{"rows": []}')])
    assert.equal(stat.code, 1)
    assert.match(stat.stderr, /^Error: .*stat\.json: not a meshport check report: schemaVersion: missing/)
  })

  test('--from-json with --wait or --list-checks is a usage error', async () => {
    const path = save('any.json', report([ok]))
    const results = await Promise.all([['--wait', '1m'], ['--list-checks']].map((extra) => runCli(['check', '--from-json', path, ...extra])))
    for (const r of results) assert.equal(r.code, 2, r.stderr)
  })
})
