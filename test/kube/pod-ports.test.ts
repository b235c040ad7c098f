// GETs to pods' ports over the API server's pods/proxy subresource on one HTTP/2 session, with the
// per-pod fallback to port-forward (--scrape-via auto|proxy|port-forward), and services/proxy:
// against the simulated cluster, through a CONNECT proxy and a plain-HTTP front too.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {ClusterError, KubeApiError, TimeoutError} from '../../src/errors.js'
import {ApiSession} from '../../src/kube/api-session.js'
import {PodProxyError, PortForwardError} from '../../src/kube/errors.js'
import {createKubeClient} from '../../src/kube/index.js'
import {KubeErrorCode, type ScrapeVia} from '../../src/kube/types.js'
import {connectProxy, plainFront} from '../helpers/proxies.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {transportFor, transportTo} from '../helpers/transport.js'

const scenario = {
  forbidden: [{namespace: 'locked', resource: 'pods/proxy', verbs: ['get']}],
  linkerd: {namespace: 'linkerd'},
  name: 'pod-ports',
  namespaces: [
    {
      name: 'shop',
      workloads: [
        {kind: 'Deployment', name: 'web', replicas: 3, traffic: {rps: 10}},
        {faults: ['adminDeniesApiServer'], kind: 'Deployment', name: 'policed', replicas: 1, traffic: {rps: 10}},
        {faults: ['adminUnreachable'], kind: 'Deployment', name: 'down', replicas: 1},
        {containers: [{name: 'app', ports: [8080]}], kind: 'Deployment', name: 'backend', replicas: 1},
      ],
    },
    {name: 'locked', workloads: [{kind: 'Deployment', name: 'vault', replicas: 2, traffic: {rps: 5}}]},
  ],
}

describe('pods/proxy and services/proxy on the API session', () => {
  let sim: Sim
  before(async () => {
    sim = await startSim({scenario})
  })
  after(() => sim.stop())

  const ref = (namespace: string, workload: string, i = 0): {name: string; namespace: string} => {
    const pod = sim.cluster.podsOf(namespace, workload)[i]
    assert.ok(pod, `${namespace}/${workload} has a pod ${i}`)
    return {name: pod.name, namespace}
  }
  const client = (scrapeVia: ScrapeVia) => createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000, scrapeVia})

  test('every pod a stream of one HTTP/2 connection; gzip answers come decompressed', async () => {
    const transport = transportFor(sim.kubeconfigPath)
    const session = new ApiSession(transport)
    try {
      const pods = sim.cluster.podsOf('shop', 'web')
      const answers = await Promise.all(pods.map((p) => session.request({path: `/api/v1/namespaces/shop/pods/${p.name}:4191/proxy/metrics`, timeoutMs: 5000})))
      assert.equal(session.protocol, 'h2')
      for (const answer of answers) {
        assert.equal(answer.status, 200)
        assert.equal(answer.headers['content-encoding'], 'gzip', 'asked for gzip, as Go clients do')
        assert.match(answer.body.toString(), /# EOF\n$/)
      }
    } finally {
      session.close()
      transport.close()
    }
  })

  test('auto: pods/proxy where it works, a port-forward for the pods it cannot reach', async () => {
    const kube = client('auto')
    try {
      const ok = await kube.proxyGet(ref('shop', 'web'), 4191, '/metrics')
      assert.equal(ok.status, 200)
      assert.equal(ok.via, 'proxy')
      // RBAC forbids pods/proxy in `locked`: the namespace goes by port-forward.
      const locked = await kube.proxyGet(ref('locked', 'vault'), 4191, '/ready')
      assert.deepEqual([locked.status, locked.via], [200, 'port-forward'])
      // Linkerd policy denies the API server on the admin port: the proxy's own 403, then a port-forward.
      const policed = await kube.proxyGetMany(ref('shop', 'policed'), 4191, ['/live', '/metrics'])
      assert.deepEqual(policed.map((a) => (a instanceof Error ? a.message : `${a.status} ${a.via}`)), ['200 port-forward', '200 port-forward'])
      // Nothing listens: the API server's 503, then the port-forward's refusal is the error.
      await assert.rejects(kube.proxyGet(ref('shop', 'down'), 4191, '/metrics'), PortForwardError)
    } finally {
      await kube.close()
    }
  })

  test('proxy: no fallback; the API server\'s refusals are PodProxyErrors, the pod\'s 403 an answer', async () => {
    const kube = client('proxy')
    try {
      await assert.rejects(kube.proxyGet(ref('locked', 'vault'), 4191, '/ready'), (err: unknown) => err instanceof PodProxyError && /forbidden: pods "vault-.*:4191" is forbidden/.test(err.message) && /pods\/proxy/.test(err.hint ?? ''))
      await assert.rejects(kube.proxyGet(ref('shop', 'down'), 4191, '/metrics'), (err: unknown) => err instanceof PodProxyError && /error trying to reach service: dial tcp .*connection refused/.test(err.message) && err.code === KubeErrorCode.podProxy)
      const policed = await kube.proxyGet(ref('shop', 'policed'), 4191, '/metrics')
      assert.deepEqual([policed.status, policed.via], [403, 'proxy'])
      await assert.rejects(kube.proxyGet({name: 'ghost', namespace: 'shop'}, 4191, '/metrics'), (err: unknown) => err instanceof PodProxyError && /pods "ghost" not found/.test(err.message))
    } finally {
      await kube.close()
    }
  })

  test('port-forward: never the API session', async () => {
    const kube = client('port-forward')
    try {
      const answer = await kube.proxyGet(ref('shop', 'web'), 4191, '/metrics')
      assert.deepEqual([answer.status, answer.via], [200, 'port-forward'])
    } finally {
      await kube.close()
    }
  })

  test('a slow pod times out (exit 4) instead of hanging', async () => {
    const silent: Server = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    sim.cluster.routePort('shop', ref('shop', 'backend').name, 8080, `http://127.0.0.1:${(silent.address() as AddressInfo).port}`)
    const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 300, scrapeVia: 'proxy'})
    try {
      await assert.rejects(kube.proxyGet(ref('shop', 'backend'), 8080, '/'), (err: unknown) => err instanceof TimeoutError && err.exitCode === 4)
    } finally {
      await kube.close()
      sim.cluster.routePort('shop', ref('shop', 'backend').name, 8080, undefined)
      silent.closeAllConnections()
      silent.close()
    }
  })

  test('services/proxy: the service\'s answers resolve, the API server\'s refusals reject', async () => {
    const backend: Server = createServer((req, res) => {
      res.writeHead(req.url?.startsWith('/bad') ? 400 : 200, {'content-type': 'application/json'})
      res.end(JSON.stringify({path: req.url, tenant: req.headers['x-scope-orgid'] ?? null}))
    })
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve))
    sim.cluster.routeService('shop', 'backend', 8080, `http://127.0.0.1:${(backend.address() as AddressInfo).port}`)
    const kube = client('auto')
    try {
      const answer = await kube.serviceProxyGet({name: 'backend', namespace: 'shop'}, {headers: {'X-Scope-OrgID': 'team-a'}, path: '/api/v1/query?query=up', port: 8080})
      assert.equal(answer.status, 200)
      assert.deepEqual(JSON.parse(answer.body), {path: '/api/v1/query?query=up', tenant: 'team-a'})
      assert.equal((await kube.serviceProxyGet({name: 'backend', namespace: 'shop'}, {path: '/bad', port: 8080})).status, 400, 'the service\'s own 400 is an answer')
      await assert.rejects(kube.serviceProxyGet({name: 'nope', namespace: 'shop'}, {path: '/', port: 8080}), (err: unknown) => err instanceof KubeApiError && err.status === 404 && /services "nope" not found/.test(err.message))
      await assert.rejects(kube.serviceProxyGet({name: 'backend', namespace: 'shop'}, {path: '/', port: 9999}), (err: unknown) => err instanceof KubeApiError && err.status === 503 && /no service port 9999/.test(err.message))
    } finally {
      await kube.close()
      sim.cluster.routeService('shop', 'backend', 8080, undefined)
      backend.close()
    }
  })

  test('a rejected token is a ClusterError (exit 3), not a per-pod failure', async () => {
    const kube = createKubeClient({context: undefined, kubeconfig: sim.badTokenKubeconfig(), requestTimeoutMs: 5000, scrapeVia: 'proxy'})
    try {
      await assert.rejects(kube.proxyGet(ref('shop', 'web'), 4191, '/metrics'), (err: unknown) => err instanceof ClusterError && err.code === KubeErrorCode.unauthorized)
    } finally {
      await kube.close()
    }
  })

  test('through an HTTP CONNECT proxy: still HTTP/2 inside the tunnel', async () => {
    const proxy = await connectProxy()
    // proxy-url in the kubeconfig: the environment's proxies never apply to a loopback server.
    const dir = mkdtempSync(join(tmpdir(), 'meshport-proxy-'))
    const path = join(dir, 'kubeconfig')
    writeFileSync(path, readFileSync(sim.kubeconfigPath, 'utf8').replace(/^(\s+)server: (.*)$/m, `$1server: $2\n$1proxy-url: ${proxy.url}`))
    const transport = transportFor(path)
    const session = new ApiSession(transport)
    try {
      const answer = await session.request({path: `/api/v1/namespaces/shop/pods/${ref('shop', 'web').name}:4191/proxy/ready`, timeoutMs: 5000})
      assert.equal(answer.status, 200)
      assert.equal(session.protocol, 'h2')
      assert.deepEqual(proxy.tunnels.map((t) => t.target), [new URL(sim.cluster.server).host])
    } finally {
      session.close()
      transport.close()
      await proxy.close()
      rmSync(dir, {force: true, recursive: true})
    }
  })

  test('a plain-HTTP front (kubectl proxy, path prefix): HTTP/1.1 keep-alive instead', async () => {
    const front = await plainFront(sim.cluster.server, sim.cluster.token, '/k8s/clusters/c-1')
    const transport = transportTo(front.url, {user: {token: undefined}})
    const session = new ApiSession(transport)
    try {
      const pod = ref('shop', 'web')
      const answers = await Promise.all([0, 1, 2].map(() => session.request({path: `/api/v1/namespaces/shop/pods/${pod.name}:4191/proxy/metrics`, timeoutMs: 5000})))
      assert.equal(session.protocol, 'http/1.1')
      assert.ok(answers.every((a) => a.status === 200 && a.body.toString().endsWith('# EOF\n')))
      assert.ok(front.requests.every((r) => r.includes('/k8s/clusters/c-1/api/v1/namespaces/shop/pods/')))
    } finally {
      session.close()
      transport.close()
      await front.close()
    }
  })
})
