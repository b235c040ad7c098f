// Every cluster command under every fault a flaky network, an overloaded API server or a broken
// middlebox produces, through a fault-injecting TLS proxy in front of the simulated cluster
// (test/helpers/fault-proxy.ts). Each run must end with the documented exit code, within a bound
// derived from --request-timeout, with one clear cause, no stack trace, nothing raw on a terminal
// stream, and stdout empty, a report, or exactly one JSON document. The expectations are the
// table in docs/exit-codes.md ("Under faults"), which this test also holds to them.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, before, describe, test} from 'node:test'

import {hasControl} from '../../src/output/terminal.js'
import {mapLimit} from '../../src/util/pool.js'
import {startFaultProxy, type Fault, type FaultProxy} from '../helpers/fault-proxy.js'
import {runCli, type CliResult} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'

/**
 * --request-timeout of every run: short, but long against the commands' own work, also when the
 * test process (simulator and proxies) shares a loaded machine with other test files.
 */
const T = 5000
/**
 * The faults runs survive by retrying get the default --request-timeout, as the scenarios
 * do: the retries of a burst of requests (a check sends 50) meet the every-Nth fault again, and
 * 10s leaves room for ten attempts of each where 3s leaves three, which one of 50 can exhaust.
 */
const DEFAULT_TIMEOUT = 10_000

type CommandId = 'check' | 'check-json' | 'viz-stat' | 'viz-edges' | 'viz-authz' | 'diagnose-pod' | 'diagnose-ports'
const COMMANDS: Record<CommandId, (pod: string) => string[]> = {
  check: () => ['check', '--proxy', '-n', 'emojivoto', '--offline'],
  'check-json': () => ['check', '--proxy', '-n', 'emojivoto', '--offline', '-o', 'json'],
  'viz-stat': () => ['viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '1s'],
  'viz-edges': () => ['viz', 'edges', 'deploy', '-n', 'emojivoto'],
  'viz-authz': () => ['viz', 'authz', 'deploy/web', '-n', 'emojivoto', '-t', '1s'],
  'diagnose-pod': (pod) => ['diagnose', 'pod', pod, '-n', 'emojivoto'],
  'diagnose-ports': () => ['diagnose', 'ports', 'deploy', '-n', 'emojivoto'],
}
/** The docs table's columns: check --proxy covers the table and the JSON run; the viz commands read proxies alike. */
const DOC_COLUMNS: ReadonlyArray<ReadonlyArray<CommandId>> = [['check', 'check-json'], ['viz-stat', 'viz-edges', 'viz-authz'], ['diagnose-pod'], ['diagnose-ports']]

/**
 * How long a run may take beyond the command's own time: half a --request-timeout for a fault that
 * fails at once (the machine's load varies between the baseline runs and this one), one for a
 * stall, a few for retries.
 */
type Bound = 'fails-fast' | 'stalls' | 'retries'

interface Outcome {
  exit: number
  /** What stdout+stderr must say (not checked for exit 0). */
  cause?: RegExp
}

interface Row {
  /** The first cell of its row in docs/exit-codes.md. */
  doc: string
  fault: Fault
  /**
   * How the commands that read proxies reach them (`--scrape-via`; default auto: pods/proxy,
   * port-forward where that cannot work). Port-forward faults are met with `port-forward`.
   */
  via?: 'port-forward'
  /** The proxy speaks HTTP/2 (ALPN h2) as an API server does, so pods/proxy GETs are streams of one session. */
  http2?: boolean
  bound: Bound
  /** --request-timeout of this row's runs (default T). */
  timeoutMs?: number
  all: Outcome
  /** Commands that differ from `all`. */
  except?: Partial<Record<CommandId, Outcome>>
}

const OK: Outcome = {exit: 0}
/** The commands that read proxies' admin ports, and so take --scrape-via. */
const SCRAPING: ReadonlySet<CommandId> = new Set(['check', 'check-json', 'viz-stat', 'viz-edges', 'viz-authz', 'diagnose-pod'])
/** Faults on the way to the proxies (port-forward or pods/proxy) leave diagnose ports, which reads only the API, alone. */
const forward = (exit: number, cause: RegExp, pod: RegExp = cause): Partial<Record<CommandId, Outcome>> => ({
  'diagnose-ports': OK,
  'diagnose-pod': {exit, cause: pod},
  'viz-stat': {exit, cause},
  'viz-edges': {exit, cause},
  'viz-authz': {exit, cause},
})

const ROWS: Row[] = [
  {doc: '`401` every request', fault: {kind: 'status', status: 401}, bound: 'fails-fast', all: {exit: 3, cause: /unauthorized: the API server at https:\/\/127\.0\.0\.1:\d+ rejected the credentials/}},
  {doc: '`403` every request', fault: {kind: 'status', status: 403}, bound: 'fails-fast', all: {exit: 3, cause: /forbidden: [a-z ]+.*: simulated 403/}},
  {doc: '`404` every request', fault: {kind: 'status', status: 404}, bound: 'fails-fast', all: {exit: 1, cause: /: simulated 404/}, except: {'diagnose-pod': {exit: 1, cause: /not found: pod\/web-\S+ in namespace emojivoto/}}},
  {doc: '`429` every request, `Retry-After: 1`', fault: {kind: 'status', status: 429, retryAfter: 1}, bound: 'stalls', all: {exit: 4, cause: /no usable answer within 5s \(\d attempts; HTTP 429 Too Many Requests with Retry-After: 1\)/}},
  {doc: '`429` every third request, `Retry-After: 1`', fault: {kind: 'status', status: 429, retryAfter: 1, every: 3}, bound: 'retries', timeoutMs: DEFAULT_TIMEOUT, all: OK},
  {doc: '`500` every request, no `Retry-After`', fault: {kind: 'status', status: 500}, bound: 'fails-fast', all: {exit: 1, cause: /: simulated 500/}},
  {doc: '`503` every request, `Retry-After: 1`', fault: {kind: 'status', status: 503, retryAfter: 1}, bound: 'stalls', all: {exit: 4, cause: /no usable answer within 5s \(\d attempts; HTTP 503 with Retry-After: 1\)/}},
  {doc: 'hang: requests read, never answered', fault: {kind: 'hang'}, bound: 'stalls', all: {exit: 4, cause: /: no answer from https:\/\/127\.0\.0\.1:\d+ within 5s/}},
  {doc: 'slow: every answer a quarter of `<T>` late', fault: {kind: 'slow', delayMs: T / 4}, bound: 'retries', all: OK},
  {doc: "reset: every request's connection reset", fault: {kind: 'reset'}, bound: 'stalls', all: {exit: 4, cause: /no usable answer within 5s \(\d attempts; connection closed before an answer \(ECONNRESET\)\)/}},
  {doc: 'reset every fourth connection (API and port-forward)', fault: {kind: 'reset-connections', every: 4}, bound: 'retries', timeoutMs: DEFAULT_TIMEOUT, all: OK},
  {doc: 'HTML page with escape sequences instead of JSON', fault: {kind: 'html'}, bound: 'fails-fast', all: {exit: 1, cause: /the API server answered HTTP 200 with a body that is not a valid JSON object \(text\/html: "<html><head><title>.{1,2}\]0;pwned/}},
  {doc: 'answers cut in half, connection closed', fault: {kind: 'truncated'}, bound: 'fails-fast', all: {exit: 1, cause: /the answer \(HTTP 200\) was cut short \(the connection closed before the whole body arrived\)/}},
  {
    doc: 'port-forward upgraded, then stalled (`--scrape-via port-forward`)',
    fault: {kind: 'forward-stall'},
    via: 'port-forward',
    bound: 'stalls',
    all: {exit: 4, cause: /port 4191 did not answer: the tunnel opened, then GET \/live got no answer within 5s/},
    except: forward(4, /port 4191: the tunnel opened, then GET \/metrics got no answer within 5s/, /proxy\.admin-timeout[^]*GET \/ready got no answer within 5s/),
  },
  {
    doc: 'port-forward upgraded, then dropped (`--scrape-via port-forward`)',
    fault: {kind: 'forward-drop'},
    via: 'port-forward',
    bound: 'fails-fast',
    all: {exit: 1, cause: /admin port 4191 unreachable: the tunnel closed before an answer/},
    except: forward(1, /port 4191 failed: the tunnel closed before an answer/, /proxy\.admin-unreachable[^]*the tunnel closed before an answer/),
  },
  {
    doc: 'port-forward upgraded, then garbage (`--scrape-via port-forward`)',
    fault: {kind: 'forward-garble'},
    via: 'port-forward',
    bound: 'fails-fast',
    all: {exit: 1, cause: /\(not v4\.channel\.k8s\.io framing\)/},
    except: forward(1, /\(not v4\.channel\.k8s\.io framing\)/),
  },
  {
    doc: 'port-forward reset before any answer (`--scrape-via port-forward`)',
    fault: {kind: 'forward-reset'},
    via: 'port-forward',
    bound: 'stalls',
    // Long enough that a loaded machine does not turn the other probes of the run into timeouts.
    timeoutMs: DEFAULT_TIMEOUT,
    all: {exit: 1, cause: /admin port 4191 unreachable: the connection closed before the upgrade was answered \(ECONNRESET\)/},
    except: forward(1, /port 4191 failed: the connection closed before the upgrade was answered \(ECONNRESET\)/),
  },
  {
    doc: 'pods/proxy over HTTP/2: streams never answered',
    fault: {kind: 'pods-proxy-stall'},
    http2: true,
    bound: 'stalls',
    all: {exit: 4, cause: /admin port 4191 did not answer: GET \/live through pods\/proxy to pod\/\S+ in emojivoto port 4191: no answer from https:\/\/127\.0\.0\.1:\d+ within 5s/},
    except: forward(4, /could not be scraped: GET \/metrics through pods\/proxy to pod\/\S+ in emojivoto port 4191: no answer from https:\/\/127\.0\.0\.1:\d+ within 5s/, /proxy\.admin-timeout[^]*GET \/ready through pods\/proxy[^]*within 5s/),
  },
  {
    doc: 'pods/proxy over HTTP/2: streams reset before any answer',
    fault: {kind: 'pods-proxy-reset'},
    http2: true,
    bound: 'stalls',
    all: {exit: 4, cause: /GET \/live through pods\/proxy to pod\/\S+ in emojivoto port 4191: no usable answer within 5s \(\d+ attempts; connection closed before an answer \(ECONNRESET\)\)/},
    except: forward(4, /GET \/metrics through pods\/proxy to pod\/\S+ in emojivoto port 4191: no usable answer within 5s \(\d+ attempts; connection closed before an answer \(ECONNRESET\)\)/, /proxy\.admin-timeout[^]*GET \/ready through pods\/proxy[^]*no usable answer within 5s/),
  },
  {
    doc: "pods/proxy over HTTP/2: garbage with escape sequences instead of the proxy's answer",
    fault: {kind: 'pods-proxy-garble'},
    http2: true,
    bound: 'fails-fast',
    // The probes only read statuses (200); /metrics is read and refused. diagnose pod warns (proxy.metrics-unparseable).
    all: OK,
    except: Object.fromEntries((['viz-stat', 'viz-edges', 'viz-authz'] as const).map((c) => [c, {exit: 1, cause: /could not be scraped: \/metrics is not Prometheus text: line 1: expected a metric name/}])),
  },
  {doc: 'pods/proxy over HTTP/2: the API server cannot dial the pod (`503` Status)', fault: {kind: 'pods-proxy-unreachable'}, http2: true, bound: 'fails-fast', all: OK},
]

const STACK = /^\s+at .+:\d+:\d+\)?$/m

/** Every string in a JSON value, for causes carried inside a document. */
function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value === null || typeof value !== 'object') return []
  return Object.values(value).flatMap(textsOf)
}

function outcomeOf(row: Row, command: CommandId): Outcome {
  return row.except?.[command] ?? row.all
}

interface Run {
  row: Row | undefined
  command: CommandId
  result: CliResult
  ms: number
}

describe('cluster commands under faults', () => {
  let sim: Sim
  let pod: string
  const proxies = new Map<Row | undefined, FaultProxy>()
  const runs: Run[] = []
  /** Each command's slowest run without a fault: its own time under the load the table makes. */
  const baseline = new Map<CommandId, number>()

  before(async () => {
    sim = await startSim({scenario: 'healthy'})
    pod = sim.cluster.podsOf('emojivoto', 'web')[0]!.name
    for (const row of [undefined, ...ROWS]) proxies.set(row, await startFaultProxy(sim, row?.fault, {http2: row?.http2 === true}))
    // Eight at a time (most of a run under a stall is waiting), so the table costs about its slowest
    // runs. Runs without a fault go at the start, in
    // the middle and at the end, so the commands' own time is measured under the load the table makes.
    const rows: Array<Row | undefined> = [undefined, ...ROWS.slice(0, ROWS.length / 2), undefined, ...ROWS.slice(ROWS.length / 2), undefined]
    const jobs = rows.flatMap((row) => (Object.keys(COMMANDS) as CommandId[]).map((command) => ({command, row})))
    await mapLimit(jobs, 8, async ({command, row}) => {
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

  for (const row of ROWS) {
    test(row.doc.replaceAll('`', ''), () => {
      for (const run of runs.filter((r) => r.row === row)) {
        const {command, result, ms} = run
        const expected = outcomeOf(row, command)
        const label = `${command} under ${row.doc}: exit ${result.code} in ${ms}ms\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr}`
        assert.equal(result.code, expected.exit, label)
        // The command's own time (its slowest run without a fault) with room for the load to vary,
        // plus what the fault may add: nothing, one --request-timeout, or a few spent on retries.
        const own = 1.5 * (baseline.get(command) ?? 0) + 2000
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

  test('--verbose says on stderr what was retried and why', async () => {
    const row = ROWS.find((r) => r.fault.kind === 'status' && r.fault.every !== undefined)!
    const r = await runCli(['viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '1s', '--verbose', '--kubeconfig', proxies.get(row)!.kubeconfigPath])
    assert.equal(r.code, 0, r.stderr)
    // viz stat sends at least three requests, so one in three answered 429 reaches one of them.
    assert.match(r.stderr, /^retrying list \S+ in emojivoto in 1s \(attempt 2\): HTTP 429 Too Many Requests with Retry-After: 1$/m)
    assert.ok(!hasControl(r.stderr))
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
})
