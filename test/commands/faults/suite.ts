// Runs cluster commands under faults through a fault-injecting TLS proxy in front of the simulated
// cluster (test/helpers/fault-proxy.ts). Each run must end with its row's exit code, within a
// bound derived from --request-timeout, with one clear cause, no stack trace, nothing raw on a
// terminal stream, and stdout empty, a report, or exactly one JSON document.
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {hasControl} from '../../../src/output/terminal.js'
import {mapLimit} from '../../../src/util/pool.js'
import {startFaultProxy, type FaultProxy} from '../../helpers/fault-proxy.js'
import {runCli, type CliResult} from '../../helpers/run-cli.js'
import {startSim, type Sim} from '../../helpers/sim.js'
import {COMMANDS, outcomeOf, SCRAPING, T, type CommandId, type Row} from './table.js'

const STACK = /^\s+at .+:\d+:\d+\)?$/m

/** Every string in a JSON value, for causes carried inside a document. */
function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value === null || typeof value !== 'object') return []
  return Object.values(value).flatMap(textsOf)
}

interface Run {
  row: Row | undefined
  command: CommandId
  result: CliResult
  ms: number
}

/**
 * Runs every command under each fault of `rows` (and three rounds without a fault, for the
 * commands' own time under the same load) and holds each run to its row. `extra` adds tests that
 * use the rows' proxies.
 */
export function faultSuite(name: string, rows: readonly Row[], extra?: (proxyOf: (row: Row) => FaultProxy) => void): void {
describe(name, () => {
  let sim: Sim
  let pod: string
  const proxies = new Map<Row | undefined, FaultProxy>()
  const runs: Run[] = []
  /** Each command's slowest run without a fault: its own time under the load the table makes. */
  const baseline = new Map<CommandId, number>()

  before(async () => {
    sim = await startSim({scenario: 'healthy'})
    pod = sim.cluster.podsOf('emojivoto', 'web')[0]!.name
    for (const row of [undefined, ...rows]) proxies.set(row, await startFaultProxy(sim, row?.fault, {http2: row?.http2 === true}))
    // Four at a time per half (most of a run under a stall is waiting; the other half runs beside
    // this one). Runs without a fault go at the start, in the middle and at the end, so the
    // commands' own time is measured under the load the table makes.
    const order: Array<Row | undefined> = [undefined, ...rows.slice(0, rows.length / 2), undefined, ...rows.slice(rows.length / 2), undefined]
    const jobs = order.flatMap((row) => (Object.keys(COMMANDS) as CommandId[]).map((command) => ({command, row})))
    await mapLimit(jobs, 4, async ({command, row}) => {
      const started = Date.now()
      const via = row?.via !== undefined && SCRAPING.has(command) ? ['--scrape-via', row.via] : []
      const result = await runCli([...COMMANDS[command](pod), ...via, '--request-timeout', `${(row?.timeoutMs ?? T) / 1000}s`, '--kubeconfig', proxies.get(row)!.kubeconfigPath], {timeoutMs: 120_000})
      const ms = Date.now() - started
      if (row === undefined) baseline.set(command, Math.max(ms, baseline.get(command) ?? 0))
      runs.push({command, ms, result, row})
    })
  })
  after(async () => {
    for (const proxy of proxies.values()) await proxy.stop()
    await sim.stop()
  })

  test('without a fault every command succeeds through the proxy', () => {
    for (const run of runs.filter((r) => r.row === undefined)) assert.equal(run.result.code, 0, `${run.command} in ${run.ms}ms:\n${run.result.stdout.slice(-3000)}\n${run.result.stderr}`)
  })

  for (const row of rows) {
    test(row.doc.replaceAll('`', ''), () => {
      for (const run of runs.filter((r) => r.row === row)) {
        const {command, result, ms} = run
        const expected = outcomeOf(row, command)
        const label = `${command} under ${row.doc}: exit ${result.code} in ${ms}ms\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr}`
        assert.equal(result.code, expected.exit, label)
        // The command's own time (its slowest run without a fault) with room for the load to vary
        // (other test files share the two cores), plus what the fault may add: half a
        // --request-timeout, one, or a few spent on retries. A hang would take the 120 s limit.
        const own = 2 * (baseline.get(command) ?? 0) + 3000
        const timeout = row.timeoutMs ?? T
        const bound = own + (row.bound === 'fails-fast' ? timeout / 2 : row.bound === 'stalls' ? timeout : 4 * timeout)
        assert.ok(ms <= bound, `${label}\ntook ${ms}ms, bound ${bound}ms`)
        if (expected.cause) assert.match(`${result.stdout}\n${result.stderr}`, expected.cause, label)
        assert.doesNotMatch(result.stderr, STACK, label)
        assert.doesNotMatch(result.stdout, STACK, label)
        assert.ok((result.stderr.match(/^Error: /gm) ?? []).length <= 1, label)
        assert.ok(!hasControl(result.stderr), label)
        if (command === 'check-json') {
          // Exactly one document, and it carries the cause too.
          const report = JSON.parse(result.stdout) as unknown
          if (expected.cause) assert.match(textsOf(report).join('\n'), expected.cause, label)
        } else {
          assert.ok(!hasControl(result.stdout), label)
          assert.doesNotMatch(result.stdout, /^Error: /m, label)
          // Without a report to show, stdout stays empty.
          if (result.code === 3 || (result.code !== 0 && command !== 'check' && result.stderr.startsWith('Error: '))) assert.equal(result.stdout, '', label)
        }
      }
    })
  }

  extra?.((row) => proxies.get(row)!)
})
}
