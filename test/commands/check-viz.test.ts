// End to end: linkerd-viz and linkerd-viz-data-plane on the simulated viz extension
// (scenario extensions.viz, each component ready or notReady).
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {prometheusSkip, startPrometheus, type RunningPrometheus} from '../helpers/prometheus.js'
import {runCli} from '../helpers/run-cli.js'
import {withSim, type Sim} from '../helpers/sim.js'

interface JsonCheck {
  id: string
  result: string
  error?: string
}

const VIZ = ['namespace-exists', 'cluster-roles-exist', 'cluster-role-bindings-exist', 'tap-cert-valid', 'tap-cert-not-expiring', 'tap-api-service-running', 'pods-injected', 'pods-running', 'proxies-healthy', 'proxies-version', 'prometheus-installed', 'prometheus-ready']

async function vizChecks(sim: Sim, ...args: string[]): Promise<{code: number | null; byId: Map<string, JsonCheck>}> {
  // linkerd-viz-data-plane belongs to --proxy only.
  const only = args.includes('--proxy') ? 'linkerd-viz,linkerd-viz-data-plane' : 'linkerd-viz'
  const r = await runCli(['check', '--offline', '-o', 'json', '--only', only, '--kubeconfig', sim.kubeconfigPath, ...args])
  assert.ok(r.stdout.trim(), r.stderr)
  const report = JSON.parse(r.stdout) as {categories: Array<{checks: JsonCheck[]}>}
  return {code: r.code, byId: new Map(report.categories.flatMap((c) => c.checks).map((c) => [c.id, c]))}
}

const shop = (annotations: Record<string, string> = {}) => ({name: 'shop', annotations: {'linkerd.io/inject': 'enabled', ...annotations}, workloads: [{name: 'web', containers: [{name: 'web', ports: [8080]}]}]})
const scrapePolicy = {apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'AuthorizationPolicy', metadata: {name: 'prometheus-scrape', namespace: 'shop'}, spec: {targetRef: {kind: 'Namespace', name: 'shop'}, requiredAuthenticationRefs: [{kind: 'ServiceAccount', name: 'prometheus', namespace: 'linkerd-viz'}]}}

describe('check: linkerd-viz (simulated viz extension)', () => {
  test('not installed: skipped; installed and ready: every check passes, in both modes', async () => {
    const bare = await withSim({name: 'no-viz', linkerd: {namespace: 'linkerd'}, namespaces: [shop()]}, (sim) => vizChecks(sim, '--proxy'))
    for (const check of VIZ) assert.equal(bare.byId.get(`linkerd-viz.${check}`)?.result, 'skipped', check)
    await withSim({name: 'viz', linkerd: {namespace: 'linkerd'}, extensions: {viz: true}, namespaces: [shop()]}, async (sim) => {
      for (const mode of [[], ['--proxy']]) {
        const {code, byId} = await vizChecks(sim, ...mode)
        assert.equal(code, 0)
        for (const check of VIZ) assert.equal(byId.get(`linkerd-viz.${check}`)?.result, 'success', `${check}: ${byId.get(`linkerd-viz.${check}`)?.error ?? ''}`)
      }
      const {byId} = await vizChecks(sim, '--proxy')
      assert.equal(byId.get('linkerd-viz-data-plane.prometheus-authorized')?.result, 'success')
      // The simulated viz Prometheus is a plain HTTP server until a test routes it to a real one.
      const metrics = byId.get('linkerd-viz-data-plane.metrics-in-prometheus')
      assert.equal(metrics?.result, 'warning')
      assert.match(metrics?.error ?? '', /^Prometheus at service linkerd-viz\/prometheus:9090 answered HTTP 200, not the Prometheus API/)
    })
  })

  test('notReady components fail the checks that catch them, by name', async () => {
    await withSim({name: 'viz-down', linkerd: {namespace: 'linkerd'}, extensions: {viz: {components: {tap: 'notReady', prometheus: 'notReady'}}}, namespaces: [shop()]}, async (sim) => {
      const {code, byId} = await vizChecks(sim, '--fail-on', 'warning')
      assert.equal(code, 1)
      assert.match(byId.get('linkerd-viz.tap-api-service-running')?.error ?? '', /^MissingEndpoints/)
      const running = byId.get('linkerd-viz.pods-running')?.error ?? ''
      assert.match(running, /pod\/tap-\S+ in linkerd-viz/)
      assert.match(running, /pod\/prometheus-\S+ in linkerd-viz/)
      assert.match(byId.get('linkerd-viz.prometheus-ready')?.error ?? '', /pod\/prometheus-\S+ in linkerd-viz: GET \/-\/ready on port 9090 answered 503/)
      for (const check of ['cluster-roles-exist', 'tap-cert-valid', 'pods-injected', 'prometheus-installed']) assert.equal(byId.get(`linkerd-viz.${check}`)?.result, 'success', check)
    })
  })

  test('prometheus-authorized: pods whose default policy denies need allow-scrapes in their namespace', async () => {
    const deny = {'config.linkerd.io/default-inbound-policy': 'deny'}
    await withSim({name: 'viz-deny', linkerd: {namespace: 'linkerd'}, extensions: {viz: true}, namespaces: [shop(deny)]}, async (sim) => {
      const check = (await vizChecks(sim, '--proxy', '-n', 'shop')).byId.get('linkerd-viz-data-plane.prometheus-authorized')
      assert.equal(check?.result, 'warning')
      assert.match(check?.error ?? '', /^prometheus may not be authorized to scrape the following pods:\n\t\* pod\/web-\S+ in shop\nconsider running `linkerd viz allow-scrapes`/)
    })
    await withSim({name: 'viz-allowed', linkerd: {namespace: 'linkerd'}, extensions: {viz: true}, namespaces: [shop(deny)], objects: [scrapePolicy]}, async (sim) => {
      assert.equal((await vizChecks(sim, '--proxy', '-n', 'shop')).byId.get('linkerd-viz-data-plane.prometheus-authorized')?.result, 'success')
    })
  })

  test('metrics-in-prometheus: asks viz\'s Prometheus which data-plane pods it holds, names the others', {skip: prometheusSkip()}, async () => {
    const books = {name: 'books', annotations: {'linkerd.io/inject': 'enabled'}, workloads: [{name: 'reviews', containers: [{name: 'reviews', ports: [9080]}]}]}
    await withSim({name: 'viz-prometheus', linkerd: {namespace: 'linkerd'}, extensions: {viz: true}, namespaces: [shop(), books]}, async (sim) => {
      // This Prometheus scrapes shop's proxies only.
      let prom: RunningPrometheus | undefined
      try {
        prom = await startPrometheus({cluster: sim.cluster, mapTargets: (groups) => groups.filter((g) => g.labels.namespace === 'shop'), scrapeInterval: 1})
        sim.cluster.routeService('linkerd-viz', 'prometheus', 9090, prom.url)
        assert.equal((await vizChecks(sim, '--proxy', '-n', 'shop')).byId.get('linkerd-viz-data-plane.metrics-in-prometheus')?.result, 'success')
        const all = (await vizChecks(sim, '--proxy')).byId.get('linkerd-viz-data-plane.metrics-in-prometheus')
        assert.equal(all?.result, 'warning')
        // Every meshed pod outside shop (books' and viz's own) is named, no pod of shop.
        const names = /^Data plane metrics not found for (.+)\.$/.exec(all?.error ?? '')?.[1]?.split(', ') ?? []
        for (const pod of sim.cluster.podsOf('books', 'reviews')) assert.ok(names.includes(pod.name), `${pod.name} in ${all?.error}`)
        for (const pod of sim.cluster.podsOf('shop', 'web')) assert.ok(!names.includes(pod.name), `${pod.name} in ${all?.error}`)
        assert.ok(names.some((name) => name.startsWith('prometheus-')), `viz's pods too: ${all?.error}`)
      } finally {
        await prom?.stop()
      }
    })
  })
})
