// --scrape-via end to end: viz stat and diagnose reach the proxies through pods/proxy on one
// HTTP/2 connection, fall back per pod to a port-forward where RBAC or Linkerd policy stops the
// API server, and take exactly the path asked for otherwise.
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'
import type {StatDocJson} from '../helpers/stat-json.js'

const traffic = {latencyMs: {p50: 10, p95: 40, p99: 90}, rps: 200, successRate: 0.99}
const scenario = {
  forbidden: [{namespace: 'vault', resource: 'pods/proxy', verbs: ['get']}],
  linkerd: {namespace: 'linkerd'},
  name: 'scrape-via',
  namespaces: [
    {
      name: 'shop',
      workloads: [
        {kind: 'Deployment', name: 'web', replicas: 2, traffic},
        {faults: ['adminDeniesApiServer'], kind: 'Deployment', name: 'policed', replicas: 2, traffic},
      ],
    },
    {name: 'vault', workloads: [{kind: 'Deployment', name: 'secrets', replicas: 2, traffic}]},
  ],
}

describe('--scrape-via', () => {
  let sim: Sim
  before(async () => {
    sim = await startSim({scenario})
  })
  after(() => sim.stop())
  const stat = async (via: string): Promise<StatDocJson & {code: number | null; stderr: string}> => {
    const r = await runCli(['viz', 'stat', 'deploy', '-A', '-t', '2s', '-o', 'json', '--scrape-via', via, '--kubeconfig', sim.kubeconfigPath], {env: {MESHPORT_PROMETHEUS_URL: ''}})
    return {...(JSON.parse(r.stdout) as StatDocJson), code: r.code, stderr: r.stderr}
  }
  const rps = (doc: StatDocJson, name: string): number => doc.rows.find((r) => r.name === name)?.rps ?? 0

  test('auto: pods/proxy, and a port-forward for the pods RBAC or Linkerd policy keeps the API server from', async () => {
    const doc = await stat('auto')
    assert.equal(doc.code, 0, doc.stderr)
    // Two scrapes of each pod: web's and the control plane's three by pods/proxy, policed's and
    // secrets' by port-forward.
    assert.deepEqual(doc.source?.scrapes, {portForward: 8, proxy: 10})
    for (const name of ['web', 'policed', 'secrets']) assert.ok(Math.abs(rps(doc, name) - 400) < 20, `${name}: ${rps(doc, name)}`)
  })

  test('proxy: no fallback, each refusal named for its pod', async () => {
    const doc = await stat('proxy')
    assert.equal(doc.code, 0, doc.stderr)
    assert.match(doc.stderr, /Warning: pod\/policed-\S+ in shop could not be scraped: \/metrics on port 4191 answered HTTP 403 through pods\/proxy/)
    assert.match(doc.stderr, /Warning: pod\/secrets-\S+ in vault could not be scraped: pods\/proxy to pod\/secrets-\S+ in vault port 4191 failed: forbidden: pods "secrets-\S+:4191" is forbidden/)
    assert.ok(Math.abs(rps(doc, 'web') - 400) < 20)
  })

  test('port-forward: never the API server\'s proxy', async () => {
    const doc = await stat('port-forward')
    assert.equal(doc.code, 0, doc.stderr)
    assert.deepEqual(doc.source?.scrapes, {portForward: 18, proxy: 0})
  })

  test('diagnose proxy-metrics takes the same paths', async () => {
    const args = ['diagnose', 'proxy-metrics', 'deploy/secrets', '-n', 'vault', '--kubeconfig', sim.kubeconfigPath]
    const auto = await runCli(args)
    assert.equal(auto.code, 0, auto.stderr)
    assert.match(auto.stdout, /# POD secrets-\S+ \(1 of 2\)[\s\S]*# EOF/)
    const proxy = await runCli([...args, '--scrape-via', 'proxy'])
    assert.match(`${proxy.stdout}${proxy.stderr}`, /forbidden: pods "secrets-\S+:4191" is forbidden/)
  })
})
