// Every cluster command under the faults of the API server and the connection to it (statuses,
// hangs, resets, bodies that are not JSON): the half of the fault table (faults/table.ts) that
// does not touch the way to the proxies. Also holds docs/exit-codes.md to the whole table.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'

import {hasControl} from '../../src/output/terminal.js'
import {runCli} from '../helpers/run-cli.js'
import {faultSuite} from './faults/suite.js'
import {DOC_COLUMNS, isProxyPathFault, outcomeOf, ROWS} from './faults/table.js'

faultSuite('cluster commands under API faults', ROWS.filter((row) => !isProxyPathFault(row)), (proxyOf) => {
  test('--verbose says on stderr what was retried and why', async () => {
    const row = ROWS.find((r) => r.fault.kind === 'status' && r.fault.every !== undefined)!
    const r = await runCli(['viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '1s', '--verbose', '--kubeconfig', proxyOf(row).kubeconfigPath])
    assert.equal(r.code, 0, r.stderr)
    // viz stat sends at least three requests, so one in three answered 429 reaches one of them.
    assert.match(r.stderr, /^retrying list \S+ in emojivoto in 1s \(attempt 2\): HTTP 429 Too Many Requests with Retry-After: 1$/m)
    assert.ok(!hasControl(r.stderr))
  })
})

test('docs/exit-codes.md lists every fault with these exit codes', () => {
  const docs = readFileSync(new URL('../../docs/exit-codes.md', import.meta.url), 'utf8')
  for (const row of ROWS) {
    const line = docs.split('\n').find((l) => l.startsWith(`| ${row.doc} |`))
    assert.ok(line, `no row for ${row.doc} in docs/exit-codes.md`)
    const cells = line.split(' | ').slice(1, 1 + DOC_COLUMNS.length).map((c) => Number(c.trim()))
    const expected = DOC_COLUMNS.map((commands) => {
      const codes = new Set(commands.map((c) => outcomeOf(row, c).exit))
      assert.equal(codes.size, 1, `${row.doc}: the commands of one column exit alike`)
      return [...codes][0]
    })
    assert.deepEqual(cells, expected, line)
  }
})
