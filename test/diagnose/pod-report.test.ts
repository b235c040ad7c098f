import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {collectControlPlane, collectPodSnapshot, getPodOrFail, ReadCache} from '../../src/diagnose/collect-pod.js'
import {buildPodReport, type PodReport} from '../../src/diagnose/pod-report.js'
import {pickPod} from '../../src/diagnose/resolve-pods.js'
import {fakeKube, type PlainObject, type ProxyHandler} from '../helpers/fake-kube.js'
import {injectorPod, LINKERD_NS, linkerdConfig, metricsText, namespace, pod, webhook} from './fixtures.js'

const NOW = Date.parse('2026-11-21T12:00:00Z') / 1000

async function diagnose(objects: PlainObject[], proxies: Record<string, ProxyHandler> = {}, name = 'web-1', ns = 'shop'): Promise<PodReport> {
  const kube = fakeKube({objects, proxies})
  const cp = await collectControlPlane(kube, LINKERD_NS)
  const snapshot = await collectPodSnapshot(kube, await getPodOrFail(kube, ns, name), cp, LINKERD_NS, 1000)
  await kube.close()
  return buildPodReport(snapshot, {defaults: cp.defaults, nowSeconds: NOW})
}

const healthyCp = (): PlainObject[] => [webhook(), injectorPod(true), linkerdConfig()]
const admin = (metrics = metricsText(), ready = 'ready\n'): Record<string, ProxyHandler> => ({
  'shop/web-1:4191': (path) => (path === '/ready' ? (ready === 'ready\n' ? ready : {status: 503, body: ready}) : path === '/live' ? 'live\n' : path === '/metrics' ? metrics : {status: 404, body: ''}),
})
const ruleIds = (r: PodReport) => r.problems.map((p) => p.rule).sort()

describe('diagnose pod: healthy', () => {
  test('a meshed, ready, fully mTLS pod has no problems and a complete report', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop', {'linkerd.io/inject': 'enabled'}), pod()], admin())
    assert.deepEqual(r.problems, [])
    assert.equal(r.schemaVersion, 1)
    assert.equal(r.mesh.meshed, true)
    assert.equal(r.mesh.sidecar, 'native')
    assert.equal(r.health.proxy?.ready, true)
    assert.equal(r.health.ready?.status, 200)
    assert.deepEqual(r.version, {proxy: 'edge-26.8.3', controlPlane: 'edge-26.8.3', build: 'v2.366.0'})
    assert.ok(r.identity && !('error' in r.identity))
    if (r.identity && !('error' in r.identity)) {
      assert.equal(r.identity.inbound.total, 10) // the admin port's 99 connections are not app traffic
      assert.deepEqual(r.identity.inbound.identities, {'vote.shop.serviceaccount.identity.linkerd.cluster.local': 10})
      assert.deepEqual(r.identity.outbound.identities, {'db.shop.serviceaccount.identity.linkerd.cluster.local': 4})
    }
  })
})

describe('diagnose pod: why not meshed', () => {
  test('mesh.not-annotated', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop'), pod({injected: false, owner: {kind: 'StatefulSet', name: 'web'}})])
    assert.equal(r.mesh.meshed, false)
    assert.deepEqual(ruleIds(r), ['mesh.not-annotated'])
    assert.match(r.problems[0]?.fix ?? '', /kubectl annotate namespace shop linkerd\.io\/inject=enabled/)
    assert.match(r.problems[0]?.fix ?? '', /rollout restart statefulset\/web -n shop/)
  })

  test('mesh.inject-disabled, on the pod and inherited from the namespace', async () => {
    const onPod = await diagnose([...healthyCp(), namespace('shop', {'linkerd.io/inject': 'enabled'}), pod({injected: false, annotations: {'linkerd.io/inject': 'disabled'}})])
    assert.deepEqual(ruleIds(onPod), ['mesh.inject-disabled'])
    assert.deepEqual(onPod.mesh.inject, {value: 'disabled', from: 'pod'})
    const onNs = await diagnose([...healthyCp(), namespace('shop', {'linkerd.io/inject': 'disabled'}), pod({injected: false})])
    assert.match(onNs.problems[0]?.message ?? '', /namespace shop has linkerd\.io\/inject: disabled/)
  })

  test('mesh.host-network', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop', {'linkerd.io/inject': 'enabled'}), pod({injected: false, hostNetwork: true})])
    assert.deepEqual(ruleIds(r), ['mesh.host-network'])
  })

  test('mesh.injector-webhook-missing', async () => {
    const r = await diagnose([injectorPod(true), namespace('shop', {'linkerd.io/inject': 'enabled'}), pod({injected: false})])
    assert.deepEqual(ruleIds(r), ['mesh.injector-webhook-missing'])
    assert.equal(r.problems[0]?.severity, 'error')
  })

  test('mesh.injector-webhook-skips: a namespace labelled admission-webhooks=disabled', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop', {'linkerd.io/inject': 'enabled'}, {'config.linkerd.io/admission-webhooks': 'disabled'}), pod({injected: false})])
    assert.deepEqual(ruleIds(r), ['mesh.injector-webhook-skips'])
    assert.match(r.problems[0]?.message ?? '', /config\.linkerd\.io\/admission-webhooks NotIn \(disabled\)/)
  })

  test('mesh.injector-not-ready', async () => {
    const r = await diagnose([webhook(), injectorPod(false), namespace('shop', {'linkerd.io/inject': 'enabled'}), pod({injected: false})])
    assert.deepEqual(ruleIds(r), ['mesh.injector-not-ready'])
    assert.match(r.problems[0]?.message ?? '', /created without a proxy/)
  })

  test('mesh.created-before-injection: before the injector was ready, and before the namespace annotation', async () => {
    const early = await diagnose([webhook(), injectorPod(true, '2026-11-21T00:00:00Z'), namespace('shop', {'linkerd.io/inject': 'enabled'}), pod({injected: false, created: '2026-11-20T00:00:00Z'})])
    assert.deepEqual(ruleIds(early), ['mesh.created-before-injection'])
    assert.match(early.problems[0]?.message ?? '', /injector was not ready yet/)
    const late = await diagnose([...healthyCp(), namespace('shop', {'linkerd.io/inject': 'enabled'}), pod({injected: false})])
    assert.match(late.problems[0]?.message ?? '', /before namespace shop was annotated/)
  })

  test('mesh.created-before-injection: the workload template was annotated after the pod was created', async () => {
    const objects: PlainObject[] = [
      ...healthyCp(),
      namespace('shop'),
      {apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {name: 'web-abc', namespace: 'shop', ownerReferences: [{apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd', controller: true}]}, spec: {selector: {}, template: {metadata: {}}}},
      {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web', namespace: 'shop'}, spec: {selector: {}, template: {metadata: {annotations: {'linkerd.io/inject': 'enabled'}}}}},
      pod({injected: false, owner: {kind: 'ReplicaSet', name: 'web-abc'}}),
    ]
    const r = await diagnose(objects)
    assert.deepEqual(ruleIds(r), ['mesh.created-before-injection'])
    assert.equal(r.pod.owner, 'deployment/web')
    assert.match(r.problems[0]?.fix ?? '', /kubectl rollout restart deployment\/web -n shop/)
  })

  test('mesh.other-control-plane and mesh.job-sidecar-blocks-completion', async () => {
    const r = await diagnose(
      [...healthyCp(), namespace('shop'), pod({native: false, labels: {'linkerd.io/control-plane-ns': 'linkerd-old'}, owner: {kind: 'Job', name: 'nightly'}})],
      admin(),
    )
    assert.deepEqual(ruleIds(r), ['mesh.job-sidecar-blocks-completion', 'mesh.other-control-plane'])
    assert.equal(r.mesh.sidecar, 'container')
  })
})

describe('diagnose pod: proxy health, version and identity', () => {
  test('proxy.not-ready (status and /ready 503) with restarts and the last termination reason', async () => {
    const r = await diagnose(
      [...healthyCp(), namespace('shop'), pod({proxyStatus: {ready: false, restartCount: 3, lastState: {terminated: {exitCode: 1, reason: 'Error', finishedAt: '2026-11-21T11:00:00Z'}}}})],
      admin(metricsText(), 'not ready\n'),
    )
    assert.deepEqual(ruleIds(r), ['proxy.not-ready', 'proxy.restarted'])
    assert.match(r.problems.find((p) => p.rule === 'proxy.restarted')?.message ?? '', /restarted 3 times; last termination: Error \(exit 1\) at 2026-11-21T11:00:00/)
    assert.match(r.problems.find((p) => p.rule === 'proxy.not-ready')?.message ?? '', /not ready/)
  })

  test('proxy.oom-killed and proxy.waiting', async () => {
    const r = await diagnose(
      [...healthyCp(), namespace('shop'), pod({proxyStatus: {ready: false, restartCount: 5, state: {waiting: {reason: 'CrashLoopBackOff'}}, lastState: {terminated: {exitCode: 137, reason: 'OOMKilled'}}}})],
      admin(),
    )
    assert.deepEqual(ruleIds(r), ['proxy.not-ready', 'proxy.oom-killed', 'proxy.waiting'])
  })

  test('proxy.admin-unreachable when nothing answers on the admin port', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop'), pod()], {})
    assert.deepEqual(ruleIds(r), ['proxy.admin-unreachable'])
    assert.match(r.problems[0]?.message ?? '', /admin port 4191/)
  })

  test('proxy.not-live', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop'), pod()], {'shop/web-1:4191': (path) => (path === '/live' ? {status: 500, body: ''} : path === '/ready' ? 'ready\n' : metricsText())})
    assert.deepEqual(ruleIds(r), ['proxy.not-live'])
  })

  test('init.failed', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop'), pod({phase: 'Pending', initStatus: {ready: false, restartCount: 2, state: {waiting: {reason: 'CrashLoopBackOff'}}, lastState: {terminated: {exitCode: 1, reason: 'Error'}}}})])
    assert.deepEqual(ruleIds(r), ['init.failed', 'pod.pending'])
    assert.match(r.problems.find((p) => p.rule === 'init.failed')?.message ?? '', /CrashLoopBackOff, Error \(exit 1\)/)
  })

  test('proxy.version-skew', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop'), pod({proxyVersion: 'edge-25.1.1'})], admin())
    assert.deepEqual(ruleIds(r), ['proxy.version-skew'])
    assert.match(r.problems[0]?.message ?? '', /proxy is edge-25\.1\.1 but the control plane is edge-26\.8\.3/)
  })

  test('identity: plaintext inbound and outbound, expiring certificate, refresh errors', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop'), pod()], admin(metricsText({inboundPlain: 5, outboundPlain: 2, certExpiry: NOW + 600, refreshErrors: 4})))
    assert.deepEqual(ruleIds(r), ['identity.cert-expiring', 'identity.cert-refresh-errors', 'identity.inbound-plaintext', 'identity.outbound-plaintext'])
    assert.match(r.problems.find((p) => p.rule === 'identity.inbound-plaintext')?.message ?? '', /5 of 15 inbound connections \(33\.3%\).*no_tls_from_remote 5/)
  })

  test('identity.no-certificate, and unparseable metrics are reported, not computed', async () => {
    const noCert = await diagnose([...healthyCp(), namespace('shop'), pod()], admin(metricsText({certExpiry: 0})))
    assert.deepEqual(ruleIds(noCert), ['identity.no-certificate'])
    const garbage = await diagnose([...healthyCp(), namespace('shop'), pod()], admin('<html>oops</html>'))
    assert.deepEqual(ruleIds(garbage), ['proxy.metrics-unparseable'])
    assert.ok(garbage.identity && 'error' in garbage.identity)
  })

  test('port problems are part of the pod report', async () => {
    const r = await diagnose([...healthyCp(), namespace('shop'), pod({appPorts: [{containerPort: 4191, name: 'metrics'}, {containerPort: 4222}]})], admin())
    assert.deepEqual(ruleIds(r), ['ports.proxy-port-conflict', 'ports.server-speaks-first'])
  })

  test('pod.container-crashloop: the application container, not the proxy', async () => {
    const p = pod()
    ;(p.status as {containerStatuses: Array<Record<string, unknown>>}).containerStatuses[0] = {name: 'app', ready: false, restartCount: 12, image: '', imageID: '', state: {waiting: {reason: 'CrashLoopBackOff'}}, lastState: {terminated: {exitCode: 1, reason: 'Error'}}}
    const r = await diagnose([...healthyCp(), namespace('shop'), p], admin())
    assert.deepEqual(ruleIds(r), ['pod.container-crashloop'])
    assert.equal(r.problems[0]?.subject.container, 'app')
    assert.match(r.problems[0]?.message ?? '', /CrashLoopBackOff after 12 restarts; last termination: Error \(exit 1\)/)
  })

  test('a missing pod is an error naming it', async () => {
    const kube = fakeKube({objects: []})
    await assert.rejects(getPodOrFail(kube, 'shop', 'nope'), /not found: pod\/nope in namespace shop$/)
  })
})

describe('read cache', () => {
  test('many pods of one owner read their namespace and owners once', async () => {
    const objects: PlainObject[] = [
      ...healthyCp(),
      namespace('shop'),
      {apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {name: 'web-abc', namespace: 'shop', ownerReferences: [{apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd', controller: true}]}, spec: {selector: {}, template: {metadata: {}}}},
      {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web', namespace: 'shop'}, spec: {selector: {}, template: {metadata: {}}}},
      ...['web-1', 'web-2', 'web-3'].map((name) => pod({name, injected: false, owner: {kind: 'ReplicaSet', name: 'web-abc'}})),
    ]
    const kube = fakeKube({objects})
    const cp = await collectControlPlane(kube, LINKERD_NS)
    const cache = new ReadCache()
    const pods = await kube.listPods({namespace: 'shop'})
    const snapshots = await Promise.all(pods.map((p) => collectPodSnapshot(kube, p, cp, LINKERD_NS, 1000, cache)))
    assert.deepEqual(snapshots.map((s) => s.owner?.name), ['web', 'web', 'web'])
    const count = (m: string) => kube.calls.filter((c) => c.startsWith(m)).length
    assert.equal(count('getNamespace'), 1)
    assert.equal(count('getReplicaSet'), 1)
    assert.equal(count('getDeployment'), 1)
    await kube.close()
  })
})

describe('choosing one pod of a workload', () => {
  const candidate = (name: string, fields: {node?: string; phase?: string; readySince?: string; restarts?: number; created?: string}) =>
    ({
      metadata: {name, creationTimestamp: fields.created ?? '2026-01-01T00:00:00Z'},
      spec: fields.node === undefined ? {} : {nodeName: fields.node},
      status: {
        phase: fields.phase ?? 'Running',
        conditions: fields.readySince === undefined ? [] : [{type: 'Ready', status: 'True', lastTransitionTime: fields.readySince}],
        containerStatuses: [{restartCount: fields.restarts ?? 0}],
      },
    }) as never
  test('kubectl logs\' order: scheduled, Running, ready, ready longest, most restarts, oldest', () => {
    const pick = (...pods: never[]) => (pickPod(pods) as {metadata: {name: string}} | undefined)?.metadata.name
    assert.equal(pick(candidate('unscheduled', {phase: 'Pending'}), candidate('scheduled', {node: 'n', phase: 'Pending'})), 'scheduled')
    assert.equal(pick(candidate('pending', {node: 'n', phase: 'Pending'}), candidate('unknown', {node: 'n', phase: 'Unknown'}), candidate('running', {node: 'n'})), 'running')
    assert.equal(pick(candidate('not-ready', {node: 'n'}), candidate('ready', {node: 'n', readySince: '2026-01-02T00:00:00Z'})), 'ready')
    assert.equal(pick(candidate('newer', {node: 'n', readySince: '2026-01-03T00:00:00Z'}), candidate('longer', {node: 'n', readySince: '2026-01-02T00:00:00Z'})), 'longer')
    assert.equal(pick(candidate('calm', {node: 'n'}), candidate('restarting', {node: 'n', restarts: 3})), 'restarting')
    assert.equal(pick(candidate('young', {node: 'n', created: '2026-02-01T00:00:00Z'}), candidate('old', {node: 'n', created: '2026-01-01T00:00:00Z'})), 'old')
    assert.equal(pick(), undefined)
  })
})
