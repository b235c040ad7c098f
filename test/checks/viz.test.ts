import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {PlainObject} from '../helpers/fake-kube.js'
import {controlPlane, FIXTURE_NOW, healthyProxy, meshedPod} from './fixtures/cluster.js'
import {runFake} from './fixtures/run.js'
import {vizObjects, type VizOptions} from './fixtures/viz.js'

const VIZ = ['namespace-exists', 'cluster-roles-exist', 'cluster-role-bindings-exist', 'tap-cert-valid', 'tap-cert-not-expiring', 'tap-api-service-running', 'pods-injected', 'pods-running', 'proxies-healthy', 'proxies-version', 'prometheus-installed', 'prometheus-ready']
const id = (check: string) => `linkerd-viz.${check}`

async function withViz(options: VizOptions = {}, mode: 'control-plane' | 'proxy' = 'control-plane', dataPlanePods?: PlainObject[], extra: PlainObject[] = []) {
  const viz = vizObjects(options)
  const proxies = {...viz.proxies, 'shop/web-1:4191': healthyProxy(FIXTURE_NOW), 'shop/web-2:4191': healthyProxy(FIXTURE_NOW)}
  return runFake({mode, objects: [...controlPlane(dataPlanePods ? {dataPlanePods} : {}), ...viz.objects, ...extra], proxies})
}

describe('linkerd-viz', () => {
  test('not installed: every viz check is skipped', async () => {
    const {byId} = await runFake({mode: 'proxy'})
    for (const check of VIZ) assert.match(byId.get(id(check))?.error ?? '', /viz extension is not installed/, check)
    assert.equal(byId.get('linkerd-viz-data-plane.prometheus-authorized')?.result, 'skipped')
  })

  test('a healthy install passes every check; Prometheus answers /-/ready through a port-forward', async () => {
    const {byId, calls} = await withViz()
    for (const check of VIZ) assert.equal(byId.get(id(check))?.result, 'success', `${check}: ${byId.get(id(check))?.error ?? ''}`)
    assert.ok(calls.some((c) => c.startsWith('proxyGet')), 'prometheus was probed')
  })

  test('each fault fails the check that catches it, by name', async () => {
    const {byId} = await withViz({omit: ['ClusterRole/linkerd-tap-injector', 'ClusterRoleBinding/linkerd-linkerd-viz-prometheus'], tapHost: 'tap.elsewhere.svc', apiServiceAvailable: false, unmeshed: ['web'], notReady: ['tap'], prometheusReady: false})
    assert.equal(byId.get(id('cluster-roles-exist'))?.error, 'missing ClusterRoles: linkerd-tap-injector')
    assert.match(byId.get(id('tap-cert-valid'))?.error ?? '', /^secret\/tap-k8s-tls in linkerd-viz: certificate tap\.elsewhere\.svc is not valid for tap\.linkerd-viz\.svc$/)
    assert.equal(byId.get(id('tap-api-service-running'))?.error, 'FailedDiscoveryCheck: failing or missing response from https://10.43.0.40:443')
    assert.match(byId.get(id('pods-injected'))?.error ?? '', /could not find proxy container for pod\/web-7c9f8b-x2k9p in linkerd-viz/)
    assert.match(byId.get(id('pods-running'))?.error ?? '', /container linkerd-proxy in pod\/tap-7c9f8b-x2k9p in linkerd-viz is not ready/)
    assert.match(byId.get(id('proxies-healthy'))?.error ?? '', /some viz proxies are not ready:\n\t\* container linkerd-proxy in pod\/tap-/)
    assert.equal(byId.get(id('prometheus-installed'))?.error, 'missing ClusterRoleBindings: linkerd-linkerd-viz-prometheus')
    assert.match(byId.get(id('prometheus-ready'))?.error ?? '', /pod\/prometheus-7c9f8b-x2k9p in linkerd-viz: GET \/-\/ready on port 9090 answered 503 \(Service Unavailable\)/)
    for (const check of ['tap-api-service-running', 'pods-running', 'prometheus-ready']) assert.equal(byId.get(id(check))?.result, 'warning', check)
  })

  test('with an external Prometheus the Prometheus checks are skipped', async () => {
    const {byId} = await withViz({externalPrometheus: 'http://prometheus.monitoring:9090', omit: ['ConfigMap/prometheus-config']})
    assert.equal(byId.get(id('prometheus-installed'))?.error, 'prometheus is disabled')
    assert.equal(byId.get(id('prometheus-ready'))?.result, 'skipped')
  })
})

describe('linkerd-viz-data-plane', () => {
  const denying = (name: string, namespace: string) => {
    const pod = meshedPod({name, namespace}) as unknown as {spec: {containers: Array<{name: string; env: Array<{name: string; value: string}>}>}}
    pod.spec.containers[0]!.env.push({name: 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY', value: 'deny'})
    return pod as unknown as PlainObject
  }
  const scrapePolicy = (namespace: string): PlainObject => ({apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'AuthorizationPolicy', metadata: {name: 'prometheus-scrape', namespace}, spec: {}})
  const crd: PlainObject = {apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: {name: 'authorizationpolicies.policy.linkerd.io'}, spec: {group: 'policy.linkerd.io', names: {plural: 'authorizationpolicies', kind: 'AuthorizationPolicy'}, scope: 'Namespaced', versions: [{name: 'v1alpha1', served: true, storage: true}]}}

  test('pods whose default policy denies need the allow-scrapes policy in their namespace', async () => {
    const pods = [denying('web-1', 'shop'), meshedPod({name: 'web-2', namespace: 'shop'}), denying('api-1', 'blog')]
    const without = await withViz({}, 'proxy', pods, [crd])
    const check = without.byId.get('linkerd-viz-data-plane.prometheus-authorized')
    assert.equal(check?.result, 'warning')
    assert.equal(check?.error, 'prometheus may not be authorized to scrape the following pods:\n\t* pod/web-1 in shop\n\t* pod/api-1 in blog\nconsider running `linkerd viz allow-scrapes` to authorize prometheus scrapes')
    const withPolicy = await withViz({}, 'proxy', pods, [crd, scrapePolicy('shop'), scrapePolicy('blog')])
    assert.equal(withPolicy.byId.get('linkerd-viz-data-plane.prometheus-authorized')?.result, 'success')
  })

  test('metrics in Prometheus: skipped, saying why, in a run that cannot query it or with an external one', async () => {
    const {byId} = await withViz({}, 'proxy')
    const check = byId.get('linkerd-viz-data-plane.metrics-in-prometheus')
    assert.equal(check?.result, 'skipped')
    assert.equal(check?.error, 'not checked: this run does not query Prometheus')
    const external = (await withViz({externalPrometheus: 'http://prom.example:9090'}, 'proxy')).byId.get('linkerd-viz-data-plane.metrics-in-prometheus')
    assert.equal(external?.result, 'skipped')
    assert.match(external?.error ?? '', /^not checked: viz uses the external Prometheus http:\/\/prom\.example:9090/)
  })
})
