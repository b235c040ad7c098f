// The production kube layer (client-node over TLS, port-forward over WebSocket) against the
// simulated cluster: no mocks of the client library.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {ClusterError, KubeApiError, TimeoutError} from '../../src/errors.js'
import {PodProxyError, PortForwardError} from '../../src/kube/errors.js'
import {createKubeClient} from '../../src/kube/index.js'
import {KubeErrorCode, type KubeClient} from '../../src/kube/types.js'
import {startSim, type Sim} from '../helpers/sim.js'

describe('kube client against the simulated cluster', () => {
  let sim: Sim
  let kube: KubeClient

  before(async () => {
    sim = await startSim({scenario: 'healthy'})
    kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
  })
  after(async () => {
    await kube.close()
    await sim.stop()
  })

  test('version and context', async () => {
    const version = await kube.getVersion()
    assert.equal(version.gitVersion, 'v1.32.4')
    assert.equal(version.minor, '32')
    assert.equal(kube.contextName, 'meshport-sim')
    assert.equal(kube.server, sim.cluster.server)
  })

  test('lists with namespace and label selectors', async () => {
    const web = await kube.listPods({labelSelector: 'app=web', namespace: 'emojivoto'})
    assert.equal(web.length, 2)
    // Pods come as the server's JSON (no model deserialisation): timestamps are RFC 3339 text.
    assert.ok(web.every((p) => p.metadata?.labels?.app === 'web' && Number.isFinite(Date.parse(String(p.metadata.creationTimestamp)))))
    const meshed = await kube.listPods({labelSelector: 'linkerd.io/control-plane-ns=linkerd'})
    const expected = [...sim.cluster.model.pods.values()].filter((p) => p.meshed).length
    assert.equal(meshed.length, expected)
    assert.equal((await kube.listPods({fieldSelector: 'status.phase=Pending'})).length, 0)
    const cp = await kube.listDeployments({namespace: 'linkerd'})
    assert.deepEqual(cp.map((d) => d.metadata?.name).sort(), ['linkerd-destination', 'linkerd-identity', 'linkerd-proxy-injector'])
    const rs = await kube.listReplicaSets({namespace: 'emojivoto', labelSelector: 'app=web'})
    assert.equal(rs[0]?.metadata?.ownerReferences?.[0]?.name, 'web')
    assert.equal((await kube.listStatefulSets({namespace: 'booksapp'}))[0]?.metadata?.name, 'books-db')
    assert.ok((await kube.listNamespaces()).some((n) => n.metadata?.name === 'emojivoto'))
    assert.equal((await kube.listNodes()).length, 2)
    assert.ok((await kube.listServices({namespace: 'linkerd'})).some((s) => s.metadata?.name === 'linkerd-dst'))
    assert.ok((await kube.listEndpoints({namespace: 'emojivoto'})).length > 0)
    assert.ok((await kube.listServiceAccounts({namespace: 'emojivoto'})).some((s) => s.metadata?.name === 'web'))
    assert.deepEqual(await kube.listJobs(), [])
    assert.deepEqual(await kube.listCronJobs({namespace: 'emojivoto'}), [])
    assert.deepEqual(await kube.listDaemonSets(), [])
  })

  test('gets, with undefined for 404', async () => {
    const config = await kube.getConfigMap('linkerd', 'linkerd-config')
    assert.match(String(config?.data?.values), /identityTrustAnchorsPEM/)
    const issuer = await kube.getSecret('linkerd', 'linkerd-identity-issuer')
    assert.match(Buffer.from(String(issuer?.data?.['tls.crt']), 'base64').toString(), /BEGIN CERTIFICATE/)
    assert.equal(await kube.getConfigMap('linkerd', 'nope'), undefined)
    assert.equal(await kube.getPod('emojivoto', 'nope'), undefined)
    assert.equal((await kube.getNamespace('linkerd'))?.metadata?.labels?.['linkerd.io/is-control-plane'], 'true')
    assert.ok(await kube.getCustomResourceDefinition('servers.policy.linkerd.io'))
    assert.ok(await kube.getMutatingWebhookConfiguration('linkerd-proxy-injector-webhook-config'))
    assert.equal((await kube.listValidatingWebhookConfigurations()).length, 2)
    assert.ok((await kube.listAPIServices()).some((a) => a.metadata?.name === 'v1.apps'))
    assert.ok((await kube.listClusterRoles()).length > 0)
    assert.ok((await kube.listCustomResourceDefinitions()).length >= 10)
  })

  test('custom resources: empty list for a known CRD, 404 KubeApiError for an unknown one', async () => {
    assert.deepEqual(await kube.listCustom('policy.linkerd.io', 'v1beta3', 'servers', 'emojivoto'), [])
    await assert.rejects(kube.listCustom('argoproj.io', 'v1alpha1', 'rollouts'), (err: unknown) => err instanceof KubeApiError && err.status === 404)
    sim.cluster.addObject({apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: {name: 'web-http', namespace: 'emojivoto'}, spec: {port: 'http'}})
    const servers = await kube.listCustom('policy.linkerd.io', 'v1beta3', 'servers')
    assert.equal(servers[0]?.metadata?.name, 'web-http')
    assert.equal((await kube.getCustom('policy.linkerd.io', 'v1beta3', 'servers', 'web-http', 'emojivoto'))?.metadata?.name, 'web-http')
  })

  test('self subject access review', async () => {
    assert.equal((await kube.selfSubjectAccessReview({namespace: 'linkerd', resource: 'pods', verb: 'list'})).allowed, true)
  })

  test('proxyGet reaches the proxy admin server of a pod', async () => {
    const [pod] = sim.cluster.podsOf('emojivoto', 'web')
    assert.ok(pod)
    const ref = {name: pod.name, namespace: pod.namespace}
    assert.deepEqual((await kube.proxyGet(ref, 4191, '/ready')).body, 'ready\n')
    assert.equal((await kube.proxyGet(ref, 4191, '/live')).status, 200)
    const metrics = await kube.proxyGet(ref, 4191, '/metrics')
    assert.equal(metrics.status, 200)
    assert.match(metrics.body, /^request_total\{direction="inbound"/m)
    assert.match(metrics.body, /# EOF\n$/)
    assert.equal((await kube.proxyGet(ref, 4191, '/nope')).status, 404)
  })

  test('a port nothing listens on is refused with the kubelet message', async () => {
    const [pod] = sim.cluster.podsOf('emojivoto', 'web')
    assert.ok(pod)
    await assert.rejects(kube.proxyGet({name: pod.name, namespace: pod.namespace}, 9999, '/'), (err: unknown) => {
      assert.ok(err instanceof PortForwardError, String(err))
      assert.match(err.message, /connection refused/)
      return true
    })
  })

  test('withPortForward serves several requests and closes everything', async () => {
    const [pod] = sim.cluster.podsOf('emojivoto', 'emoji')
    assert.ok(pod)
    const {httpGet} = await import('../../src/kube/port-forward.js')
    const bodies = await kube.withPortForward({name: pod.name, namespace: pod.namespace}, 4191, async (port) => {
      const a = await httpGet(port, '/ready')
      const b = await httpGet(port, '/live')
      return [a.body, b.body]
    })
    assert.deepEqual(bodies, ['ready\n', 'live\n'])
  })

  test('a GET to a missing pod names it: pods/proxy by default, the port-forward when asked for', async () => {
    await assert.rejects(kube.proxyGet({name: 'ghost', namespace: 'emojivoto'}, 4191, '/ready'), (err: unknown) => err instanceof PodProxyError && /pod\/ghost in emojivoto .*pods "ghost" not found/.test(err.message))
    const forwarding = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000, scrapeVia: 'port-forward'})
    try {
      await assert.rejects(forwarding.proxyGet({name: 'ghost', namespace: 'emojivoto'}, 4191, '/ready'), PortForwardError)
    } finally {
      await forwarding.close()
    }
  })

  test('client-certificate context works', async () => {
    const cert = createKubeClient({context: sim.certContextName, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
    assert.equal((await cert.listNamespaces()).length > 0, true)
    const [pod] = sim.cluster.podsOf('emojivoto', 'web')
    assert.equal((await cert.proxyGet({name: pod?.name ?? '', namespace: 'emojivoto'}, 4191, '/ready')).status, 200)
  })

  test('wrong token: ClusterError unauthorized (exit 3), for API calls and port-forwards', async () => {
    const bad = createKubeClient({context: undefined, kubeconfig: sim.badTokenKubeconfig(), requestTimeoutMs: 5000})
    await assert.rejects(bad.listPods(), (err: unknown) => err instanceof ClusterError && err.code === KubeErrorCode.unauthorized && err.exitCode === 3)
    const [pod] = sim.cluster.podsOf('emojivoto', 'web')
    await assert.rejects(bad.proxyGet({name: pod?.name ?? '', namespace: 'emojivoto'}, 4191, '/ready'), (err: unknown) => err instanceof ClusterError && err.code === KubeErrorCode.unauthorized)
  })

  test('a server certificate from another CA: ClusterError naming the TLS failure', async () => {
    const {makeApiPki} = await import('../cluster/pki.js')
    const {writeFileSync} = await import('node:fs')
    const path = await import('node:path')
    const other = Buffer.from(makeApiPki().ca.certPem).toString('base64')
    const file = path.join(path.dirname(sim.kubeconfigPath), 'kubeconfig-other-ca')
    writeFileSync(file, sim.cluster.kubeconfig().replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${other}`))
    const wrong = createKubeClient({context: undefined, kubeconfig: file, requestTimeoutMs: 5000})
    await assert.rejects(wrong.listPods(), (err: unknown) => err instanceof ClusterError && err.code === KubeErrorCode.tls && /TLS handshake/.test(err.message))
  })

  test('injected 500 and 403 map to KubeApiError and ClusterError', async () => {
    sim.cluster.injectApiError({path: '/configmaps', status: 500, times: 1})
    await assert.rejects(kube.listConfigMaps({namespace: 'linkerd'}), (err: unknown) => err instanceof KubeApiError && err.status === 500 && /simulated failure/.test(err.message))
    sim.cluster.injectApiError({message: 'secrets is forbidden: User "admin" cannot list resource "secrets"', path: '/secrets', status: 403, times: 1})
    await assert.rejects(kube.listSecrets(), (err: unknown) => err instanceof ClusterError && err.code === KubeErrorCode.forbidden && /cannot list/.test(err.message))
  })
})

describe('kube client failures without a cluster', () => {
  test('unreachable API server: ClusterError with the server in the message', async () => {
    const sim = await startSim({scenario: 'healthy'})
    const path = sim.kubeconfigPath
    const {readFileSync, writeFileSync, mkdtempSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const dead = `${mkdtempSync(`${tmpdir()}/meshport-dead-`)}/kubeconfig`
    const text = readFileSync(path, 'utf8')
    await sim.stop()
    writeFileSync(dead, text)
    const kube = createKubeClient({context: undefined, kubeconfig: dead, requestTimeoutMs: 2000})
    await assert.rejects(kube.listPods(), (err: unknown) => err instanceof ClusterError && err.code === KubeErrorCode.unreachable && /ECONNREFUSED/.test(err.message))
  })

  // The messages name the request timeout that fired; the tests' own timeouts only guard against a hang.
  test('a server that accepts TCP and never speaks TLS is unreachable (exit 3), not a stall', {timeout: 30_000}, async () => {
    const {createServer} = await import('node:net')
    const sockets: import('node:net').Socket[] = []
    const server = createServer((s) => sockets.push(s)) // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as import('node:net').AddressInfo).port
    const kube = createKubeClient({context: undefined, kubeconfig: silentKubeconfig(port), requestTimeoutMs: 300})
    await assert.rejects(kube.getVersion(), (err: unknown) => err instanceof ClusterError && err.exitCode === 3 && err.code === KubeErrorCode.unreachable && /no connection within 300ms/.test(err.message))
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  test('a server that takes the request and never answers: TimeoutError (exit 4) after requestTimeoutMs', {timeout: 30_000}, async () => {
    const {createServer} = await import('node:https')
    const {makeApiPki} = await import('../cluster/pki.js')
    const pki = makeApiPki()
    const server = createServer({cert: pki.server.certPem, key: pki.server.keyPem}, () => {}) // reads the request, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as import('node:net').AddressInfo).port
    const kube = createKubeClient({context: undefined, kubeconfig: silentKubeconfig(port), requestTimeoutMs: 300})
    await assert.rejects(kube.getVersion(), (err: unknown) => err instanceof TimeoutError && err.exitCode === 4 && /^read the server version: no answer from https:\/\/127\.0\.0\.1:\d+ within 300ms$/.test(err.message))
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
})

function silentKubeconfig(port: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'meshport-silent-')), 'kubeconfig')
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
  )
  return file
}
