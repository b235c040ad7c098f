// End to end: the built CLI against the simulated cluster. Stat's numbers must match the traffic
// the scenario declares (success within 1 point, RPS within 5%, quantiles inside the bucket that
// holds the declared value); faults become per-pod errors; counter resets never give negative or
// huge rates.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {describe, test} from 'node:test'

import {LATENCY_BOUNDS_MS} from '../cluster/proxy/latency.js'
import {binPath, runCli, watchCli as watch, type Watched} from '../helpers/run-cli.js'
import {simForSuite} from '../helpers/sim.js'
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
  const live = simForSuite({scenario})

  test('deploy rows match the declared traffic; faults give per-pod errors; exit 0', async () => {
    const result = await runCli(['viz', 'stat', 'deploy/', 'sts/', '-n', 'shop', '-t', '2s', '-o', 'json', ...live.kube])
    assert.equal(result.code, 0, result.stderr)
    const doc = JSON.parse(result.stdout) as {schemaVersion: number; window: {requestedSeconds: number; measuredSeconds: {min: number; max: number}}; rows: Row[]}
    assert.equal(doc.schemaVersion, 2)
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
    const result = await runCli(['viz', 'stat', 'deploy/web', '-n', 'shop', '-t', '1s', ...live.kube])
    assert.equal(result.code, 0, result.stderr)
    const [head, line] = result.stdout.split('\n')
    assert.deepEqual(head?.split(/ +/), ['NAME', 'MESHED', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'TCP_CONN'])
    assert.match(line ?? '', /^web +2\/2 +\d+\.\d\d% +\d+\.\drps +\d+ms +\d+ms +\d+ms +\d+$/)
  })

  test('-o wide adds byte rates; --verbose shows wide buckets honestly', async () => {
    const result = await runCli(['viz', 'stat', 'deploy/web', '-n', 'shop', '-t', '1s', '-o', 'wide', '--verbose', ...live.kube])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /READ_BYTES\/SEC +WRITE_BYTES\/SEC\n/)
    // p95 (180 ms) sits in the wide bucket (100, 200]; p99 (450 ms) in (400, 500], which is not wide.
    assert.match(result.stdout, / ≤ 200ms /)
    assert.doesNotMatch(result.stdout, /≤ 500ms/)
  })

  test('--from filters by the client identity, --to by the destination labels', async () => {
    const from = await runCli(['viz', 'stat', 'deploy/api', '--from', 'deploy/web', '-n', 'shop', '-t', '2s', '-o', 'json', ...live.kube])
    assert.equal(from.code, 0, from.stderr)
    assertMatches((JSON.parse(from.stdout) as {rows: Row[]}).rows[0], api, 3)
    const notFrom = await runCli(['viz', 'stat', 'deploy/api', '--from', 'deploy/loadgen', '-n', 'shop', '-t', '1s', '-o', 'json', ...live.kube])
    assert.equal((JSON.parse(notFrom.stdout) as {rows: Row[]}).rows[0]?.rps, 0)
    const to = await runCli(['viz', 'stat', 'deploy/web', '--to', 'deploy/api', '-n', 'shop', '-t', '2s', '-o', 'json', ...live.kube])
    assert.equal(to.code, 0, to.stderr)
    const toRow = (JSON.parse(to.stdout) as {rows: Row[]}).rows[0]
    assert.ok(toRow?.rps !== null && Math.abs((toRow?.rps ?? 0) - api.rps * 3) / (api.rps * 3) <= 0.05, `--to rps ${toRow?.rps}`)
  })

  test('--watch -o json: one document per line, window after window', async () => {
    // Read until two documents arrived, then stop the watch (it never ends by itself).
    const child = spawn(process.execPath, [binPath, 'viz', 'stat', 'deploy/web', '-n', 'shop', '-t', '1s', '--watch', '-o', 'json', ...live.kube], {env: {...process.env, NO_COLOR: '1'}})
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

  test('a name or namespace that does not exist is one error naming it, exit 1, before any window', async () => {
    const cases: Array<[string[], string]> = [
      [['deploy/web', '--to', 'deploy/nope', '-n', 'shop'], 'not found: --to deployment/nope in namespace shop'],
      [['deploy/web', '--to', 'svc/nope', '-n', 'shop'], 'not found: --to service/nope in namespace shop'],
      [['deploy/web', '--from', 'ns/nope', '-n', 'shop'], 'not found: --from namespace/nope'],
      [['deploy', '-n', 'no-such-ns'], 'not found: namespace no-such-ns'],
      // Forgetting -n: the target is missing from the default namespace; said once, no warning besides.
      [['deploy/web', '--to', 'deploy/api'], 'not found: deployment/web in namespace default'],
      [['deploy/web', 'deploy/nope', 'deploy/gone', '-n', 'shop'], 'not found: deployment/nope in namespace shop; deployment/gone in namespace shop'],
    ]
    const started = Date.now()
    const runs = await Promise.all(cases.map(([args]) => runCli(['viz', 'stat', ...args, '-t', '30s', ...live.kube])))
    for (const [i, [args, message]] of cases.entries()) {
      const r = runs[i]!
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '')
      const lines = r.stderr.trimEnd().split('\n')
      assert.equal(lines[0], `Error: ${message}`)
      assert.equal(lines.length, 2, r.stderr)
      assert.match(lines[1] ?? '', /^Hint: check the name and the namespace/)
      assert.ok(Date.now() - started < 30_000, 'said before the 30s window')
    }
    // Services are no stat target of their own; --from takes none.
    assert.equal((await runCli(['viz', 'stat', 'svc/web', '-n', 'shop', ...live.kube])).code, 2)
    assert.equal((await runCli(['viz', 'stat', 'deploy/api', '--from', 'svc/web', '-n', 'shop', ...live.kube])).code, 2)
  })

  test('--to svc/NAME measures the outbound traffic to a service, as --to the workload behind it', async () => {
    const stat = (to: string) => runCli(['viz', 'stat', 'deploy/web', '--to', to, '-n', 'shop', '-t', '2s', '-o', 'json', ...live.kube])
    const [svc, deploy] = await Promise.all([stat('svc/api'), stat('deploy/api')])
    for (const r of [svc, deploy]) {
      assert.equal(r.code, 0, r.stderr)
      const row = (JSON.parse(r.stdout) as {rows: Row[]}).rows[0]
      assert.ok(row?.rps !== null && Math.abs((row?.rps ?? 0) - api.rps * 3) / (api.rps * 3) <= 0.05, `rps ${row?.rps}`)
      assert.ok(row?.success !== null && Math.abs((row?.success ?? 0) - api.successRate) <= 0.01, `success ${row?.success}`)
    }
    assert.equal((JSON.parse(svc.stdout) as {to: string}).to, 'svc/api')
  })

  test('--unmeshed lists workloads without a meshed pod, with MESHED 0/N and no metrics', async () => {
    const plain = await runCli(['viz', 'stat', 'deploy', '-n', 'shop', '-t', '1s', ...live.kube])
    assert.doesNotMatch(plain.stdout, /^legacy /m)
    const r = await runCli(['viz', 'stat', 'deploy', '-n', 'shop', '-t', '1s', '--unmeshed', ...live.kube])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^legacy +0\/1 +- +- +- +- +- +-$/m)
    assert.match(r.stdout, /^web +2\/2 /m)
  })

  test('--watch runs one round per window whatever it finds: nothing to scrape does not spin', async () => {
    // Nothing matches the selector: each round lists the pods, finds nothing, and waits its window.
    // Counted from the first document, so a slow start on a loaded machine does not matter.
    const documents = (out: Watched) => out.stdout.split('\n').filter((l) => l !== '')
    let first = 0
    const json = await watch(['viz', 'stat', 'po', '-l', 'app=nope', '-n', 'shop', '-t', '1s', '--watch', '-o', 'json', ...live.kube], (out, elapsed) => {
      if (first === 0 && documents(out).length > 0) first = elapsed
      return first > 0 && elapsed - first > 3_500
    })
    const docs = documents(json)
    assert.ok(docs.length >= 3 && docs.length <= 6, `${docs.length} documents in the 3.5 s after the first, with a 1 s window`)
    for (const doc of docs) assert.deepEqual((JSON.parse(doc) as {rows: Row[]}).rows, [])
    // Piped text: the note goes to the log once, not once a round.
    let noted = 0
    const text = await watch(['viz', 'stat', 'po', '-l', 'app=nope', '-n', 'shop', '-t', '1s', '--watch', ...live.kube], (out, elapsed) => {
      if (noted === 0 && out.stderr !== '') noted = elapsed
      return noted > 0 && elapsed - noted > 3_500
    })
    assert.equal(text.stdout, '')
    assert.equal(text.stderr, 'No traffic found.\n')
  })

  test('--watch rides out a failing API server, backing off, and carries on', async () => {
    const documents = (out: Watched) => out.stdout.split('\n').filter((l) => l !== '').length
    let injected = false
    // A selector that matches no pod: no port-forward shares the pod list's path, so the injected
    // failures hit exactly the next two pod lists.
    const out = await watch(['viz', 'stat', 'po', '-l', 'app=nope', '-n', 'shop', '-t', '1s', '--watch', '-o', 'json', ...live.kube], (o) => {
      if (!injected && documents(o) >= 1) {
        // The next two pod lists fail: two rounds are lost, waited out for 1 s and then 2 s.
        live.sim.cluster.injectApiError({path: '/api/v1/namespaces/shop/pods', status: 500, times: 2})
        injected = true
      }
      return documents(o) >= 3
    })
    assert.ok(documents(out) >= 3, `documents: ${out.stdout}\n${out.stderr}`)
    for (const line of out.stdout.trim().split('\n')) assert.deepEqual((JSON.parse(line) as {rows: Row[]}).rows, [], 'only stat documents on stdout')
    const warnings = out.stderr.split('\n').filter((l) => l.startsWith('Warning: '))
    assert.equal(warnings.length, 2, out.stderr)
    assert.match(warnings[0] ?? '', /^Warning: list pods in shop: .*\(retrying in 1s\)$/)
    assert.match(warnings[1] ?? '', /^Warning: list pods in shop: .*\(retrying in 2s\)$/)
  })

  test('pods, namespaces and all', async () => {
    const pods = await runCli(['viz', 'stat', 'po', '-n', 'shop', '-t', '1s', ...live.kube])
    assert.match(pods.stdout, /^NAME +STATUS +MESHED/)
    assert.match(pods.stdout, /\nweb-[a-z0-9]+-[a-z0-9]+ +Running +1\/1/)
    const ns = await runCli(['viz', 'stat', 'ns/shop', '-t', '1s', '-o', 'json', ...live.kube])
    assert.equal((JSON.parse(ns.stdout) as {rows: Row[]}).rows[0]?.kind, 'namespace')
    const all = await runCli(['viz', 'stat', 'all', '-n', 'shop', '-t', '1s', ...live.kube])
    assert.match(all.stdout, /\ndeploy\/web /)
    assert.match(all.stdout, /\npo\/web-/)
    assert.match(all.stdout, /\nrs\/web-/)
    assert.match(all.stdout, /\nsts\/ledger /)
  })

  test('exit 1 when no pod could be scraped; usage errors exit 2', async () => {
    const broken = await runCli(['viz', 'stat', 'deploy/broken', '-n', 'shop', '-t', '1s', ...live.kube])
    assert.equal(broken.code, 1)
    assert.match(broken.stderr, /could not be scraped/)
    assert.equal((await runCli(['viz', 'stat', 'deploy', '-t', '500ms', ...live.kube])).code, 2)
    assert.equal((await runCli(['viz', 'stat', 'all', 'deploy', ...live.kube])).code, 2)
    assert.equal((await runCli(['viz', 'stat', 'deploy/web', '-A', ...live.kube])).code, 2)
    const missing = await runCli(['viz', 'stat', 'deploy/nope', '-n', 'shop', '-t', '1s', ...live.kube])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /nope/)
  })

  test('-o json: a failure is an error document on stdout as well as one line on stderr', async () => {
    const usage = await runCli(['viz', 'stat', 'deploy', '-t', '500ms', '-o', 'json', ...live.kube])
    assert.equal(usage.code, 2)
    assert.deepEqual(JSON.parse(usage.stdout), {schemaVersion: 1, error: {code: 'USAGE', message: 'invalid --window "500ms": it must be a duration of at least 1s', hint: 'e.g. -t 10s, -t 1m', exitCode: 2}})
    assert.equal(usage.stderr, 'Error: invalid --window "500ms": it must be a duration of at least 1s\nHint: e.g. -t 10s, -t 1m\n')
    // --watch writes one document per line, the error document too.
    const watching = await runCli(['viz', 'stat', 'deploy/nope', '-n', 'shop', '-t', '1s', '-o', 'json', '--watch', ...live.kube])
    assert.equal(watching.code, 1)
    const lines = watching.stdout.trim().split('\n')
    const last = JSON.parse(lines.at(-1) ?? '') as {error: {code: string; message: string; exitCode: number}}
    assert.deepEqual([last.error.code, last.error.exitCode], ['NOT_FOUND', 1])
    assert.equal(last.error.message, 'not found: deployment/nope in namespace shop')
    const noCluster = await runCli(['viz', 'stat', 'deploy', '-o', 'json', '--kubeconfig', '/nonexistent/kubeconfig'])
    assert.equal(noCluster.code, 3)
    assert.equal((JSON.parse(noCluster.stdout) as {error: {code: string}}).error.code, 'KUBECONFIG_MISSING')
  })
})
