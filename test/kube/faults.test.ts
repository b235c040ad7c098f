// The kube layer's retries and bounds against the fault proxy, call by call: what is retried (and
// said to onRetry), how often, and that a port-forward ends within one --request-timeout.
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {TimeoutError} from '../../src/errors.js'
import {PortForwardError} from '../../src/kube/errors.js'
import {createKubeClient} from '../../src/kube/index.js'
import type {RetryNotice, ScrapeVia} from '../../src/kube/types.js'
import {startFaultProxy, type Fault, type FaultProxy} from '../helpers/fault-proxy.js'
import {startSim, type Sim} from '../helpers/sim.js'

describe('kube layer under faults', () => {
  let sim: Sim
  const proxies: FaultProxy[] = []
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
  })
  after(async () => {
    for (const proxy of proxies) await proxy.stop()
    await sim.stop()
  })

  /** A client through a proxy with `fault`; pods are reached by port-forward unless said otherwise (then the proxy speaks HTTP/2). */
  async function client(fault: Fault, requestTimeoutMs: number, scrapeVia: ScrapeVia = 'port-forward'): Promise<{proxy: FaultProxy; notices: RetryNotice[]; kube: ReturnType<typeof createKubeClient>}> {
    const proxy = await startFaultProxy(sim, fault, {http2: scrapeVia !== 'port-forward'})
    proxies.push(proxy)
    const notices: RetryNotice[] = []
    const kube = createKubeClient({context: undefined, kubeconfig: proxy.kubeconfigPath, onRetry: (n) => notices.push(n), requestTimeoutMs, scrapeVia})
    return {kube, notices, proxy}
  }
  const pod = () => {
    const p = sim.cluster.podsOf('emojivoto', 'web')[0]!
    return {name: p.name, namespace: p.namespace}
  }

  test('429 with Retry-After on every other request: each list is retried once, after a second, and said so', async () => {
    const {kube, notices, proxy} = await client({kind: 'status', status: 429, retryAfter: 1, every: 2}, 10_000)
    const pods = await kube.listPods({namespace: 'emojivoto'})
    const deployments = await kube.listDeployments({namespace: 'emojivoto'})
    assert.ok(pods.length > 0 && deployments.length > 0)
    // list pods, list deployments (429), list deployments again
    assert.equal(proxy.seen.length, 3)
    assert.deepEqual(
      notices.map((n) => [n.action, n.attempt, n.waitMs, n.reason]),
      [['list deployments in emojivoto', 1, 1000, 'HTTP 429 Too Many Requests with Retry-After: 1']],
    )
    await kube.close()
  })

  test('a dial whose connection is reset before any answer is dialled again at once', async () => {
    const {kube, notices, proxy} = await client({kind: 'reset-connections', every: 2}, 10_000)
    // Connection 1 carries the first GET; the dial's first connection (2) is reset, its retry (3) works.
    await kube.getVersion()
    const answer = await kube.proxyGet(pod(), 4191, '/ready')
    assert.equal(answer.status, 200)
    assert.equal(proxy.seen.filter((s) => s.startsWith('UPGRADE')).length, 1, 'the reset connection never carried the upgrade')
    assert.deepEqual(
      notices.map((n) => [n.attempt, n.waitMs]),
      [[1, 0]],
    )
    assert.match(notices[0]!.action, /^port-forward to pod\/web-\S+ in emojivoto$/)
    await kube.close()
  })

  test('a dial reset every time ends as a PortForwardError after its retries, inside the timeout', async () => {
    const {kube, proxy} = await client({kind: 'forward-reset'}, 2_500)
    const started = Date.now()
    await assert.rejects(kube.proxyGet(pod(), 4191, '/ready'), (err) => err instanceof PortForwardError && /the connection closed before the upgrade was answered \(ECONNRESET\)$/.test(err.message))
    const elapsed = Date.now() - started
    // At once, then a second apart: 0s, 0s, 1s, 2s.
    assert.ok(proxy.seen.filter((s) => s.startsWith('UPGRADE')).length >= 3, proxy.seen.join('\n'))
    assert.ok(elapsed < 2_500 + 1_000, `${elapsed}ms`)
    await kube.close()
  })

  test('a port-forward that opens and then stalls ends within one timeout for all its paths, naming the path', async () => {
    const {kube} = await client({kind: 'forward-stall'}, 1_500)
    const started = Date.now()
    const answers = await kube.proxyGetMany(pod(), 4191, ['/live', '/ready', '/metrics'])
    const elapsed = Date.now() - started
    for (const answer of answers) assert.ok(answer instanceof TimeoutError && /port 4191: the tunnel opened, then GET \/live got no answer within 1500ms$/.test(answer.message), answer instanceof Error ? answer.message : JSON.stringify(answer))
    // One bound for the whole port-forward (it was one per path: 3x).
    assert.ok(elapsed < 1_500 + 1_000, `${elapsed}ms`)
    await kube.close()
  })

  test('a request that is read and never answered is a TimeoutError (exit 4) at the timeout', async () => {
    const {kube} = await client({kind: 'hang'}, 1_000)
    const started = Date.now()
    await assert.rejects(kube.listNamespaces(), (err) => err instanceof TimeoutError && err.exitCode === 4 && /^list namespaces: no answer from https:\/\/127\.0\.0\.1:\d+ within 1s$/.test(err.message))
    assert.ok(Date.now() - started < 2_000)
    await kube.close()
  })

  test('pods/proxy over HTTP/2: a GET answered 429 with Retry-After is tried again after a second, and said so', async () => {
    const {kube, notices, proxy} = await client({kind: 'status', status: 429, retryAfter: 1, every: 2}, 10_000, 'proxy')
    await kube.getVersion()
    const answer = await kube.proxyGet(pod(), 4191, '/ready')
    assert.deepEqual([answer.status, answer.via], [200, 'proxy'])
    assert.equal(proxy.http2Requests(), 2, 'both tries were streams of the HTTP/2 session')
    assert.deepEqual(
      notices.map((n) => [n.attempt, n.waitMs, n.reason]),
      [[1, 1000, 'HTTP 429 Too Many Requests with Retry-After: 1']],
    )
    assert.match(notices[0]!.action, /^GET \/ready through pods\/proxy to pod\/web-\S+ in emojivoto port 4191$/)
    await kube.close()
  })

  test('pods/proxy over HTTP/2: a stream never answered is a TimeoutError (exit 4) at the timeout', async () => {
    const {kube, proxy} = await client({kind: 'pods-proxy-stall'}, 1_500, 'auto')
    const started = Date.now()
    // The first path decides: a pod that does not answer fails the whole request.
    await assert.rejects(kube.proxyGetMany(pod(), 4191, ['/live', '/ready']), (err) => err instanceof TimeoutError && err.exitCode === 4 && /^GET \/live through pods\/proxy to pod\/web-\S+ in emojivoto port 4191: no answer from https:\/\/127\.0\.0\.1:\d+ within 1500ms$/.test(err.message))
    const elapsed = Date.now() - started
    assert.equal(proxy.http2Requests(), 1)
    // A stall is no refusal: auto does not fall back to a port-forward.
    assert.equal(proxy.seen.filter((s) => s.startsWith('UPGRADE')).length, 0)
    assert.ok(elapsed < 1_500 + 1_000, `${elapsed}ms`)
    await kube.close()
  })

  test('pods/proxy over HTTP/2: streams reset before any answer are sent again, then end as a timeout naming the resets', async () => {
    const {kube, notices, proxy} = await client({kind: 'pods-proxy-reset'}, 2_500, 'proxy')
    const started = Date.now()
    await assert.rejects(kube.proxyGet(pod(), 4191, '/metrics'), (err) => err instanceof TimeoutError && /: no usable answer within 2500ms \(\d attempts; connection closed before an answer \(ECONNRESET\)\)$/.test(err.message))
    assert.ok(Date.now() - started < 2_500 + 1_000)
    assert.ok(notices.length >= 1 && notices.every((n) => n.waitMs === 1000), JSON.stringify(notices))
    // Each try is the stream and its immediate resend on a fresh connection (as Go's HTTP/2 transport does).
    assert.ok(proxy.http2Requests() >= 2 * (notices.length + 1) - 1, `${proxy.http2Requests()} streams for ${notices.length + 1} tries`)
    await kube.close()
  })

  test('pods/proxy answered by the API server with 503 (it cannot dial the pod): auto falls back to a port-forward', async () => {
    const {kube, proxy} = await client({kind: 'pods-proxy-unreachable'}, 5_000, 'auto')
    const answer = await kube.proxyGet(pod(), 4191, '/ready')
    assert.deepEqual([answer.status, answer.via], [200, 'port-forward'])
    assert.equal(proxy.seen.filter((s) => s.startsWith('UPGRADE')).length, 1)
    // The pod's next GET goes straight to the port-forward.
    await kube.proxyGet(pod(), 4191, '/live')
    assert.equal(proxy.seen.filter((s) => /\/pods\/.*\/proxy\//.test(s)).length, 1)
    await kube.close()
  })
})
