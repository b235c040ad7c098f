import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {notAfter, parsePemBundle} from '../../src/checks/x509.js'
import type {PlainObject, ProxyHandler} from '../helpers/fake-kube.js'
import {controlPlane, FIXTURE_NOW, GATEWAY_API_OBJECTS, healthyProxy, meshedPod, pem} from './fixtures/cluster.js'
import {DAY, problems, runFake as run} from './fixtures/run.js'

const ISSUER_NOT_AFTER = notAfter(parsePemBundle(pem('issuer.crt'))[0]!)

describe('check categories against fake-kube', () => {
  test('a healthy install passes every check in every mode', async () => {
    for (const mode of ['control-plane', 'proxy'] as const) {
      const {report} = await run({mode})
      assert.deepEqual(problems(report), [], mode)
      assert.equal(report.success, true)
    }
  })

  test('the version lookup runs unless --offline and compares the channel', async () => {
    const {byId} = await run({mode: 'control-plane', settings: {offline: false}})
    assert.equal(byId.get('linkerd-version.latest-version')?.result, 'success')
    assert.equal(byId.get('linkerd-version.control-plane-up-to-date')?.result, 'success')
    const old = await run({mode: 'control-plane', settings: {offline: false}, cluster: {values: {linkerdVersion: 'edge-26.1.1'}, controlPlanePods: [], dataPlanePods: []}})
    assert.match(old.byId.get('linkerd-version.control-plane-up-to-date')?.error ?? '', /running version 26.1.1 but the latest edge version is 26.8.3/)
    const offline = await run({mode: 'control-plane'})
    assert.equal(offline.byId.get('linkerd-version.latest-version')?.result, 'skipped')
  })

  test('pods are listed once, whatever the number of pods', async () => {
    const many = Array.from({length: 40}, (_, i) => meshedPod({name: `api-${i}`, namespace: i % 2 ? 'shop' : 'blog'}))
    const proxies: Record<string, ProxyHandler> = {}
    for (const pod of many) proxies[`${pod.metadata!.namespace}/${pod.metadata!.name}:4191`] = healthyProxy(FIXTURE_NOW)
    const small = await run()
    const large = await run({cluster: {dataPlanePods: many}, proxies})
    assert.deepEqual(problems(large.report), [])
    assert.equal(large.report.stats.listCalls, small.report.stats.listCalls)
    assert.equal(large.calls.filter((c) => c === 'listPods').length, 1)
    assert.equal(large.calls.filter((c) => c === 'proxyGetMany').length, 40)
  })

  test('an expired issuer fails issuer-cert-time-valid; an expiring one warns', async () => {
    const expired = await run({mode: 'control-plane', settings: {now: () => ISSUER_NOT_AFTER + DAY}})
    assert.equal(expired.byId.get('linkerd-identity.issuer-cert-time-valid')?.result, 'error')
    assert.match(expired.byId.get('linkerd-identity.issuer-cert-time-valid')?.error ?? '', /issuer certificate identity\.linkerd\.cluster\.local expired on .*secret\/linkerd-identity-issuer in linkerd/)
    const soon = await run({mode: 'control-plane', settings: {now: () => ISSUER_NOT_AFTER - 10 * DAY}})
    assert.equal(soon.byId.get('linkerd-identity.issuer-cert-time-valid')?.result, 'success')
    assert.equal(soon.byId.get('linkerd-identity.issuer-cert-not-expiring')?.result, 'warning')
    assert.match(soon.byId.get('linkerd-identity.issuer-cert-not-expiring')?.error ?? '', /in 10 days/)
    // A shorter threshold silences it.
    const relaxed = await run({mode: 'control-plane', settings: {now: () => ISSUER_NOT_AFTER - 10 * DAY, certExpiryThresholdMs: 5 * DAY}})
    assert.equal(relaxed.byId.get('linkerd-identity.issuer-cert-not-expiring')?.result, 'success')
  })

  test('an issuer not signed by the anchors fails, and bad PEM is reported, not thrown', async () => {
    const wrong = await run({mode: 'control-plane', cluster: {anchors: pem('other-anchor.crt')}})
    assert.equal(wrong.byId.get('linkerd-identity.issuer-cert-signed-by-anchor')?.result, 'error')
    const garbage = await run({mode: 'control-plane', cluster: {issuer: 'not a cert'}})
    assert.match(garbage.byId.get('linkerd-identity.issuer-cert-time-valid')?.error ?? '', /no PEM certificate found/)
  })

  test('a control-plane component that is not ready is named', async () => {
    const pods = ['destination', 'identity', 'proxy-injector'].map((c) => meshedPod({name: `linkerd-${c}-7d9f8-abcde`, namespace: 'linkerd', component: c, ready: c !== 'identity'}))
    const {byId, report} = await run({mode: 'control-plane', cluster: {controlPlanePods: pods}})
    assert.equal(byId.get('linkerd-existence.control-plane-pods-ready')?.result, 'error')
    assert.match(byId.get('linkerd-existence.control-plane-pods-ready')?.error ?? '', /pod\/linkerd-identity-7d9f8-abcde in linkerd container linkerd-proxy is not ready/)
    assert.match(byId.get('linkerd-control-plane-proxy.proxies-healthy')?.error ?? '', /linkerd-identity-7d9f8-abcde/)
    // Not fatal: the identity checks still ran.
    assert.equal(byId.get('linkerd-identity.issuer-cert-time-valid')?.result, 'success')
    assert.equal(report.success, false)
  })

  test('data plane: not-ready proxy, unreachable admin port and /ready 503 name their pods', async () => {
    const pods = [meshedPod({name: 'web-1', namespace: 'shop', ready: false}), meshedPod({name: 'web-2', namespace: 'shop'}), meshedPod({name: 'web-3', namespace: 'shop'})]
    const proxies = {'shop/web-1:4191': healthyProxy(FIXTURE_NOW, {ready: false}), 'shop/web-3:4191': healthyProxy(FIXTURE_NOW)}
    const {byId} = await run({cluster: {dataPlanePods: pods}, proxies})
    assert.match(byId.get('data-plane.proxies-ready')?.error ?? '', /container linkerd-proxy in pod\/web-1 in shop is not ready/)
    assert.match(byId.get('data-plane.admin-live')?.error ?? '', /pod\/web-2 in shop: admin port 4191 unreachable/)
    assert.doesNotMatch(byId.get('data-plane.admin-live')?.error ?? '', /web-1|web-3/)
    const ready = byId.get('data-plane.admin-ready')?.error ?? ''
    assert.match(ready, /pod\/web-1 in shop: GET \/ready on admin port 4191 answered 503 \(not ready\)/)
    assert.match(ready, /pod\/web-2 in shop: admin port 4191 unreachable/)
  })

  test('prefetched probes are shared with the checks: one forward per pod', async () => {
    const {byId, calls} = await run({prefetch: true})
    assert.equal(byId.get('data-plane.admin-ready')?.result, 'success')
    assert.equal(calls.filter((c) => c === 'proxyGetMany').length, 2)
  })

  test('the admin port comes from the linkerd-admin container port', async () => {
    const pod = meshedPod({name: 'web-1', namespace: 'shop'}) as unknown as {spec: {containers: Array<{ports: Array<{containerPort: number; name: string}>}>}}
    pod.spec.containers[0]!.ports[1]!.containerPort = 9991
    const {byId} = await run({cluster: {dataPlanePods: [pod as unknown as PlainObject]}, proxies: {'shop/web-1:9991': healthyProxy(FIXTURE_NOW)}})
    assert.equal(byId.get('data-plane.admin-ready')?.result, 'success')
  })

  test('completed pods are skipped; no meshed pods at all is an error', async () => {
    const done = meshedPod({name: 'job-1', namespace: 'shop', phase: 'Succeeded', ready: false})
    const {byId} = await run({cluster: {dataPlanePods: [done, meshedPod({name: 'web-1', namespace: 'shop'})]}})
    assert.equal(byId.get('data-plane.proxies-ready')?.result, 'success')
    const none = await run({cluster: {dataPlanePods: []}, settings: {dataPlaneNamespace: 'shop'}})
    assert.equal(none.byId.get('data-plane.proxies-ready')?.error, 'no "linkerd-proxy" containers found in the "shop" namespace')
    const missing = await run({settings: {dataPlaneNamespace: 'nope'}})
    assert.equal(missing.byId.get('data-plane.namespace-exists')?.result, 'error')
    assert.equal(missing.report.stoppedBy, 'data-plane.namespace-exists')
  })

  test('proxy versions and leaf certificates', async () => {
    const pods = [meshedPod({name: 'web-1', namespace: 'shop', version: 'edge-26.1.1'}), meshedPod({name: 'web-2', namespace: 'shop'})]
    const proxies = {'shop/web-1:4191': healthyProxy(FIXTURE_NOW, {certExpiresAt: FIXTURE_NOW + 3_600_000}), 'shop/web-2:4191': healthyProxy(FIXTURE_NOW)}
    const {byId} = await run({cluster: {dataPlanePods: pods}, proxies})
    assert.match(byId.get('data-plane.proxy-version')?.error ?? '', /pod\/web-1 in shop \(edge-26.1.1\)/)
    assert.equal(byId.get('data-plane.proxy-certs-not-expiring')?.result, 'warning')
    assert.match(byId.get('data-plane.proxy-certs-not-expiring')?.error ?? '', /pod\/web-1 in shop: identity certificate expires/)
    const expired = await run({proxies: {'shop/web-1:4191': healthyProxy(FIXTURE_NOW, {certExpiresAt: FIXTURE_NOW - 1000}), 'shop/web-2:4191': healthyProxy(FIXTURE_NOW)}})
    assert.equal(expired.byId.get('data-plane.proxy-certs-not-expiring')?.result, 'error')
  })

  test('port health comes from the shared port rules and names the pod', async () => {
    const conflict = meshedPod({name: 'web-1', namespace: 'shop', ports: [{containerPort: 4143, name: 'http'}]})
    const opaqueHttp = meshedPod({name: 'web-2', namespace: 'shop', ports: [{containerPort: 8080, name: 'http'}], annotations: {'config.linkerd.io/opaque-ports': '8080'}, opaquePorts: '8080'})
    const undeclared = meshedPod({name: 'web-3', namespace: 'shop', annotations: {'config.linkerd.io/skip-inbound-ports': '9999'}})
    const proxies: Record<string, ProxyHandler> = {}
    for (const n of ['web-1', 'web-2', 'web-3']) proxies[`shop/${n}:4191`] = healthyProxy(FIXTURE_NOW)
    const {byId} = await run({cluster: {dataPlanePods: [conflict, opaqueHttp, undeclared]}, proxies})
    assert.equal(byId.get('data-plane-ports.no-proxy-port-conflicts')?.result, 'error')
    assert.match(byId.get('data-plane-ports.no-proxy-port-conflicts')?.error ?? '', /pod\/web-1 in shop: port 4143/)
    assert.equal(byId.get('data-plane-ports.opaque-ports-not-http')?.result, 'warning')
    assert.match(byId.get('data-plane-ports.opaque-ports-not-http')?.error ?? '', /pod\/web-2 in shop/)
    assert.equal(byId.get('data-plane-ports.annotated-ports-declared')?.result, 'warning')
    assert.match(byId.get('data-plane-ports.annotated-ports-declared')?.error ?? '', /pod\/web-3 in shop.*9999/)
  })

  test('stale trust anchors in a proxy env are reported', async () => {
    const pod = meshedPod({name: 'web-1', namespace: 'shop'}) as unknown as {spec: {containers: Array<{env: Array<{name: string; value: string}>}>}}
    pod.spec.containers[0]!.env.push({name: 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS', value: pem('other-anchor.crt')})
    const {byId} = await run({cluster: {dataPlanePods: [pod as unknown as PlainObject, meshedPod({name: 'web-2', namespace: 'shop'})]}})
    assert.match(byId.get('linkerd-identity-data-plane.proxies-certs-match-ca')?.error ?? '', /must be restarted:\n\t\* pod\/web-1 in shop$/)
  })

  test('missing linkerd-config is fatal: later categories are skipped', async () => {
    const {report, byId} = await run({mode: 'control-plane', cluster: {omit: ['ConfigMap/linkerd-config']}})
    assert.equal(byId.get('linkerd-existence.config-map-exists')?.error, 'configmap/linkerd-config in linkerd not found')
    assert.equal(report.stoppedBy, 'linkerd-existence.config-map-exists')
    assert.equal(byId.get('linkerd-identity.issuer-cert-time-valid')?.result, 'skipped')
  })

  test('config objects: missing RBAC, CRD version and webhook are named', async () => {
    const objects = controlPlane({omit: ['ClusterRole/linkerd-linkerd-identity', 'ValidatingWebhookConfiguration/linkerd-sp-validator-webhook-config']})
    const crd = objects.find((o) => o.metadata?.name === 'servers.policy.linkerd.io') as unknown as {spec: {versions: Array<{name: string}>}}
    crd.spec.versions[0]!.name = 'v1beta1'
    const {byId} = await run({mode: 'control-plane', objects})
    assert.equal(byId.get('linkerd-config.cluster-roles-exist')?.error, 'missing ClusterRoles: linkerd-linkerd-identity')
    assert.equal(byId.get('linkerd-config.crds-exist')?.error, 'CRD servers.policy.linkerd.io is missing version v1beta3')
    assert.equal(byId.get('linkerd-config.validating-webhooks-exist')?.error, 'missing ValidatingWebhookConfigurations: linkerd-sp-validator-webhook-config')
    assert.match(byId.get('linkerd-webhooks-and-apisvc-tls.sp-validator-cert-valid')?.error ?? '', /validatingwebhookconfiguration\/linkerd-sp-validator-webhook-config not found/)
    assert.equal(byId.get('linkerd-webhooks-and-apisvc-tls.proxy-injector-cert-valid')?.result, 'success')
  })

  test('--pre: fresh cluster passes; denied access, an existing install and clock skew fail', async () => {
    const node = (name: string, heartbeat: number): PlainObject => ({apiVersion: 'v1', kind: 'Node', metadata: {name}, status: {conditions: [{type: 'Ready', status: 'True', lastHeartbeatTime: new Date(heartbeat).toISOString()}]}})
    const extAuth: PlainObject = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'extension-apiserver-authentication', namespace: 'kube-system'}, data: {'requestheader-client-ca-file': 'x'}}
    const fresh = await run({mode: 'pre', objects: [node('n1', FIXTURE_NOW - 30_000), extAuth, ...GATEWAY_API_OBJECTS]})
    assert.deepEqual(problems(fresh.report), [])
    const installed = await run({
      mode: 'pre',
      objects: [...controlPlane(), node('n1', FIXTURE_NOW - 30 * 60_000), extAuth],
      kube: {access: (a) => a.resource !== 'clusterroles' && !(a.resource === 'secrets' && a.verb === 'get')},
    })
    assert.match(installed.byId.get('pre-kubernetes-setup.namespace-absent')?.error ?? '', /The "linkerd" namespace already exists and holds pod\/linkerd-destination/)
    assert.equal(installed.byId.get('pre-kubernetes-setup.can-create-cluster-resources')?.error, 'missing permission to create clusterroles')
    assert.equal(installed.byId.get('pre-kubernetes-setup.can-read-secrets')?.error, 'missing permission to get secrets in linkerd')
    assert.equal(installed.byId.get('pre-kubernetes-setup.can-create-secrets')?.result, 'success')
    assert.match(installed.byId.get('pre-kubernetes-setup.no-clock-skew')?.error ?? '', /node\/n1 \(1800s\)/)
  })
})
