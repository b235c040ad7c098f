// End to end: `meshport diagnose ...` against the simulated cluster's broken scenario
// (test/cluster/scenarios/broken.yaml): every planted problem is found with the right rule id and
// names its pod; the offline run on the equivalent manifests finds the same port problems; the
// bundle holds no token.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {gunzipSync} from 'node:zlib'

import {parse} from 'yaml'

import {SCENARIO_DIR} from '../cluster/scenario.js'
import {runCli} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'

/** The broken scenario plus a namespace with a two-replica workload, for choosing among pods. */
function brokenWithTwins(): object {
  const scenario = parse(readFileSync(`${SCENARIO_DIR}broken.yaml`, 'utf8')) as {namespaces: unknown[]}
  scenario.namespaces.push({name: 'twins', annotations: {'linkerd.io/inject': 'enabled'}, workloads: [{kind: 'Deployment', name: 'web', replicas: 2, containers: [{name: 'web', ports: [8080]}]}]})
  return scenario
}

interface JsonProblem {
  rule: string
  severity: string
  subject: {kind: string; name: string; namespace?: string; container?: string; port?: number}
}

const fixture = (name: string) => new URL(`../fixtures/diagnose/${name}`, import.meta.url).pathname

/** Parses a CLI's JSON stdout, failing with its stderr when there is none. */
function json<T>(r: {stdout: string; stderr: string; code: number | null}): T {
  assert.ok(r.stdout.trim().startsWith('{'), `no JSON on stdout (exit ${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

describe('meshport diagnose (simulated broken cluster)', () => {
  let sim: Sim
  let tmp: string
  let token: string
  const podOf = (ns: string, workload: string): string => {
    const name = sim.cluster.podsOf(ns, workload)[0]?.name
    assert.ok(name, `no pod for ${ns}/${workload}`)
    return name
  }
  const cli = (args: string[]) => runCli([...args, '--kubeconfig', sim.kubeconfigPath])

  before(async () => {
    sim = await startSim({scenario: brokenWithTwins()})
    tmp = mkdtempSync(join(tmpdir(), 'meshport-diagnose-'))
    token = /token: (\S+)/.exec(readFileSync(sim.kubeconfigPath, 'utf8'))?.[1] ?? ''
    assert.ok(token.length > 10)
  })
  after(async () => {
    await sim?.stop()
    if (tmp) rmSync(tmp, {recursive: true, force: true})
  })

  test('diagnose ports: every planted port problem, by rule id, naming the pod; -f on the equivalent manifests agrees', async () => {
    const [live, offline] = await Promise.all([cli(['diagnose', 'ports', '-n', 'ports', '-o', 'json']), runCli(['diagnose', 'ports', '-f', fixture('broken-ports.yaml'), '-o', 'json'])])
    assert.equal(live.code, 1, live.stderr)
    assert.equal(offline.code, 1, offline.stderr)
    const liveProblems = json<{problems: JsonProblem[]}>(live).problems
    const expected = [
      ['ports.proxy-port-conflict', 'sieve', 4190],
      ['ports.server-speaks-first', 'nats', 4222],
      ['ports.opaque-off-cluster', 'orders', 5432],
      ['ports.annotation-port-undeclared', 'stale-skip', 9999],
      // A live opaque-ports override: the proxy env carries the workload's list, not the default one.
      ['ports.opaque-http', 'opaque-web', 8080],
    ] as const
    const key = (rule: string, name: string, port: number | undefined) => `${rule} ${name}:${port ?? '-'}`
    assert.deepEqual(
      liveProblems.map((p) => key(p.rule, p.subject.name, p.subject.port)).sort(),
      expected.map(([rule, workload, port]) => key(rule, podOf('ports', workload), port)).sort(),
    )
    for (const p of liveProblems) assert.equal(p.subject.kind, 'Pod')
    const offlineProblems = json<{problems: JsonProblem[]}>(offline).problems
    assert.deepEqual(
      offlineProblems.map((p) => key(p.rule, p.subject.name, p.subject.port)).sort(),
      expected.map(([rule, workload, port]) => key(rule, workload, port)).sort(),
    )
  })

  test('diagnose ports TARGET: a workload resolves to its pods; a missing one is an error', async () => {
    const r = await cli(['diagnose', 'ports', 'sts/nats', '-n', 'ports'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, new RegExp(`^pod/${podOf('ports', 'nats')} in ports$`, 'm'))
    assert.match(r.stdout, /nats\s+4222\s+port-4222\s+TCP\s+proxied\s+NATS/)
    assert.match(r.stdout, /nats\s+8222\s+http\s+TCP\s+proxied\s+HTTP/)
    const missing = await cli(['diagnose', 'ports', 'deploy/nope', '-n', 'ports'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^Error: not found: deployment\/nope in namespace ports$/m)
    // -o json: the same failure as an error document on stdout.
    const missingJson = await cli(['diagnose', 'ports', 'deploy/nope', '-n', 'ports', '-o', 'json'])
    assert.equal(missingJson.code, 1)
    const doc = json<{schemaVersion: number; error: {code: string; message: string; exitCode: number}}>(missingJson)
    assert.equal(doc.schemaVersion, 1)
    assert.deepEqual([doc.error.code, doc.error.exitCode], ['NOT_FOUND', 1])
    assert.equal(`Error: ${doc.error.message}`, missingJson.stderr.split('\n')[0])
  })

  test('diagnose pod: each faulty pod gets the rule that explains it', async () => {
    const cases: Array<[string, string, number]> = [
      ['not-ready', 'proxy.not-ready', 1],
      ['admin-down', 'proxy.admin-unreachable', 1],
      ['garbage', 'proxy.metrics-unparseable', 0],
      ['pending', 'pod.pending', 0],
      ['crashing', 'pod.container-crashloop', 1],
      ['unmeshed', 'mesh.injector-not-ready', 1],
    ]
    const runs = await Promise.all(cases.map(([workload]) => cli(['diagnose', 'pod', podOf('faults', workload), '-n', 'faults', '-o', 'json'])))
    runs.forEach((r, i) => {
      const [workload, rule, code] = cases[i] as [string, string, number]
      const report = json<{problems: JsonProblem[]; pod: {name: string}}>(r)
      const found = report.problems.find((p) => p.rule === rule)
      assert.ok(found, `${workload}: expected ${rule} in ${report.problems.map((p) => p.rule).join(', ')}`)
      assert.equal(found.subject.name, podOf('faults', workload))
      assert.equal(found.subject.namespace, 'faults')
      assert.equal(r.code, code, `${workload}: ${r.stderr}`)
    })
  })

  test('diagnose pod: a live opaque-ports override on an HTTP port, read from the injected proxy', async () => {
    const name = podOf('ports', 'opaque-web')
    type PodSpec = {spec?: {initContainers?: Array<{env?: Array<{name: string; value?: string}>; name: string}>}}
    const proxy = (sim.cluster.podsOf('ports', 'opaque-web')[0]?.object as PodSpec | undefined)?.spec?.initContainers?.find((c) => c.name === 'linkerd-proxy')
    assert.equal(proxy?.env?.find((e) => e.name === 'LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION')?.value, '8080')
    const r = await cli(['diagnose', 'pod', name, '-n', 'ports', '-o', 'json'])
    const report = json<{problems: JsonProblem[]}>(r)
    assert.deepEqual(report.problems.map((p) => [p.rule, p.subject.name, p.subject.port]), [['ports.opaque-http', name, 8080]])
    assert.equal(r.code, 0, r.stderr)
  })

  test('diagnose pod: a healthy meshed pod, table output', async () => {
    const name = podOf('faults', 'skip-ports')
    const r = await cli(['diagnose', 'pod', `po/${name}`, '-n', 'faults'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`^pod/${name} in faults$`, 'm'))
    assert.match(r.stdout, /meshed:\s+yes — the pod has a linkerd-proxy container, injected as a native sidecar/)
    assert.match(r.stdout, /\/ready:\s+200/)
    assert.match(r.stdout, /version:\s+edge-26\.8\.3 \(control plane edge-26\.8\.3, build v2\.366\.0\)/)
    assert.match(r.stdout, /app\s+8080\s+http\s+TCP\s+skipped/)
    const missing = await cli(['diagnose', 'pod', 'nope', '-n', 'faults'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^Error: not found: pod\/nope in namespace faults$/m)
  })

  test('diagnose pod TYPE/NAME: one pod of the workload, the one kubectl logs would pick', async () => {
    const one = await cli(['diagnose', 'pod', 'deploy/not-ready', '-n', 'faults', '-o', 'json'])
    assert.equal(json<{pod: {name: string}}>(one).pod.name, podOf('faults', 'not-ready'))
    assert.doesNotMatch(one.stderr, /Found/)
    const two = await cli(['diagnose', 'pod', 'deploy/web', '-n', 'twins', '-o', 'json'])
    assert.equal(two.code, 0, two.stderr)
    const chosen = json<{pod: {name: string}}>(two).pod.name
    assert.ok(sim.cluster.podsOf('twins', 'web').some((p) => p.name === chosen), chosen)
    assert.match(two.stderr, new RegExp(`^Found 2 pods, using pod/${chosen}$`, 'm'))
    const missing = await cli(['diagnose', 'pod', 'deploy/nope', '-n', 'faults'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^Error: not found: deployment\/nope in namespace faults$/m)
  })

  test('diagnose proxy-metrics POD: a bare pod name finds the pod; a missing one is an error, exit 1', async () => {
    const name = podOf('faults', 'skip-ports')
    const r = await cli(['diagnose', 'proxy-metrics', name, '-n', 'faults'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.stdout.startsWith(`#\n# POD ${name} (1 of 1)\n#\n`), r.stdout.slice(0, 200))
    const missing = await cli(['diagnose', 'proxy-metrics', 'nope-123', '-n', 'faults'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stdout, '')
    assert.match(missing.stderr, /^Error: not found: pod\/nope-123 in namespace faults$/m)
  })

  test('diagnose proxy-metrics: Linkerd layout, --obfuscate, per-pod errors', async () => {
    const ok = await cli(['diagnose', 'proxy-metrics', 'deploy/skip-ports', '-n', 'faults', '--obfuscate'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.ok(ok.stdout.startsWith(`#\n# POD ${podOf('faults', 'skip-ports')} (1 of 1)\n#\n`))
    assert.match(ok.stdout, /^proxy_build_info\{.*version="v2\.366\.0"\} 1$/m)
    assert.match(ok.stdout, /target_addr="[0-9a-f]{8}"/)
    assert.doesNotMatch(ok.stdout, /target_addr="[^"]*:/)
    const mixed = await cli(['diagnose', 'proxy-metrics', 'deploy/admin-down', 'deploy/skip-ports', '-n', 'faults'])
    assert.equal(mixed.code, 1)
    assert.match(mixed.stdout, new RegExp(`# POD ${podOf('faults', 'admin-down')} \\(1 of 2\\)\n#\n# ERROR: .*4191`))
    assert.match(mixed.stdout, /target_addr="0\.0\.0\.0:4191"/)
  })

  test('diagnose bundle: a readable tar.gz with reports, check and metrics, and no token or secret value', async () => {
    const out = join(tmp, 'bundle.tar.gz')
    const r = await cli(['diagnose', 'bundle', '-n', 'faults', out, '-o', 'json'])
    assert.equal(r.code, 1, r.stderr) // the faults namespace has errors
    const summary = json<{pods: number; counts: {error: number}}>(r)
    assert.equal(summary.pods, 9)
    assert.ok(summary.counts.error > 0)
    const list = execFileSync('tar', ['tzf', out], {encoding: 'utf8'}).trim().split('\n')
    for (const file of ['summary.json', 'README.txt', 'control-plane/check.json', 'control-plane/pods.json', 'faults/ports.json', `faults/pods/${podOf('faults', 'not-ready')}/report.json`, `faults/pods/${podOf('faults', 'skip-ports')}/proxy-metrics.txt`, `faults/pods/${podOf('faults', 'policed')}/proxy-metrics.txt`]) {
      assert.ok(list.includes(`meshport-bundle-faults/${file}`), `${file} missing from ${list.join(', ')}`)
    }
    const raw = gunzipSync(readFileSync(out)).toString('utf8')
    assert.ok(!raw.includes(token), 'the kubeconfig token leaked into the bundle')
    assert.doesNotMatch(raw, /PRIVATE KEY-----/)
    assert.match(raw, /"kind": "DiagnoseBundle"/)
    assert.match(raw, /"id": "linkerd-identity\.issuer-cert-time-valid"/)
    // The README's second column starts at one place on every line.
    const readme = execFileSync('tar', ['xzOf', out, 'meshport-bundle-faults/README.txt'], {encoding: 'utf8'})
    const columns = readme.split('\n').filter((l) => /^\S+ {2,}\S/.test(l)).map((l) => /^\S+ +/.exec(l)?.[0].length)
    assert.equal(columns.length, 5, readme)
    assert.equal(new Set(columns).size, 1, readme)
  })

  test('diagnose bundle: FILE, --output-file, a default name, and -f deprecated', async () => {
    const dir = mkdtempSync(join(tmp, 'names-'))
    const run = (args: string[]) => runCli(['diagnose', 'bundle', '-n', 'twins', '--skip-check', '--kubeconfig', sim.kubeconfigPath, ...args], {cwd: dir})
    const byDefault = await run([])
    assert.equal(byDefault.code, 0, byDefault.stderr)
    const named = /^wrote (meshport-bundle-twins-\d{8}-\d{6}\.tar\.gz): /.exec(byDefault.stdout)?.[1]
    assert.ok(named && readdirSync(dir).includes(named), byDefault.stdout)
    const flag = await run(['--output-file', 'a.tar.gz'])
    assert.equal(flag.code, 0, flag.stderr)
    assert.ok(readdirSync(dir).includes('a.tar.gz'))
    const old = await run(['-f', 'b.tar.gz'])
    assert.equal(old.code, 0, old.stderr)
    assert.ok(readdirSync(dir).includes('b.tar.gz'))
    assert.match(old.stderr, /^Warning: -f\/--file is deprecated/m)
    const both = await run(['c.tar.gz', '--output-file', 'd.tar.gz'])
    assert.equal(both.code, 2)
    assert.match(both.stderr, /^Error: two bundle files given: c.tar.gz and d.tar.gz$/m)
  })
})
