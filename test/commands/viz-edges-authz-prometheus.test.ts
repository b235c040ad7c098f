// viz edges and viz authz with a Prometheus, end to end: the built CLI, the policy scenario with
// Linkerd viz, and a real Prometheus scraping its proxies with viz's labels
// (test/helpers/prometheus.ts). Each must give what the proxies themselves give: the same edges
// (gauges read at one instant), and over the same window the same authz rows and rates.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {parse} from 'yaml'

import {SCENARIO_DIR} from '../cluster/scenario.js'
import {prometheusSkip, startPrometheus, type RunningPrometheus} from '../helpers/prometheus.js'
import {runCli, type CliResult} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'

interface Source {
  kind: string
  prometheus?: string
}

interface EdgesDoc {
  source: Source
  pods: {targeted: number; scraped: number; failed: number}
  edges: Array<Record<string, unknown>>
}

interface AuthzRowJson {
  namespace: string
  server: string
  route: string
  authorization: string
  unauthorized: number | null
  success: number | null
  rps: number | null
}

interface AuthzDoc {
  source: Source
  pods: {total: number; targeted: number; scraped: number; failed: number}
  rows: AuthzRowJson[]
  defaultPolicies: unknown[]
}

const json = <T>(r: CliResult): T => {
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as T
}
const near = (actual: number | null, expected: number | null, what: string): void => {
  assert.ok(actual !== null && expected !== null, `${what}: ${actual} vs ${expected}`)
  assert.ok(Math.abs(actual - expected) <= Math.max(0.5, expected * 0.1), `${what}: ${actual} vs ${expected}`)
}
const rowKey = (r: AuthzRowJson): string => `${r.namespace} ${r.server} ${r.route} ${r.authorization}`

describe('viz edges and authz --prometheus against a real Prometheus', {skip: prometheusSkip()}, () => {
  let sim: Sim
  let prom: RunningPrometheus
  let cli: (args: string[]) => Promise<CliResult>

  before(async () => {
    const scenario = parse(readFileSync(join(SCENARIO_DIR, 'policy.yaml'), 'utf8')) as Record<string, unknown>
    sim = await startSim({scenario: {...scenario, extensions: {viz: {namespace: 'linkerd-viz'}}}})
    try {
      prom = await startPrometheus({cluster: sim.cluster, scrapeInterval: 1})
    } catch (err) {
      await sim.stop()
      throw err
    }
    sim.cluster.routeService('linkerd-viz', 'prometheus', 9090, prom.url)
    cli = (args) => runCli([...args, '--kubeconfig', sim.kubeconfigPath], {env: {MESHPORT_PROMETHEUS_URL: ''}})
  })
  after(async () => {
    await prom?.stop()
    await sim?.stop()
  })

  test('viz edges: the same edges as the proxies give, -A, -n with clients elsewhere, -l; auto finds viz', async () => {
    const cases = [['deploy', '-A'], ['sts', '-A'], ['po', '-n', 'billing'], ['deploy', '-n', 'shop', '-l', 'app=legacy']]
    const edges = (args: string[]) => cli(['viz', 'edges', ...args, '-o', 'json'])
    const direct = await Promise.all(cases.map((args) => edges(args)))
    const viaProm = await Promise.all(cases.map((args) => edges([...args, '--prometheus', prom.url])))
    cases.forEach((args, i) => {
      const d = json<EdgesDoc>(direct[i] as CliResult)
      const p = json<EdgesDoc>(viaProm[i] as CliResult)
      assert.equal(d.source.kind, 'direct')
      assert.equal(p.source.kind, 'prometheus')
      assert.ok(d.edges.length > 0, args.join(' '))
      assert.deepEqual(p.edges, d.edges, args.join(' '))
      assert.equal(p.pods.failed, 0)
    })
    const auto = await cli(['viz', 'edges', 'deploy', '-n', 'shop', '--prometheus', 'auto'])
    assert.equal(auto.code, 0, auto.stderr)
    assert.match(auto.stdout, /\nunmeshed +web +- +shop +× No TLS From Remote\n/)
    assert.match(auto.stdout, /\nweb +api +shop +shop +√\n/)
  })

  test('viz authz: --prometheus URL and the proxies agree on the same window, refused requests included', async () => {
    const cases = [['deploy/api', '-n', 'shop'], ['sts/ledger', '-n', 'billing'], ['deploy', '-A']]
    const authz = (args: string[]) => cli(['viz', 'authz', ...args, '-t', '10s', '-o', 'json'])
    // The proxies scraped over the next 10 s, then Prometheus asked about the 10 s just gone.
    const direct = await Promise.all(cases.map((args) => authz(args)))
    const viaProm = await Promise.all(cases.map((args) => authz([...args, '--prometheus', prom.url])))
    cases.forEach((args, i) => {
      const what = args.join(' ')
      const d = json<AuthzDoc>(direct[i] as CliResult)
      const p = json<AuthzDoc>(viaProm[i] as CliResult)
      assert.deepEqual([d.source.kind, p.source.kind], ['direct', 'prometheus'])
      assert.deepEqual(p.rows.map(rowKey), d.rows.map(rowKey), `${what}: the same rows`)
      assert.deepEqual(p.defaultPolicies, d.defaultPolicies, what)
      assert.deepEqual([p.pods.targeted, p.pods.scraped], [d.pods.targeted, d.pods.scraped], what)
      for (const dr of d.rows) {
        const pr = p.rows.find((r) => rowKey(r) === rowKey(dr)) as AuthzRowJson
        near(pr.unauthorized, dr.unauthorized, `${what} ${rowKey(dr)}: unauthorized`)
        near(pr.rps, dr.rps, `${what} ${rowKey(dr)}: rps`)
        if (dr.success === null) assert.equal(pr.success, null, `${what} ${rowKey(dr)}: success`)
        else assert.ok(Math.abs((pr.success ?? 0) - dr.success) <= 0.02, `${what} ${rowKey(dr)}: success ${pr.success} vs ${dr.success}`)
      }
    })
    // The denied client is there in both: scraper refused by api-from-web.
    const api = json<AuthzDoc>(viaProm[0] as CliResult)
    assert.ok((api.rows.find((r) => r.authorization === '')?.unauthorized ?? 0) > 1, JSON.stringify(api.rows))
  })

  test('viz authz -t 1h answers at once from viz\'s Prometheus, found by itself', async () => {
    const started = Date.now()
    const r = await cli(['viz', 'authz', 'deploy/web', '-n', 'shop', '-t', '1h', '-o', 'json'])
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`)
    assert.match(r.stderr, /Using Linkerd viz's Prometheus \(service linkerd-viz\/prometheus:9090\) for the 1h window/)
    const doc = json<AuthzDoc>(r)
    assert.deepEqual([doc.source.kind, doc.source.prometheus], ['prometheus', 'service linkerd-viz/prometheus:9090'])
    assert.ok((doc.rows.find((row) => row.authorization === 'authorizationpolicy/web-public')?.rps ?? 0) > 0)
  })
})
