import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import type {RowStats} from '../../src/metrics/aggregate.js'
import type {StatRow} from '../../src/metrics/report.js'
import {kindInfo} from '../../src/resources/kinds.js'
import {formatLatency, formatRps, formatSuccess, goFixed} from '../../src/output/stat-format.js'
import {statJson} from '../../src/output/stat-json.js'
import {renderStatTable} from '../../src/output/stat-table.js'
import {linkerd2Testdata} from '../helpers/testdata.js'

const golden = (name: string): string => readFileSync(linkerd2Testdata(`output/${name}`), 'utf8')

// The numbers behind Linkerd's stat goldens: 100% success, 2.05 rps, 123 ms, 123 connections.
function stats(overrides: Partial<RowStats> = {}): RowStats {
  const q = {lower: 100, upper: 200, value: 123}
  return {
    failureCount: 0,
    latency: new Map([[0.5, q], [0.95, q], [0.99, q]]),
    pods: 1,
    readBytesRate: 2.05,
    resets: 0,
    restarts: 0,
    rps: 2.05,
    seconds: {max: 10, min: 10},
    successCount: 20,
    successRate: 1,
    tcpOpen: 123,
    writeBytesRate: 2.05,
    ...overrides,
  }
}
function row(kind: string, name: string, namespace = 'emojivoto1', extra: Partial<StatRow> = {}): StatRow {
  return {errors: [], kind: kindInfo(kind), meshed: {ready: 1, total: 2}, name, namespace, podsTargeted: 1, stats: stats(), ...extra}
}
const plain = {allNamespaces: false, honestLatency: false, wide: false}

describe('stat table matches Linkerd goldens', () => {
  test('stat_one_output', () => {
    assert.equal(renderStatTable([row('Namespace', 'emoji')], plain), golden('stat_one_output.golden'))
  })
  test('stat_all_output (-A adds NAMESPACE)', () => {
    const rows = [row('Namespace', 'emoji', 'emojivoto1'), row('Namespace', 'emoji', 'emojivoto2')]
    assert.equal(renderStatTable(rows, {...plain, allNamespaces: true}), golden('stat_all_output.golden'))
  })
  test('stat_one_pod_output (STATUS column)', () => {
    const pod = row('Pod', 'emoji', 'emojivoto1', {meshed: {ready: 1, total: 1}, status: 'Running'})
    assert.equal(renderStatTable([pod], plain), golden('stat_one_pod_output.golden'))
  })
  test('stat_one_tcp_output (-o wide)', () => {
    assert.equal(renderStatTable([row('Namespace', 'emoji')], {...plain, wide: true}), golden('stat_one_tcp_output.golden'))
  })
})

describe('stat table shapes', () => {
  test('several kinds: one table per kind with prefixed names, blank line between', () => {
    const text = renderStatTable([row('Deployment', 'web'), row('Pod', 'web-1', 'x', {status: 'Running'})], plain)
    const [first, second] = text.split('\n\n')
    assert.match(first ?? '', /^NAME +MESHED/)
    assert.match(first ?? '', /\ndeploy\/web +1\/2/)
    assert.match(second ?? '', /^NAME +STATUS +MESHED/)
    assert.match(second ?? '', /\npo\/web-1 +Running/)
  })
  test('no requests: dashes in the request columns, TCP_CONN still shown', () => {
    const quiet = row('Deployment', 'web', 'x', {stats: stats({failureCount: 0, latency: new Map(), rps: 0, successCount: 0, successRate: undefined, tcpOpen: 4})})
    const line = renderStatTable([quiet], plain).split('\n')[1] ?? ''
    assert.deepEqual(line.trim().split(/ +/), ['web', '1/2', '-', '-', '-', '-', '-', '4'])
  })
})

describe('Linkerd number formats', () => {
  test('Go rounding: exact ties to even', () => {
    assert.equal(formatRps(0.25), '0.2rps') // JS toFixed would print 0.3
    assert.equal(formatRps(2.05), '2.0rps')
    assert.equal(formatRps(1.5), '1.5rps')
    assert.equal(formatSuccess(0.99995), '100.00%')
    assert.equal(formatSuccess(0.5), '50.00%')
    assert.equal(goFixed(2.5, 0), '2')
    assert.equal(goFixed(0.125, 2), '0.12')
  })
  test('latency: rounded ms, or the bucket bound when honest and wide', () => {
    assert.equal(formatLatency({lower: 10, upper: 20, value: 12.4}), '12ms')
    assert.equal(formatLatency({lower: 50, upper: 100, value: 75}, true), '≤ 100ms')
    assert.equal(formatLatency({lower: 20, upper: 30, value: 25}, true), '25ms')
    assert.equal(formatLatency({lower: 50000, upper: Infinity, value: 50000}, true), '> 50000ms')
    assert.equal(formatLatency(undefined), '-')
  })
})

describe('stat JSON', () => {
  test('one document with schemaVersion, unrounded numbers, bucket bounds and per-pod errors', () => {
    const failed = row('Deployment', 'web', 'x', {errors: [{error: 'port-forward refused', namespace: 'x', pod: 'web-2'}], podsTargeted: 2})
    const doc = statJson({errors: failed.errors, podsScraped: 1, podsTargeted: 2, rows: [failed], windowSeconds: 10}, {direction: 'inbound', includeAdmin: false, time: '2026-01-01T00:00:00.000Z'})
    assert.equal(doc.schemaVersion, 2)
    assert.deepEqual(doc.window, {measuredSeconds: {max: 10, min: 10}, requestedSeconds: 10})
    const [r] = doc.rows as Array<Record<string, unknown>>
    assert.equal(r?.rps, 2.05)
    assert.equal(r?.success, 1)
    assert.equal(r?.latency_ms_p95, 123)
    assert.deepEqual((r?.latency_buckets_ms as Record<string, unknown>).p50, {lower: 100, upper: 200})
    // One naming style in a row: Linkerd's snake_case, for meshport's own fields too.
    for (const key of Object.keys(r ?? {})) assert.match(key, /^[a-z0-9]+(_[a-z0-9]+)*$/, key)
    assert.deepEqual(r?.pods, {failed: 1, scraped: 1, targeted: 2})
    assert.deepEqual(r?.errors, [{error: 'port-forward refused', pod: 'web-2'}])
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(doc)))
  })
})

describe('stat table on a narrow terminal', () => {
  test('shrinks the gaps until it fits; the headers stay Linkerd\'s at every width', () => {
    const rows = [row('Deployment', 'vote-bot'), row('Deployment', 'web')]
    const full = renderStatTable(rows, plain)
    const width = Math.max(...full.split('\n').map((l) => l.length))
    assert.equal(renderStatTable(rows, {...plain, maxWidth: width}), full, 'fits: Linkerd layout unchanged')
    const at80 = renderStatTable(rows, {...plain, maxWidth: 80})
    for (const line of at80.split('\n')) assert.ok([...line].length <= 80, `80: ${line}`)
    for (const maxWidth of [80, 60, 40]) {
      assert.match(renderStatTable(rows, {...plain, maxWidth}), /^NAME +MESHED +SUCCESS +RPS +LATENCY_P50 +LATENCY_P95 +LATENCY_P99 +TCP_CONN\n/, `${maxWidth}`)
    }
    // Too narrow even with one-space gaps: the table is left for the terminal to wrap, not cut.
    assert.equal(renderStatTable(rows, {...plain, maxWidth: 40}), renderStatTable(rows, {...plain, maxWidth: 60}))
  })
})
