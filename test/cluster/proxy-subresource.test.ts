// The pods and services proxy subresources over HTTP/2 and HTTP/1.1, the answers kube-apiserver
// gives when it cannot reach the target, 403 from `pods/proxy` rules, and ALPN on the one port.
import assert from 'node:assert/strict'
import {createServer, type IncomingHttpHeaders} from 'node:http'
import {request} from 'node:https'
import type {AddressInfo} from 'node:net'
import {connect} from 'node:tls'
import {after, before, describe, test} from 'node:test'

import {createKubeClient} from '../../src/kube/index.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {openH2, type H2Client} from './support/h2-client.js'
import {samples} from './support/samples.js'

function http1Get(sim: Sim, path: string): Promise<{body: string; status: number; version: string}> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, sim.cluster.server), {ca: sim.cluster.pki.ca.certPem, headers: {authorization: `Bearer ${sim.cluster.token}`}}, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({body, status: res.statusCode ?? 0, version: res.httpVersion}))
    })
    req.on('error', reject)
    req.end()
  })
}

const status = (code: number, reason: string, message: string, details?: object): object => ({apiVersion: 'v1', code, ...(details ? {details} : {}), kind: 'Status', message, metadata: {}, reason, status: 'Failure'})

describe('proxy subresources', () => {
  let sim: Sim
  let h2: H2Client
  before(async () => {
    sim = await startSim({scenario: 'scale', pods: 100})
    h2 = openH2(sim.cluster.server, sim.cluster.pki.ca.certPem, sim.cluster.token)
  })
  after(async () => {
    await h2.close()
    await sim.stop()
  })

  test('ALPN: h2 when offered, HTTP/1.1 otherwise, on the same port', async () => {
    const alpn = (protocols: string[] | undefined): Promise<string | false> =>
      new Promise((resolve, reject) => {
        const socket = connect({ca: sim.cluster.pki.ca.certPem, host: '127.0.0.1', port: sim.cluster.api.port, ...(protocols ? {ALPNProtocols: protocols} : {})}, () => {
          resolve(socket.alpnProtocol ?? false)
          socket.end()
        })
        socket.on('error', reject)
      })
    assert.equal(await alpn(['h2', 'http/1.1']), 'h2')
    assert.equal(await alpn(['http/1.1']), 'http/1.1')
    assert.equal(await alpn(undefined), false)
    const version = await h2.get('/version')
    assert.equal(version.status, 200)
    assert.equal(JSON.parse(version.text).gitVersion, 'v1.32.4')
    assert.equal((await http1Get(sim, '/version')).version, '1.1')
    // client-node speaks HTTP/1.1 without ALPN; the CLI's own WebSocket tunnel too.
    const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
    const pod = [...sim.cluster.model.pods.values()].find((p) => p.proxy)
    assert.ok(pod)
    assert.equal((await kube.listPods({namespace: 'scale'})).length, 100)
    assert.equal((await kube.proxyGet({name: pod.name, namespace: pod.namespace}, 4191, '/ready')).body.toString(), 'ready\n')
  })

  test('100 concurrent pods/proxy GETs of /metrics over one HTTP/2 session', async () => {
    const pods = sim.cluster.podsOf('scale', 'app-0').concat([...sim.cluster.model.pods.values()].filter((p) => p.namespace === 'scale' && p.workload.name !== 'app-0')).slice(0, 100)
    assert.equal(pods.length, 100)
    const answers = await Promise.all(pods.map((p) => h2.get(`/api/v1/namespaces/scale/pods/${p.name}:4191/proxy/metrics`)))
    for (const [i, a] of answers.entries()) {
      assert.equal(a.status, 200)
      assert.equal(a.headers['content-type'], 'text/plain')
      const inbound = samples(a.text).filter((s) => s.name === 'request_total' && s.labels.direction === 'inbound' && s.labels.target_port !== '4191')
      assert.ok(inbound.length > 0, `${pods[i]?.name} has inbound series`)
      assert.ok(inbound.every((s) => s.labels.target_addr === `${pods[i]?.ip}:8080`), 'each answer is its own pod')
    }
    // The API server's own transport asks for gzip like Prometheus does; the proxy's answer passes through.
    const gz = await h2.get(`/api/v1/namespaces/scale/pods/${pods[0]?.name}:4191/proxy/metrics`, {'accept-encoding': 'gzip'})
    assert.equal(gz.headers['content-encoding'], 'gzip')
  })

  test('HTTP/1.1 too, the path and query reach the pod, an empty path redirects to /', async () => {
    const pod = sim.cluster.podsOf('scale', 'app-1')[0]
    assert.ok(pod)
    const ready = await http1Get(sim, `/api/v1/namespaces/scale/pods/${pod.name}:4191/proxy/ready`)
    assert.deepEqual([ready.status, ready.body], [200, 'ready\n'])
    // No port: the first container port (the app, not the proxy sidecar). `scheme:name:` names a
    // scheme without a port; `http:name` would be pod "http" port "name", as in Kubernetes.
    const app = await h2.get(`/api/v1/namespaces/scale/pods/http:${pod.name}:/proxy/`)
    assert.deepEqual([app.status, app.text], [200, `hello from ${pod.name}\n`])
    const redirect = await h2.get(`/api/v1/namespaces/scale/pods/${pod.name}:4191/proxy?x=1`)
    assert.equal(redirect.status, 301)
    assert.equal(redirect.headers.location, `/api/v1/namespaces/scale/pods/${pod.name}:4191/proxy/?x=1`)
    const service = await h2.get('/api/v1/namespaces/scale/services/app-1:8080/proxy/')
    assert.equal(service.status, 200)
    assert.match(service.text, /^hello from app-1-/)
    const byName = await h2.get('/api/v1/namespaces/scale/services/app-1:http/proxy/')
    assert.match(byName.text, /^hello from app-1-/)
  })

  test('what kube-apiserver answers when it cannot reach the target', async () => {
    const pod = sim.cluster.podsOf('scale', 'app-2')[0]
    assert.ok(pod)
    const base = `/api/v1/namespaces/scale/pods`
    const cases: Array<[string, number, object]> = [
      [`${base}/${pod.name}:9999/proxy/metrics`, 503, status(503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${pod.ip}:9999: connect: connection refused`)],
      [`${base}/https:${pod.name}:4191/proxy/metrics`, 503, status(503, 'ServiceUnavailable', 'error trying to reach service: tls: first record does not look like a TLS handshake')],
      [`${base}/ghost:4191/proxy/metrics`, 404, status(404, 'NotFound', 'pods "ghost" not found', {kind: 'pods', name: 'ghost'})],
      [`${base}/a:b:c:d/proxy/`, 400, status(400, 'BadRequest', 'invalid pod request "a:b:c:d"')],
      ['/api/v1/namespaces/scale/services/app-2:9090/proxy/', 503, status(503, 'ServiceUnavailable', 'no service port 9090 found for service "app-2"')],
      ['/api/v1/namespaces/scale/services/ghost/proxy/', 404, status(404, 'NotFound', 'services "ghost" not found', {kind: 'services', name: 'ghost'})],
    ]
    for (const [path, code, body] of cases) {
      const answer = await h2.get(path)
      assert.equal(answer.status, code, path)
      assert.deepEqual(JSON.parse(answer.text), body, path)
    }
  })

  test('the pod behind a Service port can be a real server (routeService), for port-forwards too', async () => {
    const seen: IncomingHttpHeaders[] = []
    const backend = createServer((req, res) => {
      seen.push(req.headers)
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify({path: req.url}))
    })
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve))
    try {
      sim.cluster.routeService('scale', 'app-3', 8080, `http://127.0.0.1:${(backend.address() as AddressInfo).port}`)
      const answer = await h2.get('/api/v1/namespaces/scale/services/app-3:8080/proxy/api/v1/query?query=up')
      assert.equal(answer.status, 200)
      assert.deepEqual(JSON.parse(answer.text), {path: '/api/v1/query?query=up'})
      // The API server consumed the credentials; the backend sees where the request came through.
      assert.equal(seen[0]?.authorization, undefined)
      assert.equal(seen[0]?.['x-forwarded-uri'], '/api/v1/namespaces/scale/services/app-3:8080/proxy/api/v1/query')
      const pod = sim.cluster.podsOf('scale', 'app-3')[0]
      assert.ok(pod)
      const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
      const forwarded = await kube.proxyGet({name: pod.name, namespace: 'scale'}, 8080, '/x')
      assert.equal(forwarded.body.toString(), '{"path":"/x"}')
    } finally {
      await new Promise<void>((resolve) => backend.close(() => resolve()))
    }
    // A stopped backend is a refused port.
    const refused = await h2.get('/api/v1/namespaces/scale/services/app-3:8080/proxy/')
    assert.equal(refused.status, 503)
    assert.match(JSON.parse(refused.text).message, /^error trying to reach service: dial tcp 10\.\S+:8080: connect: connection refused$/)
    sim.cluster.routeService('scale', 'app-3', 8080, undefined)
    assert.match((await h2.get('/api/v1/namespaces/scale/services/app-3:8080/proxy/')).text, /^hello from app-3-/)
  })
})

describe('proxy subresources: faults and access rules', () => {
  test('faulty pods answer like the real ones; pods/proxy rules give 403 and access reviews agree', async () => {
    const sim = await startSim({
      scenario: {
        forbidden: [{namespace: 'locked', resource: 'pods/proxy', verbs: ['get']}],
        linkerd: {},
        namespaces: [
          {name: 'apps', workloads: [{faults: ['adminUnreachable'], name: 'admin-down'}, {faults: ['podPending'], name: 'pending'}, {faults: ['proxyNotReady'], name: 'not-ready'}, {faults: ['podCrashLooping'], name: 'crashing'}]},
          {name: 'locked', workloads: [{name: 'web'}]},
        ],
      },
    })
    const h2 = openH2(sim.cluster.server, sim.cluster.pki.ca.certPem, sim.cluster.token)
    try {
      const pod = (workload: string, ns = 'apps') => {
        const p = sim.cluster.podsOf(ns, workload)[0]
        assert.ok(p)
        return p
      }
      const down = await h2.get(`/api/v1/namespaces/apps/pods/${pod('admin-down').name}:4191/proxy/ready`)
      assert.deepEqual([down.status, JSON.parse(down.text).message], [503, `error trying to reach service: dial tcp ${pod('admin-down').ip}:4191: connect: connection refused`])
      const pending = await h2.get(`/api/v1/namespaces/apps/pods/${pod('pending').name}:4191/proxy/ready`)
      assert.deepEqual([pending.status, JSON.parse(pending.text).message], [400, 'address not allowed'])
      const notReady = await h2.get(`/api/v1/namespaces/apps/pods/${pod('not-ready').name}:4191/proxy/ready`)
      assert.deepEqual([notReady.status, notReady.text], [503, 'not ready\n'])
      // A crash-looping app refuses its port; its Service has no ready endpoint.
      const crashing = await h2.get(`/api/v1/namespaces/apps/pods/${pod('crashing').name}:8080/proxy/`)
      assert.equal(crashing.status, 503)
      const noEndpoints = await h2.get('/api/v1/namespaces/apps/services/crashing:8080/proxy/')
      assert.deepEqual(JSON.parse(noEndpoints.text), status(503, 'ServiceUnavailable', 'no endpoints available for service "crashing:8080"'))

      const web = pod('web', 'locked')
      const denied = await h2.get(`/api/v1/namespaces/locked/pods/${web.name}:4191/proxy/metrics`)
      assert.equal(denied.status, 403)
      assert.deepEqual(JSON.parse(denied.text), status(403, 'Forbidden', `pods "${web.name}:4191" is forbidden: User "admin" cannot get resource "pods/proxy" in API group "" in the namespace "locked"`, {kind: 'pods', name: `${web.name}:4191`}))
      // Reading the pod itself stays allowed; so is pods/proxy elsewhere.
      assert.equal((await h2.get(`/api/v1/namespaces/locked/pods/${web.name}`)).status, 200)
      assert.equal((await h2.get(`/api/v1/namespaces/apps/pods/${pod('not-ready').name}:8080/proxy/`)).status, 200)
      const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
      assert.equal((await kube.selfSubjectAccessReview({namespace: 'locked', resource: 'pods', subresource: 'proxy', verb: 'get'})).allowed, false)
      assert.equal((await kube.selfSubjectAccessReview({namespace: 'locked', resource: 'pods', verb: 'get'})).allowed, true)
    } finally {
      await h2.close()
      await sim.stop()
    }
  })
})
