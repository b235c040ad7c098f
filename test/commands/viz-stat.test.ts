// End to end: the built CLI against the simulated cluster. Stat's numbers must match the traffic
// the scenario declares (success within 1 point, RPS within 5%, quantiles inside the bucket that
// holds the declared value); faults become per-pod errors; counter resets never give negative or
// huge rates.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {after, before, describe, test} from 'node:test'

import {LATENCY_BOUNDS_MS} from '../cluster/proxy/latency.js'
import {binPath, runCli} from '../helpers/run-cli.js'
import {startSim} from '../helpers/sim.js'
import type {StatRowJson} from '../helpers/stat-json.js'

// Enough requests per 2 s window that a p99 read from whole-number bucket deltas lands in the
// declared bucket: at 100 rps the tail holds a handful of requests, and the ±1 rounding of each
// bucket's counter between two scrapes sometimes moved p99 across a bucket bound.
const web = {latencyMs: {p50: 25, p95: 180, p99: 450}, rps: 1000, successRate: 0.9}
const api = {latencyMs: {p50: 3.5, p95: 12, p99: 45}, rps: 1000, successRate: 0.995}
const reset = {latencyMs: {p50: 8, p95: 27, p99: 85}, rps: 150, successRate: 0.8}

const scenario = {
  linkerd: {namespace: 'linkerd'},
  name: 'viz-stat-e2e',
  namespaces: [
    {
      name: 'shop',
      workloads: [
        {kind: 'Deployment', name: 'web', replicas: 2, traffic: {...web, clients: ['loadgen']}},
        {kind: 'Deployment', name: 'api', replicas: 3, traffic: {...api, clients: ['web']}},
        {kind: 'Deployment', name: 'loadgen', replicas: 1},
        {kind: 'StatefulSet', name: 'ledger', replicas: 1, traffic: {...reset, clients: ['api']}, faults: ['counterReset']},
        {kind: 'Deployment', name: 'broken', replicas: 2, faults: ['adminUnreachable'], traffic: {rps: 5}},
        {kind: 'Deployment', name: 'junk', replicas: 1, faults: ['metricsGarbage'], traffic: {rps: 5}},
        {kind: 'Deployment', name: 'legacy', meshed: false, replicas: 1},
      ],
    },
  ],
}

type Row = StatRowJson

function bucketOf(ms: number): [number, number] {
  const i = LATENCY_BOUNDS_MS.findIndex((b) => ms <= b)
  return [i <= 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] as number), LATENCY_BOUNDS_MS[i] as number]
}

// Scenario traffic is per replica (what each proxy sees), so a workload's RPS is rps × replicas.
function assertMatches(row: Row | undefined, declared: {latencyMs: {p50: number; p95: number; p99: number}; rps: number; successRate: number}, replicas: number): void {
  assert.ok(row, 'row missing')
  const rps = declared.rps * replicas
  assert.ok(row.success !== null && Math.abs(row.success - declared.successRate) <= 0.01, `${row.name}: success ${row.success} vs ${declared.successRate}`)
  assert.ok(row.rps !== null && Math.abs(row.rps - rps) / rps <= 0.05, `${row.name}: rps ${row.rps} vs ${rps}`)
  for (const [field, ms] of [['latency_ms_p50', declared.latencyMs.p50], ['latency_ms_p95', declared.latencyMs.p95], ['latency_ms_p99', declared.latencyMs.p99]] as const) {
    const [lower, upper] = bucketOf(ms)
    const value = row[field]
    assert.ok(value !== null && value >= lower && value <= upper, `${row.name}: ${field} ${value} not in [${lower}, ${upper}] (declared ${ms})`)
  }
}

describe('meshport viz stat on the simulated cluster', () => {
  let sim: Awaited<ReturnType<typeof startSim>>
  let kube: string[]
  before(async () => {
    sim = await startSim({scenario})
    kube = ['--kubeconfig', sim.kubeconfigPath]
  })
  after(async () => {
    await sim?.stop()
  })

  test('deploy rows match the declared traffic; faults give per-pod errors; exit 0', async () => {
    const result = await runCli(['viz', 'stat', 'deploy/', 'sts/', '-n', 'shop', '-t', '2s', '-o', 'json', ...kube])
    assert.equal(result.code, 0, result.stderr)
    const doc = JSON.parse(result.stdout) as {schemaVersion: number; window: {requestedSeconds: number; measuredSeconds: {min: number; max: number}}; rows: Row[]}
    assert.equal(doc.schemaVersion, 1)
    assert.equal(doc.window.requestedSeconds, 2)
    assert.ok(doc.window.measuredSeconds.min > 0, JSON.stringify(doc.window))
    const rows = new Map(doc.rows.map((r) => [r.name, r]))
    assertMatches(rows.get('web'), web, 2)
    assertMatches(rows.get('api'), api, 3)
    assert.deepEqual(rows.get('web')?.meshed, {ready: 2, total: 2})
    assert.deepEqual(rows.get('api')?.pods, {failed: 0, scraped: 3, targeted: 3})

    const broken = rows.get('broken')
    assert.equal(broken?.pods.failed, 2)
    assert.equal(broken?.rps, null)
    const junk = rows.get('junk')
    assert.equal(junk?.pods.failed, 1)
    assert.match(junk?.errors[0]?.error ?? '', /not Prometheus text/)
    assert.match(result.stderr, /pod\/broken-[a-z0-9-]+ in shop could not be scraped/)
    assert.match(result.stderr, /pod\/junk-[a-z0-9-]+ in shop could not be scraped/)
    assert.equal(rows.has('legacy'), false, 'unmeshed workloads have no row')

    // The ledger's proxy restarts after every scrape: the second scrape's counters are the whole
    // increase, over the new process's uptime. No negative or huge rates.
    assertMatches(rows.get('ledger'), reset, 1)
  })

  test('table output: Linkerd columns and formats', async () => {
    const result = await runCli(['viz', 'stat', 'deploy/web', '-n', 'shop', '-t', '1s', ...kube])
    assert.equal(result.code, 0, result.stderr)
    const [head, line] = result.stdout.split('\n')
    assert.deepEqual(head?.split(/ +/), ['NAME', 'MESHED', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'TCP_CONN'])
    assert.match(line ?? '', /^web +2\/2 +\d+\.\d\d% +\d+\.\drps +\d+ms +\d+ms +\d+ms +\d+$/)
  })

  test('-o wide adds byte rates; --verbose shows wide buckets honestly', async () => {
    const result = await runCli(['viz', 'stat', 'deploy/web', '-n', 'shop', '-t', '1s', '-o', 'wide', '--verbose', ...kube])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /READ_BYTES\/SEC +WRITE_BYTES\/SEC\n/)
    // p95 (180 ms) sits in the wide bucket (100, 200]; p99 (450 ms) in (400, 500], which is not wide.
    assert.match(result.stdout, / ≤ 200ms /)
    assert.doesNotMatch(result.stdout, /≤ 500ms/)
  })

  test('--from filters by the client identity, --to by the destination labels', async () => {
    const from = await runCli(['viz', 'stat', 'deploy/api', '--from', 'deploy/web', '-n', 'shop', '-t', '2s', '-o', 'json', ...kube])
    assert.equal(from.code, 0, from.stderr)
    assertMatches((JSON.parse(from.stdout) as {rows: Row[]}).rows[0], api, 3)
    const notFrom = await runCli(['viz', 'stat', 'deploy/api', '--from', 'deploy/loadgen', '-n', 'shop', '-t', '1s', '-o', 'json', ...kube])
    assert.equal((JSON.parse(notFrom.stdout) as {rows: Row[]}).rows[0]?.rps, 0)
    const to = await runCli(['viz', 'stat', 'deploy/web', '--to', 'deploy/api', '-n', 'shop', '-t', '2s', '-o', 'json', ...kube])
    assert.equal(to.code, 0, to.stderr)
    const toRow = (JSON.parse(to.stdout) as {rows: Row[]}).rows[0]
    assert.ok(toRow?.rps !== null && Math.abs((toRow?.rps ?? 0) - api.rps * 3) / (api.rps * 3) <= 0.05, `--to rps ${toRow?.rps}`)
  })

  test('--watch -o json: one document per line, window after window', async () => {
    // Read until two documents arrived, then stop the watch (it never ends by itself).
    const child = spawn(process.execPath, [binPath, 'viz', 'stat', 'deploy/web', '-n', 'shop', '-t', '1s', '--watch', '-o', 'json', ...kube], {env: {...process.env, NO_COLOR: '1'}})
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const lines = await new Promise<string[]>((resolve) => {
      const timer = setTimeout(() => resolve(stdout.split('\n').filter((l) => l !== '')), 30_000)
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        const complete = stdout.split('\n').slice(0, -1)
        if (complete.length >= 2) {
          clearTimeout(timer)
          resolve(complete)
        }
      })
    })
    child.kill()
    await new Promise((resolve) => child.once('close', resolve))
    assert.ok(lines.length >= 2, `got ${lines.length} documents: ${stderr}`)
    for (const line of lines) assert.equal((JSON.parse(line) as {rows: Row[]}).rows[0]?.name, 'web')
  })

  test('pods, namespaces and all', async () => {
    const pods = await runCli(['viz', 'stat', 'po', '-n', 'shop', '-t', '1s', ...kube])
    assert.match(pods.stdout, /^NAME +STATUS +MESHED/)
    assert.match(pods.stdout, /\nweb-[a-z0-9]+-[a-z0-9]+ +Running +1\/1/)
    const ns = await runCli(['viz', 'stat', 'ns/shop', '-t', '1s', '-o', 'json', ...kube])
    assert.equal((JSON.parse(ns.stdout) as {rows: Row[]}).rows[0]?.kind, 'namespace')
    const all = await runCli(['viz', 'stat', 'all', '-n', 'shop', '-t', '1s', ...kube])
    assert.match(all.stdout, /\ndeploy\/web /)
    assert.match(all.stdout, /\npo\/web-/)
    assert.match(all.stdout, /\nrs\/web-/)
    assert.match(all.stdout, /\nsts\/ledger /)
  })

  test('exit 1 when no pod could be scraped; usage errors exit 2', async () => {
    const broken = await runCli(['viz', 'stat', 'deploy/broken', '-n', 'shop', '-t', '1s', ...kube])
    assert.equal(broken.code, 1)
    assert.match(broken.stderr, /could not be scraped/)
    assert.equal((await runCli(['viz', 'stat', 'deploy', '-t', '500ms', ...kube])).code, 2)
    assert.equal((await runCli(['viz', 'stat', 'all', 'deploy', ...kube])).code, 2)
    assert.equal((await runCli(['viz', 'stat', 'deploy/web', '-A', ...kube])).code, 2)
    const missing = await runCli(['viz', 'stat', 'deploy/nope', '-n', 'shop', '-t', '1s', ...kube])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /nope/)
  })

  test('-o json: a failure is an error document on stdout as well as one line on stderr', async () => {
    const usage = await runCli(['viz', 'stat', 'deploy', '-t', '500ms', '-o', 'json', ...kube])
    assert.equal(usage.code, 2)
    assert.deepEqual(JSON.parse(usage.stdout), {schemaVersion: 1, error: {code: 'USAGE', message: 'invalid --window "500ms": it must be a duration of at least 1s', hint: 'e.g. -t 10s, -t 1m', exitCode: 2}})
    assert.equal(usage.stderr, 'Error: invalid --window "500ms": it must be a duration of at least 1s\nHint: e.g. -t 10s, -t 1m\n')
    // --watch writes one document per line, the error document too.
    const watching = await runCli(['viz', 'stat', 'deploy/nope', '-n', 'shop', '-t', '1s', '-o', 'json', '--watch', ...kube])
    assert.equal(watching.code, 1)
    const lines = watching.stdout.trim().split('\n')
    const last = JSON.parse(lines.at(-1) ?? '') as {error: {code: string; message: string; exitCode: number}}
    assert.deepEqual([last.error.code, last.error.exitCode], ['BAD_INPUT', 1])
    assert.equal(last.error.message, 'namespace shop: deployment/nope not found')
    const noCluster = await runCli(['viz', 'stat', 'deploy', '-o', 'json', '--kubeconfig', '/nonexistent/kubeconfig'])
    assert.equal(noCluster.code, 3)
    assert.equal((JSON.parse(noCluster.stdout) as {error: {code: string}}).error.code, 'KUBECONFIG_MISSING')
  })
})
