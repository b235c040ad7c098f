// viz stat with a Prometheus, end to end: the built CLI, the simulated cluster with Linkerd viz,
// and a real Prometheus scraping its proxies with viz's labels (test/helpers/prometheus.ts). The
// Prometheus source must agree with the direct one on the same window, answer long windows at
// once, find viz's Prometheus by itself, and fail with the documented exit codes, never showing a
// header value or password.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {after, before, describe, test} from 'node:test'

import {prometheusSkip, startPrometheus, type RunningPrometheus, type TargetGroup} from '../helpers/prometheus.js'
import {runCli, type CliResult} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'
import type {StatDocJson, StatRowJson} from '../helpers/stat-json.js'

// Enough requests that the last scrape interval alone (viz's latency uses irate) holds a tail for p99.
const traffic = (rps: number, clients: string[]) => ({clients, latencyMs: {p50: 25, p95: 180, p99: 450}, rps, successRate: 0.9})
const scenario = {
  extensions: {viz: {namespace: 'linkerd-viz'}},
  linkerd: {namespace: 'linkerd'},
  name: 'viz-stat-prometheus',
  namespaces: [
    {
      name: 'shop',
      workloads: [
        {kind: 'Deployment', name: 'web', replicas: 2, traffic: traffic(2000, ['loadgen'])},
        {kind: 'Deployment', name: 'api', replicas: 2, traffic: traffic(2000, ['web'])},
        {kind: 'Deployment', name: 'loadgen', replicas: 1},
        {kind: 'StatefulSet', name: 'ledger', replicas: 2, traffic: traffic(2000, ['api'])},
        {kind: 'DaemonSet', name: 'agent', traffic: traffic(2000, ['web'])},
      ],
    },
    {name: 'books', workloads: [{kind: 'Deployment', name: 'shelf', replicas: 1, traffic: traffic(100, [])}]},
  ],
}

type Row = StatRowJson
type Doc = StatDocJson & {source: NonNullable<StatDocJson['source']>}

const json = (r: CliResult): Doc => {
  assert.ok(r.stdout.trim().startsWith('{'), `no JSON document (exit ${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout) as Doc
}
const within = (actual: number | null, expected: number | null, relative: number, what: string): void => {
  assert.ok(actual !== null && expected !== null, `${what}: ${actual} vs ${expected}`)
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual} vs ${expected} (more than ${relative * 100}% apart)`)
}

describe('viz stat --prometheus against a real Prometheus', {skip: prometheusSkip()}, () => {
  let sim: Sim
  let prom: RunningPrometheus
  /** Scrapes shop only: books is a namespace it does not scrape. */
  let shopOnly: RunningPrometheus
  /** A scrape config without viz's relabelling of owner labels (no `deployment`). */
  let bare: RunningPrometheus
  let stat: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliResult>

  before(async () => {
    sim = await startSim({scenario})
    const without = (labels: string[]) => (groups: TargetGroup[]) => groups.map((g) => ({...g, labels: Object.fromEntries(Object.entries(g.labels).filter(([k]) => !labels.includes(k)))}))
    try {
      ;[prom, shopOnly, bare] = await Promise.all([
        startPrometheus({cluster: sim.cluster, scrapeInterval: 2}),
        startPrometheus({cluster: sim.cluster, mapTargets: (groups) => groups.filter((g) => g.labels.namespace === 'shop'), scrapeInterval: 2}),
        startPrometheus({cluster: sim.cluster, mapTargets: without(['deployment', 'statefulset', 'daemonset']), scrapeInterval: 2}),
      ])
    } catch (err) {
      await Promise.all([prom?.stop(), shopOnly?.stop(), bare?.stop()])
      await sim.stop()
      throw err
    }
    sim.cluster.routeService('linkerd-viz', 'prometheus', 9090, prom.url)
    stat = (args, env) => runCli(['viz', 'stat', ...args, '--kubeconfig', sim.kubeconfigPath], {env: {MESHPORT_PROMETHEUS_URL: '', ...env}})
  })
  after(async () => {
    await Promise.all([prom?.stop(), shopOnly?.stop(), bare?.stop()])
    await sim?.stop()
  })

  test('--prometheus URL and the proxies agree on the same window: deploy, sts, ds, po, --to', async () => {
    const cases = [['deploy'], ['sts'], ['ds'], ['po'], ['deploy/web', '--to', 'deploy/api']]
    // 20 s: a rate from Prometheus is its first and last samples in the window, stamped when each
    // scrape began, not when the proxy rendered it; under load that gap varies by some 100 ms.
    const base = (args: string[]) => [...args, '-n', 'shop', '-t', '20s', '-o', 'json']
    // The proxies scraped over the next 20 s, then Prometheus asked about the 20 s just gone.
    const direct = await Promise.all(cases.map((args) => stat(base(args))))
    const viaProm = await Promise.all(cases.map((args) => stat([...base(args), '--prometheus', prom.url])))
    const runs = cases.map((args, i) => ({args, direct: json(direct[i] as CliResult), viaProm: json(viaProm[i] as CliResult)}))
    for (const {args, direct, viaProm} of runs) {
      assert.equal(direct.source.kind, 'direct')
      assert.equal(viaProm.source.kind, 'prometheus')
      assert.deepEqual(viaProm.rows.map((r) => `${r.kind}/${r.name}`), direct.rows.map((r) => `${r.kind}/${r.name}`), `${args.join(' ')}: the same rows`)
      for (const d of direct.rows) {
        const p = viaProm.rows.find((r) => r.kind === d.kind && r.name === d.name) as Row
        const what = `${args.join(' ')} ${d.kind}/${d.name}`
        assert.deepEqual(p.pods, d.pods, `${what}: pods`)
        if (d.rps === 0) {
          assert.equal(p.rps, 0, `${what}: rps`)
          continue
        }
        within(p.rps, d.rps, 0.02, `${what}: rps`)
        assert.ok(Math.abs((p.success ?? 0) - (d.success ?? 0)) <= 0.01, `${what}: success ${p.success} vs ${d.success}`)
        for (const q of ['latency_ms_p50', 'latency_ms_p95', 'latency_ms_p99'] as const) within(p[q], d[q], 0.05, `${what}: ${q}`)
        assert.equal(p.tcp_open_connections, d.tcp_open_connections, `${what}: tcp`)
      }
    }
  })

  test("-t 1h answers at once from viz's Prometheus, found by itself; --prometheus auto finds it too", async () => {
    const started = Date.now()
    const found = await stat(['deploy', '-n', 'shop', '-t', '1h', '-o', 'json'])
    const ms = Date.now() - started
    assert.equal(found.code, 0, found.stderr)
    assert.ok(ms < 5000, `took ${ms} ms`)
    assert.match(found.stderr, /Using Linkerd viz's Prometheus \(service linkerd-viz\/prometheus:9090\) for the 1h window/)
    const doc = json(found)
    assert.equal(doc.source.kind, 'prometheus')
    assert.equal(doc.source.prometheus, 'service linkerd-viz/prometheus:9090')
    assert.ok(Math.abs(Date.parse(doc.source.evaluatedAt ?? '') - Date.now()) < 10_000)
    assert.deepEqual(doc.rows.map((r) => r.name), ['api', 'loadgen', 'web'])
    // The same document as from the proxies: schemaVersion 2, snake_case rows.
    const raw = JSON.parse(found.stdout) as {schemaVersion: number; rows: Array<Record<string, unknown>>}
    assert.equal(raw.schemaVersion, 2)
    assert.deepEqual(
      Object.keys(raw.rows[0] ?? {}).filter((k) => /[A-Z]/.test(k)),
      [],
      'row fields are snake_case',
    )
    assert.equal(raw.rows[0]?.proxy_restarts, null)
    // An hour's rate from a few seconds of data is small, but there.
    assert.ok((doc.rows.find((r) => r.name === 'web')?.rps ?? 0) > 0)
    const auto = await stat(['deploy/web', '-n', 'shop', '-t', '30s', '--prometheus', 'auto'])
    assert.equal(auto.code, 0, auto.stderr)
    assert.match(auto.stdout, /^NAME +MESHED +SUCCESS +RPS/)
    assert.match(auto.stdout, /\nweb +2\/2 +90\.\d\d% +\d+\.\drps/)
  })

  test('--verbose shows the queries and the header names, never a header value', async () => {
    const secret = 'Bearer abcdef0123456789'
    const r = await stat(['deploy', '-n', 'shop', '-t', '10s', '--prometheus', prom.url, '--prometheus-header', `Authorization: ${secret}`, '--prometheus-header', 'X-Scope-OrgID: team-blue-7', '--verbose'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /Querying Prometheus at http:\/\/127\.0\.0\.1:\d+ with headers Authorization, X-Scope-OrgID/)
    assert.match(r.stderr, /# \d+ms, \d+ samples?: sum\(increase\(response_total\{direction="inbound",namespace="shop",deployment=~"api\|loadgen\|web",target_port!="4191"\}\[10s\]\)\) by \(namespace, deployment, classification\)/)
    assert.ok(!`${r.stdout}${r.stderr}`.includes('abcdef0123456789') && !`${r.stdout}${r.stderr}`.includes('team-blue-7'))
  })

  test('a namespace Prometheus does not scrape: an error with a hint, or a warning beside the others', async () => {
    const only = await stat(['deploy', '-n', 'books', '-t', '10s', '--prometheus', shopOnly.url, '-o', 'json'])
    assert.equal(only.code, 1, only.stderr)
    const doc = json(only)
    assert.equal(doc.error?.code, 'PROM_NO_SERIES')
    assert.match(only.stderr, /holds no series of the 1 meshed pod in namespace books: it does not scrape them\nHint: Linkerd viz's Prometheus scrapes pods labelled linkerd\.io\/control-plane-ns=linkerd/)
    const all = await stat(['deploy', '-A', '-t', '10s', '--prometheus', shopOnly.url, '-o', 'json'])
    assert.equal(all.code, 0, all.stderr)
    assert.match(all.stderr, /Warning: Prometheus at http:\/\/127\.0\.0\.1:\d+ holds no series of the 1 meshed pod in namespace books/)
    const rows = json(all).rows
    assert.deepEqual(rows.find((r) => r.name === 'shelf')?.pods, {failed: 1, scraped: 0, targeted: 1})
    assert.ok((rows.find((r) => r.namespace === 'shop' && r.name === 'web')?.rps ?? 0) > 1000)
    assert.doesNotMatch(all.stderr, /could not be scraped/, 'one line per namespace, not per pod')
  })

  test("series without viz's owner labels: named, with the rule that adds them, and summed per pod instead", async () => {
    const viaBare = await stat(['deploy', '-n', 'shop', '-t', '10s', '-o', 'json', '--prometheus', bare.url])
    assert.equal(viaBare.code, 0, viaBare.stderr)
    assert.match(viaBare.stderr, /Warning: Prometheus' series lack the `deployment` label Linkerd viz's relabelling adds \(action: labelmap, regex: __meta_kubernetes_pod_label_linkerd_io_proxy_\(\.\+\)\)/)
    // Web's pods summed here agree with Prometheus summing them itself, at the same evaluation time.
    const doc = json(viaBare)
    const web = sim.cluster.podsOf('shop', 'web').map((p) => p.name)
    const [own] = await bare.query(`sum(increase(response_total{direction="inbound",namespace="shop",pod=~"${web.join('|')}",target_port!="4191"}[10s]))`, new Date(doc.source.evaluatedAt ?? ''))
    within(doc.rows.find((r) => r.name === 'web')?.rps ?? null, (own?.value ?? Number.NaN) / 10, 0.0001, 'rps summed per pod')
  })

  test('a name that does not exist is NotFound (exit 1) before any query, as from the proxies', async () => {
    let queries = 0
    const counting: Server = createServer((_req, res) => {
      queries++
      res.writeHead(500).end()
    })
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(counting.address() as AddressInfo).port}`
      const missing = await stat(['deploy/nope', '-n', 'shop', '--prometheus', url, '-o', 'json'])
      assert.equal(missing.code, 1, missing.stderr)
      assert.equal(json(missing).error?.code, 'NOT_FOUND')
      assert.match(missing.stderr, /^Error: not found: deployment\/nope in namespace shop$/m)
      const peer = await stat(['deploy/web', '-n', 'shop', '--to', 'svc/nope', '--prometheus', url])
      assert.equal(peer.code, 1, peer.stderr)
      assert.match(peer.stderr, /^Error: not found: --to service\/nope in namespace shop$/m)
      assert.equal(queries, 0, 'Prometheus was not asked')
    } finally {
      counting.close()
    }
  })

  test('exit codes: viz not found (3), a long window without any Prometheus (2), unreachable (3, JSON error document)', async () => {
    const missing = await stat(['deploy', '-n', 'shop', '--prometheus', 'auto', '--viz-namespace', 'nope'])
    assert.equal(missing.code, 3)
    assert.match(missing.stderr, /Error: Linkerd viz's Prometheus not found: no Service prometheus in namespace nope\nHint: name the namespace Linkerd viz lives in with --viz-namespace/)
    const long = await stat(['deploy', '-n', 'shop', '-t', '1h', '--viz-namespace', 'nope'])
    assert.equal(long.code, 2)
    assert.match(long.stderr, /Error: a 1h window needs a Prometheus: scraping the proxies directly would take 1h, and there is no Linkerd viz in nope\nHint: give --prometheus URL \(or MESHPORT_PROMETHEUS_URL\)/)
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const password = 'pa55-w0rd-never-shown'
    const gone = await stat(['deploy', '-n', 'shop', '-o', 'json', '--verbose'], {MESHPORT_PROMETHEUS_URL: `http://meshport:${password}@127.0.0.1:${port}`})
    assert.equal(gone.code, 3)
    assert.equal(json(gone).error?.code, 'PROM_UNREACHABLE')
    assert.match(gone.stderr, new RegExp(`Error: cannot reach Prometheus at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`))
    assert.ok(!`${gone.stdout}${gone.stderr}`.includes(password))
  })

  test("viz's Prometheus down behind its Service (3); credentials refused (3); a slow one times out (4)", async () => {
    const silent: Server = createServer(() => {})
    const refusing: Server = createServer((_req, res) => res.writeHead(401, {'content-type': 'application/json'}).end('{"status":"error","errorType":"unauthorized","error":"no token"}'))
    await Promise.all([silent, refusing].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))))
    const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`
    try {
      sim.cluster.routeService('linkerd-viz', 'prometheus', 9090, 'http://127.0.0.1:1')
      const down = await stat(['deploy', '-n', 'shop', '--prometheus', 'auto', '-o', 'json'])
      assert.equal(down.code, 3, down.stderr)
      assert.match(down.stderr, /Error: Linkerd viz's Prometheus \(service prometheus:9090 in linkerd-viz\) cannot be reached: .*error trying to reach service/)
      sim.cluster.routeService('linkerd-viz', 'prometheus', 9090, prom.url)
      const denied = await stat(['deploy', '-n', 'shop', '--prometheus', url(refusing)])
      assert.equal(denied.code, 3)
      assert.match(denied.stderr, /wants credentials \(HTTP 401\)/)
      const slow = await stat(['deploy', '-n', 'shop', '--prometheus', url(silent), '--request-timeout', '500ms', '-o', 'json'])
      assert.equal(slow.code, 4, slow.stderr)
      assert.equal(json(slow).error?.code, 'PROM_TIMEOUT')
    } finally {
      sim.cluster.routeService('linkerd-viz', 'prometheus', 9090, prom.url)
      silent.closeAllConnections()
      silent.close()
      refusing.close()
    }
  })

  test('a bundle never holds the Prometheus URL password', async () => {
    const password = 'bundle-pa55-never'
    const file = join(tmpdir(), `meshport-bundle-${process.pid}.tar.gz`)
    await runCli(['diagnose', 'bundle', '-n', 'shop', '-f', file, '--skip-check', '--kubeconfig', sim.kubeconfigPath], {env: {MESHPORT_PROMETHEUS_URL: `http://u:${password}@127.0.0.1:9`}})
    assert.ok(!gunzipSync(readFileSync(file)).toString('latin1').includes(password))
  })
})
