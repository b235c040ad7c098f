// End to end: `viz authz` against the simulated cluster's policy scenario, whose proxies admit or
// refuse each declared client as its Servers, AuthorizationPolicies and default policies say
// (test/cluster/proxy/policy.ts). Rates are checked against the declared traffic: each replica
// sees `rps`, split evenly between the declared clients.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {loadScenario} from '../cluster/scenario.js'
import {runCli} from '../helpers/run-cli.js'
import {simForSuite} from '../helpers/sim.js'

interface JsonRow {
  namespace: string
  route: string
  server: string
  authorization: string
  unauthorized: number | null
  success: number | null
  rps: number | null
  latency_ms_p50: number | null
  allowed_rate: number | null
  denied_share: number | null
  denied_count: number
}

interface Doc {
  schemaVersion: number
  source: {kind: string}
  target: {kind: string; name: string | null; namespace: string | null}
  pods: {total: number; targeted: number; scraped: number; failed: number}
  rows: JsonRow[]
  servers: Array<{namespace: string; name: string}>
  authorizations: Array<{namespace: string; server: string; authorizationPolicy: string}>
  defaultPolicies: Array<{namespace: string; policy: string; source: string; sameAsNamespace: boolean; ports: number[]; pods: number}>
}

const near = (actual: number | null, expected: number, what: string): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) <= Math.max(0.5, expected * 0.1), `${what}: ${actual} vs ${expected}`)
}

describe('meshport viz authz on the simulated cluster', () => {
  const scenario = loadScenario('policy')
  const traffic = (ns: string, name: string) => scenario.namespaces.find((n) => n.name === ns)?.workloads.find((w) => w.name === name)?.traffic
  const live = simForSuite({scenario})

  const authz = async (args: string[]): Promise<Doc> => {
    const result = await runCli(['viz', 'authz', ...args, '-t', '2s', '-o', 'json', ...live.kube])
    assert.equal(result.code, 0, result.stderr)
    return JSON.parse(result.stdout) as Doc
  }

  test('a denied client shows its UNAUTHORIZED rate; the admitted one its rate, success and latency', async () => {
    const doc = await authz(['deploy/api', '-n', 'shop'])
    assert.deepEqual([doc.schemaVersion, doc.source.kind, doc.target], [1, 'direct', {kind: 'deployment', name: 'api', namespace: 'shop'}])
    assert.deepEqual(doc.pods, {failed: 0, scraped: 1, targeted: 1, total: 1})
    const api = traffic('shop', 'api')
    assert.ok(api)
    const share = api.rps / api.clients.length
    const refused = doc.rows.find((r) => r.authorization === '')
    assert.equal(refused?.server, 'api-http')
    near(refused?.unauthorized ?? null, share, 'scraper refused')
    assert.deepEqual([refused?.success, refused?.rps, refused?.denied_share], [null, 0, 1])
    const admitted = doc.rows.find((r) => r.authorization === 'authorizationpolicy/api-from-web')
    near(admitted?.rps ?? null, share, 'web admitted')
    near(admitted?.allowed_rate ?? null, share, 'web admitted (authz counter)')
    assert.equal(admitted?.unauthorized, 0)
    // The proxy counts whole requests: over a 2 s window of ~20, one failure more or less is 5 points.
    const oneRequest = 1 / Math.max(1, (admitted?.rps ?? 0) * 2)
    assert.ok(admitted?.success !== null && Math.abs((admitted?.success ?? 0) - api.successRate) <= oneRequest + 0.01, `success ${admitted?.success}`)
    assert.ok((admitted?.latency_ms_p50 ?? 0) > 0)
    // An authorization that applies but saw nothing is a row too.
    const idle = doc.rows.find((r) => r.authorization === 'authorizationpolicy/api-from-admin')
    assert.deepEqual([idle?.unauthorized, idle?.rps, idle?.success], [0, 0, null])
    assert.deepEqual(doc.servers, [{name: 'api-http', namespace: 'shop'}])
    assert.deepEqual(doc.authorizations.map((a) => a.authorizationPolicy).sort(), ['api-from-admin', 'api-from-web'])
    assert.deepEqual(doc.defaultPolicies, [], 'the Server covers the only port')
  })

  test('the default policy where no Server covers a port, and where it comes from', async () => {
    const ledger = await authz(['sts/ledger', '-n', 'billing'])
    const share = (traffic('billing', 'ledger')?.rps ?? 0) / 2
    assert.deepEqual(ledger.defaultPolicies, [{namespace: 'billing', pods: 1, policy: 'all-authenticated', ports: [7070], sameAsNamespace: true, source: 'pod'}])
    const refused = ledger.rows.find((r) => r.authorization === '')
    assert.equal(refused?.server, 'default:all-authenticated')
    near(refused?.unauthorized ?? null, share, 'unmeshed gateway refused')
    near(ledger.rows.find((r) => r.authorization === 'default/all-authenticated')?.rps ?? null, share, 'shop/api admitted')
    // A namespace is its own row, whatever the context's namespace is.
    const billing = await authz(['ns/billing'])
    assert.deepEqual([billing.target, billing.pods.total], [{kind: 'namespace', name: 'billing', namespace: 'billing'}, 1])
    assert.deepEqual(billing.rows.map((r) => r.authorization).sort(), ['', 'default/all-authenticated'])
    // shop's pods without a Server: the cluster default from linkerd-config, told on stderr.
    const loadgen = await runCli(['viz', 'authz', 'deploy', 'loadgen', '-n', 'shop', '-t', '1s', ...live.kube])
    assert.equal(loadgen.code, 0, loadgen.stderr)
    assert.equal(loadgen.stdout, '')
    assert.match(loadgen.stderr, /^Default policy cluster-unauthenticated on port 9100 \(no Server\) of 1 pod in shop: the cluster default, proxy\.defaultInboundPolicy in configmap\/linkerd-config in linkerd$/m)
    assert.match(loadgen.stderr, /No traffic found\./)
    const table = await runCli(['viz', 'authz', 'sts/ledger', '-n', 'billing', '-t', '1s', ...live.kube])
    assert.match(table.stderr, /^Default policy all-authenticated on port 7070 \(no Server\) of 1 pod in billing: config\.linkerd\.io\/default-inbound-policy on the pods \(as on namespace billing\)$/m)
    // An unmeshed workload has no proxy, so no policy and nothing to scrape.
    const legacy = await runCli(['viz', 'authz', 'deploy/legacy', '-n', 'shop', '-t', '1s', '-o', 'json', ...live.kube])
    assert.equal(legacy.code, 0, legacy.stderr)
    const doc = JSON.parse(legacy.stdout) as Doc
    assert.deepEqual([doc.pods, doc.rows, doc.defaultPolicies], [{failed: 0, scraped: 0, targeted: 0, total: 1}, [], []])
  })

  test('table and wide output in Linkerd layout; -A adds NAMESPACE', async () => {
    const table = await runCli(['viz', 'authz', 'deploy/api', '-n', 'shop', '-t', '1s', ...live.kube])
    assert.equal(table.code, 0, table.stderr)
    const lines = table.stdout.trimEnd().split('\n')
    assert.deepEqual(lines[0]?.split(/ {2,}/), ['ROUTE', 'SERVER', 'AUTHORIZATION', 'UNAUTHORIZED', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99'])
    assert.match(lines[1] ?? '', /^default {2}api-http {2,}\d+\.\drps {2,}- {2,}- {2,}- {2,}- {2,}-$/)
    assert.match(lines[2] ?? '', /^default {2}api-http {2}authorizationpolicy\/api-from-admin {2,}- {2,}- {2,}- {2,}- {2,}- {2,}-$/)
    assert.match(lines[3] ?? '', /^default {2}api-http {2}authorizationpolicy\/api-from-web {2,}0\.0rps {2,}\d+\.\d\d% {2,}\d+\.\drps {2,}\d+ms {2,}\d+ms {2,}\d+ms$/)
    const wide = await runCli(['viz', 'authz', 'deploy/api', '-n', 'shop', '-t', '1s', '-o', 'wide', ...live.kube])
    assert.match(wide.stdout, /LATENCY_P99 {2}ALLOWED {3}DENIED\n/)
    assert.match(wide.stdout, /\n.*api-http {2,}\d+\.\drps .* 0\.0rps {2}100\.00%\n/)
    const all = await runCli(['viz', 'authz', 'deploy', '-A', '-t', '1s', ...live.kube])
    assert.match(all.stdout, /^NAMESPACE {2}ROUTE/)
    assert.match(all.stdout, /\nshop {7}default {2}web-http {2}authorizationpolicy\/web-public /)
  })

  test('usage and input errors', async () => {
    for (const args of [['all'], [], ['deploy/web', 'deploy/api'], ['deploy/web', '-A'], ['deploy/web', '-t', '10ms']]) {
      const result = await runCli(['viz', 'authz', ...args, ...live.kube])
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
    }
    // A name or namespace that does not exist: one error naming it, exit 1, before any window.
    const cases: Array<[string[], string]> = [
      [['deploy/nope', '-n', 'shop'], 'not found: deployment/nope in namespace shop'],
      [['deploy/web', '-n', 'no-such-ns'], 'not found: namespace no-such-ns'],
      [['ns/nope'], 'not found: namespace/nope'],
    ]
    const started = Date.now()
    const runs = await Promise.all(cases.map(([args]) => runCli(['viz', 'authz', ...args, '-t', '30s', ...live.kube])))
    for (const [i, [args, message]] of cases.entries()) {
      const r = runs[i]!
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '')
      assert.deepEqual(r.stderr.trimEnd().split('\n').map((l) => l.replace(/^(Hint: check the name).*/, '$1')), [`Error: ${message}`, 'Hint: check the name'])
    }
    assert.ok(Date.now() - started < 30_000, 'said before the 30s window')
    const missing = await runCli(['viz', 'authz', 'deploy/nope', '-n', 'shop', '-t', '1s', '-o', 'json', ...live.kube])
    assert.equal(missing.code, 1)
    assert.deepEqual((JSON.parse(missing.stdout) as {error: {code: string; message: string}}).error, {code: 'NOT_FOUND', exitCode: 1, hint: 'check the name and the namespace (-n shop), e.g. with kubectl get all -n shop', message: 'not found: deployment/nope in namespace shop'})
  })
})
