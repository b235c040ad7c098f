// The simulated cluster through the production client (client-node over TLS, port-forward over
// WebSocket): auth, discovery, rates, every fault, shutdown, and scale.
import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import {request} from 'node:https'
import {after, before, describe, test} from 'node:test'

import {ClusterError} from '../../src/errors.js'
import {PortForwardError} from '../../src/kube/errors.js'
import {createKubeClient} from '../../src/kube/index.js'
import type {KubeClient, ObjectRef} from '../../src/kube/types.js'
import {fakeKubeFromScenario, startSim, type Sim} from '../helpers/sim.js'
import {histogramQuantile} from './proxy/latency.js'
import {GARBAGE_METRICS} from './proxy/admin-server.js'
import {samples, sum} from './support/samples.js'

const client = (sim: Sim): KubeClient => createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
const ref = (sim: Sim, ns: string, workload: string, i = 0): ObjectRef => {
  const pod = sim.cluster.podsOf(ns, workload)[i]
  assert.ok(pod, `${ns}/${workload} has pod ${i}`)
  return {name: pod.name, namespace: ns}
}
const APP = {direction: 'inbound'}
const NOT_ADMIN = {target_port: '4191'}

function rawGet(sim: Sim, path: string, headers: Record<string, string> = {}): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, sim.cluster.server)
    const req = request(url, {ca: sim.cluster.pki.ca.certPem, headers}, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({body, status: res.statusCode ?? 0}))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('simulated cluster: API server', () => {
  let sim: Sim
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
  })
  after(() => sim.stop())

  test('401 with a Status body without credentials or with a wrong token', async () => {
    for (const headers of [{}, {authorization: 'Bearer wrong'}]) {
      const res = await rawGet(sim, '/api/v1/pods', headers)
      assert.equal(res.status, 401)
      assert.deepEqual(JSON.parse(res.body), {apiVersion: 'v1', code: 401, kind: 'Status', message: 'Unauthorized', metadata: {}, reason: 'Unauthorized', status: 'Failure'})
    }
    await assert.rejects(createKubeClient({context: undefined, kubeconfig: sim.badTokenKubeconfig(), requestTimeoutMs: 5000}).getVersion(), ClusterError)
  })

  test('discovery', async () => {
    const auth = {authorization: `Bearer ${sim.cluster.token}`}
    const api = JSON.parse((await rawGet(sim, '/api', auth)).body)
    assert.deepEqual(api.versions, ['v1'])
    const apis = JSON.parse((await rawGet(sim, '/apis', auth)).body)
    const names = apis.groups.map((g: {name: string}) => g.name)
    for (const g of ['apps', 'batch', 'apiextensions.k8s.io', 'admissionregistration.k8s.io', 'policy.linkerd.io', 'linkerd.io']) assert.ok(names.includes(g), g)
    const core = JSON.parse((await rawGet(sim, '/api/v1', auth)).body)
    assert.ok(core.resources.some((r: {name: string}) => r.name === 'pods/portforward'))
    const table = JSON.parse((await rawGet(sim, '/api/v1/namespaces/emojivoto/pods', {...auth, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'})).body)
    assert.equal(table.kind, 'Table')
    assert.deepEqual(table.columnDefinitions.slice(0, 5).map((c: {name: string}) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age'])
    assert.deepEqual(table.rows[0].cells.slice(1, 3), ['2/2', 'Running'])
    const missing = await rawGet(sim, '/apis/argoproj.io/v1alpha1/rollouts', auth)
    assert.equal(missing.status, 404)
    assert.equal(JSON.parse(missing.body).kind, 'Status')
  })

  test('list and get with namespace scoping and label selectors', async () => {
    const kube = client(sim)
    const all = await kube.listPods()
    assert.equal(all.length, sim.cluster.model.pods.size)
    assert.deepEqual((await kube.listPods({labelSelector: 'app in (emoji,voting)', namespace: 'emojivoto'})).map((p) => p.metadata?.labels?.app).sort(), ['emoji', 'voting'])
    assert.equal((await kube.listPods({labelSelector: 'app=web', namespace: 'booksapp'})).length, 0)
    const web = await kube.getDeployment('emojivoto', 'web')
    assert.equal(web?.status?.readyReplicas, 2)
    assert.equal(await kube.getDeployment('booksapp', 'web'), undefined)
  })

  test('pods look injected by Linkerd: native sidecar, named admin port, labels and annotations', async () => {
    const kube = client(sim)
    const [pod] = await kube.listPods({labelSelector: 'app=web', namespace: 'emojivoto'})
    const proxy = pod?.spec?.initContainers?.find((c) => c.name === 'linkerd-proxy')
    assert.equal(proxy?.restartPolicy, 'Always')
    assert.deepEqual(proxy?.ports?.map((p) => [p.name, p.containerPort]), [['linkerd-proxy', 4143], ['linkerd-admin', 4191]])
    assert.equal(pod?.metadata?.labels?.['linkerd.io/proxy-deployment'], 'web')
    assert.equal(pod?.metadata?.labels?.['linkerd.io/control-plane-ns'], 'linkerd')
    assert.match(pod?.metadata?.annotations?.['linkerd.io/proxy-version'] ?? '', /edge-26/)
    assert.equal(pod?.metadata?.ownerReferences?.[0]?.kind, 'ReplicaSet')
    assert.equal(pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True')
    const unmeshed = await kube.listPods({namespace: 'booksapp'})
    assert.equal(unmeshed[0]?.spec?.initContainers, undefined)
  })

  test('proxy /metrics counters grow at the declared rate (within 5%) and success ratio', async (t) => {
    const kube = client(sim)
    const pods = sim.cluster.podsOf('emojivoto', 'web').map((p) => ({name: p.name, namespace: p.namespace}))
    const scrape = async (): Promise<{at: number; list: ReturnType<typeof samples>}[]> =>
      Promise.all(
        pods.map(async (p) => {
          const at = Date.now()
          return {at, list: samples((await kube.proxyGet(p, 4191, '/metrics')).body)}
        }),
      )
    const a = await scrape()
    await new Promise((r) => setTimeout(r, 3000))
    const b = await scrape()
    let requests = 0
    let ok = 0
    let seconds = 0
    pods.forEach((_, i) => {
      const [sa, sb] = [a[i], b[i]] as [NonNullable<(typeof a)[0]>, NonNullable<(typeof b)[0]>]
      requests += sum(sb.list, 'response_total', APP, NOT_ADMIN) - sum(sa.list, 'response_total', APP, NOT_ADMIN)
      ok += sum(sb.list, 'response_total', {...APP, classification: 'success'}, NOT_ADMIN) - sum(sa.list, 'response_total', {...APP, classification: 'success'}, NOT_ADMIN)
      // The proxy's own clock between its two renders (port-forward setup time varies under load).
      const proxySeconds = sum(sb.list, 'process_uptime_seconds_total') - sum(sa.list, 'process_uptime_seconds_total')
      const wallSeconds = (sb.at - sa.at) / 1000
      assert.ok(Math.abs(proxySeconds - wallSeconds) < 1, `proxy clock ${proxySeconds} s vs wall clock ${wallSeconds} s`)
      seconds += proxySeconds / pods.length
    })
    const rps = requests / seconds / pods.length
    t.diagnostic(`declared 10 rps per replica, measured ${rps.toFixed(3)} over ${seconds.toFixed(2)} s`)
    assert.ok(Math.abs(rps - 10) / 10 < 0.05, `declared 10 rps per replica, measured ${rps.toFixed(2)}`)
    assert.ok(Math.abs(ok / requests - 0.95) < 0.05, `success ${(ok / requests).toFixed(3)}`)
    // Our own scrapes show up on the admin port, like with a real proxy.
    assert.ok(sum(b[0]?.list ?? [], 'request_total', {route_name: 'default', target_port: '4191'}) >= 2)
  })

  test('latency buckets give back the declared quantiles from two scrapes', async () => {
    const fast = await startSim({
      scenario: {linkerd: {}, namespaces: [{name: 'lat', workloads: [{containers: [{name: 'app', ports: [8080]}], name: 'app', traffic: {latencyMs: {p50: 20, p95: 80, p99: 150}, rps: 2000}}]}]},
    })
    try {
      const kube = client(fast)
      const pod = ref(fast, 'lat', 'app')
      const a = samples((await kube.proxyGet(pod, 4191, '/metrics')).body)
      await new Promise((r) => setTimeout(r, 1500))
      const b = samples((await kube.proxyGet(pod, 4191, '/metrics')).body)
      const les = ['1', '2', '3', '4', '5', '10', '20', '30', '40', '50', '100', '200', '300', '400', '500', '1000', '2000', '3000', '4000', '5000', '10000', '20000', '30000', '40000', '50000']
      const delta = (le: string): number => sum(b, 'response_latency_ms_bucket', {...APP, le}, NOT_ADMIN) - sum(a, 'response_latency_ms_bucket', {...APP, le}, NOT_ADMIN)
      const cumulative = les.map(delta)
      const total = delta('+Inf')
      for (const [q, want] of [[0.5, 20], [0.95, 80], [0.99, 150]] as const) {
        const got = histogramQuantile(q, cumulative, total)
        assert.ok(Math.abs(got - want) / want < 0.05, `p${q * 100}: declared ${want}, read ${got.toFixed(1)}`)
      }
    } finally {
      await fast.stop()
    }
  })
})

describe('simulated cluster: owner chains of every workload kind', () => {
  test('Deployment, StatefulSet, DaemonSet, Job, CronJob and bare Pod', async () => {
    const sim = await startSim({
      scenario: {
        linkerd: {},
        namespaces: [
          {
            name: 'kinds',
            workloads: [
              {kind: 'DaemonSet', name: 'agent'},
              {kind: 'Job', name: 'migrate', replicas: 2},
              {kind: 'CronJob', name: 'report'},
              {kind: 'Pod', name: 'debug', meshed: false},
            ],
          },
        ],
        nodes: 3,
      },
    })
    try {
      const kube = client(sim)
      const pods = await kube.listPods({namespace: 'kinds'})
      const owners = (prefix: string): string[] => pods.filter((p) => p.metadata?.name?.startsWith(prefix)).map((p) => `${p.metadata?.ownerReferences?.[0]?.kind ?? '-'}/${p.metadata?.ownerReferences?.[0]?.name ?? '-'}`)
      assert.deepEqual(owners('agent-'), ['DaemonSet/agent', 'DaemonSet/agent', 'DaemonSet/agent'], 'one pod per node')
      assert.deepEqual(owners('migrate-'), ['Job/migrate', 'Job/migrate'])
      const [cron] = await kube.listCronJobs({namespace: 'kinds'})
      const jobName = cron?.status?.active?.[0]?.name ?? ''
      assert.match(jobName, /^report-\d+$/)
      const job = await kube.getJob('kinds', jobName)
      assert.equal(job?.metadata?.ownerReferences?.[0]?.kind, 'CronJob')
      const reportPod = pods.find((p) => p.metadata?.name?.startsWith(`${jobName}-`))
      assert.equal(reportPod?.metadata?.labels?.['linkerd.io/proxy-job'], jobName)
      assert.equal(reportPod?.spec?.restartPolicy, 'Never')
      assert.equal(pods.find((p) => p.metadata?.name === 'debug')?.metadata?.ownerReferences, undefined)
      assert.equal((await kube.listJobs({namespace: 'kinds'})).length, 2)
    } finally {
      await sim.stop()
    }
  })
})

describe('simulated cluster: port configuration shapes the metrics', () => {
  test('opaque ports (default list or annotation) give TCP only; skipped inbound ports give nothing', async () => {
    const traffic = {clients: ['ports/client'], rps: 20}
    const {cluster, kube} = fakeKubeFromScenario({
      linkerd: {},
      namespaces: [
        // A namespace annotation replaces the default opaque list for its pods.
        {annotations: {'config.linkerd.io/opaque-ports': '9000'}, name: 'custom', workloads: [{containers: [{name: 'app', ports: [9000]}], name: 'custom', traffic}]},
        {
          name: 'ports',
          workloads: [
            {containers: [{name: 'pg', ports: [5432]}], name: 'db', traffic},
            {annotations: {'config.linkerd.io/skip-inbound-ports': '8080'}, containers: [{name: 'app', ports: [8080]}], name: 'skipper', traffic},
            {containers: [{name: 'app', ports: [8080]}], name: 'plain', traffic},
            {containers: [{name: 'load', ports: []}], name: 'client'},
          ],
        },
      ],
    })
    const scrape = async (workload: string): Promise<ReturnType<typeof samples>> => {
      const pod = [...cluster.pods.values()].find((p) => p.workload.name === workload)
      return samples((await kube.proxyGet({name: pod?.name ?? '', namespace: pod?.namespace ?? ''}, 4191, '/metrics')).body)
    }
    const inbound = (port: string): Record<string, string> => ({direction: 'inbound', target_port: port})
    const db = await scrape('db')
    assert.equal(sum(db, 'request_total', inbound('5432')), 0)
    assert.ok(sum(db, 'tcp_read_bytes_total', {...inbound('5432'), peer: 'src'}) > 0)
    assert.equal(sum(await scrape('custom'), 'request_total', inbound('9000')), 0, 'namespace opaque-ports annotation applies')
    const skipper = await scrape('skipper')
    assert.equal(sum(skipper, 'request_total', inbound('8080')) + sum(skipper, 'tcp_open_total', inbound('8080')), 0)
    assert.ok(sum(await scrape('plain'), 'request_total', inbound('8080')) > 0)
    const client = await scrape('client')
    assert.equal(sum(client, 'request_total', {direction: 'outbound', dst_deployment: 'db'}), 0)
    assert.ok(sum(client, 'request_total', {direction: 'outbound', dst_deployment: 'plain'}) > 0)
  })
})

describe('simulated cluster: faults', () => {
  let sim: Sim
  let kube: KubeClient
  before(async () => {
    sim = await startSim({scenario: 'broken'})
    kube = client(sim)
  })
  after(() => sim.stop())

  test('proxyNotReady: /ready answers 503, the pod is not Ready, no identity yet', async () => {
    const pod = ref(sim, 'faults', 'not-ready')
    const ready = await kube.proxyGet(pod, 4191, '/ready')
    assert.deepEqual([ready.status, ready.body], [503, 'not ready\n'])
    assert.equal((await kube.proxyGet(pod, 4191, '/live')).status, 200)
    const object = await kube.getPod(pod.namespace, pod.name)
    assert.equal(object?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False')
    assert.equal(object?.status?.initContainerStatuses?.find((c) => c.name === 'linkerd-proxy')?.ready, false)
    assert.match((await kube.proxyGet(pod, 4191, '/metrics')).body, /^control_identity_cert_expiration_timestamp_seconds 0\.0$/m)
  })

  test('adminUnreachable: the port-forward is refused on the error channel', async () => {
    await assert.rejects(kube.proxyGet(ref(sim, 'faults', 'admin-down'), 4191, '/ready'), (err: unknown) => err instanceof PortForwardError && /connect: connection refused/.test(err.message))
  })

  test('metricsGarbage: 200 with a body that is not Prometheus text', async () => {
    const res = await kube.proxyGet(ref(sim, 'faults', 'garbage'), 4191, '/metrics')
    assert.equal(res.status, 200)
    assert.equal(res.body, GARBAGE_METRICS)
    assert.throws(() => samples(res.body))
  })

  test('counterReset: the proxy restarts between scrapes; the reset value is the true increase', async () => {
    const pod = ref(sim, 'faults', 'resetting')
    const tA = Date.now()
    const a = samples((await kube.proxyGet(pod, 4191, '/metrics')).body)
    await new Promise((r) => setTimeout(r, 1500))
    const tB = Date.now()
    const b = samples((await kube.proxyGet(pod, 4191, '/metrics')).body)
    const start = (l: typeof a): number => sum(l, 'process_start_time_seconds')
    assert.ok(start(b) > start(a), 'new process_start_time_seconds')
    const va = sum(a, 'response_total', APP, NOT_ADMIN)
    const vb = sum(b, 'response_total', APP, NOT_ADMIN)
    assert.ok(vb < va, `counter went down (${va} -> ${vb})`)
    // The new process's uptime (its own clock) is the span the reset value covers.
    const uptime = sum(b, 'process_uptime_seconds_total')
    assert.ok(uptime > 0 && uptime <= (tB - tA) / 1000 + 0.5, `uptime ${uptime} within the scrape interval`)
    const rps = vb / uptime
    assert.ok(Math.abs(rps - 50) / 50 < 0.05, `rate from the reset value: ${rps.toFixed(1)}`)
  })

  test('podPending: Pending without a node; port-forward fails', async () => {
    const pod = ref(sim, 'faults', 'pending')
    const object = await kube.getPod(pod.namespace, pod.name)
    assert.equal(object?.status?.phase, 'Pending')
    assert.equal(object?.spec?.nodeName, undefined)
    assert.equal(object?.status?.conditions?.[0]?.reason, 'Unschedulable')
    await assert.rejects(kube.proxyGet(pod, 4191, '/ready'), PortForwardError)
    const events = await kube.listEvents({fieldSelector: `involvedObject.name=${pod.name}`, namespace: 'faults'})
    assert.equal(events[0]?.reason, 'FailedScheduling')
  })

  test('podCrashLooping: CrashLoopBackOff with restarts; the proxy still answers, the app port does not', async () => {
    const pod = ref(sim, 'faults', 'crashing')
    const object = await kube.getPod(pod.namespace, pod.name)
    const app = object?.status?.containerStatuses?.[0]
    assert.equal(app?.state?.waiting?.reason, 'CrashLoopBackOff')
    assert.ok((app?.restartCount ?? 0) > 0)
    assert.equal(app?.lastState?.terminated?.exitCode, 1)
    assert.equal((await kube.proxyGet(pod, 4191, '/ready')).status, 200)
    await assert.rejects(kube.proxyGet(pod, 8080, '/'), PortForwardError)
  })

  test('an expired issuer certificate and a control-plane component that is not ready', async () => {
    const secret = await kube.getSecret('linkerd', 'linkerd-identity-issuer')
    const cert = new X509Certificate(Buffer.from(String(secret?.data?.['tls.crt']), 'base64'))
    assert.ok(Date.parse(cert.validTo) < Date.now(), `expired: ${cert.validTo}`)
    const trust = await kube.getConfigMap('linkerd', 'linkerd-identity-trust-roots')
    assert.ok(cert.verify(new X509Certificate(String(trust?.data?.['ca-bundle.crt'])).publicKey), 'issuer is signed by the trust anchor')
    const injector = await kube.getDeployment('linkerd', 'linkerd-proxy-injector')
    assert.equal(injector?.status?.availableReplicas, 0)
    assert.equal((await kube.getDeployment('linkerd', 'linkerd-identity'))?.status?.availableReplicas, 1)
  })
})

describe('simulated cluster: lifecycle', () => {
  // Sockets and servers; stdio pipes and timers of the test runner itself do not count.
  const resources = (): string[] => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP') || r.startsWith('TLS') || r === 'HTTPINCOMINGMESSAGE')

  test('stop() leaves no open handles after API calls and port-forwards', async () => {
    // Let handles of earlier tests finish closing, then count.
    await new Promise((r) => setTimeout(r, 200))
    const baseline = resources().length
    const sim = await startSim({scenario: 'healthy'})
    const kube = client(sim)
    await kube.listPods()
    await kube.proxyGet(ref(sim, 'emojivoto', 'web'), 4191, '/metrics')
    await kube.close()
    await sim.stop()
    let now = resources()
    for (let i = 0; i < 50 && now.length > baseline; i++) {
      await new Promise((r) => setTimeout(r, 20))
      now = resources()
    }
    assert.ok(now.length <= baseline, `left open: ${now.join(', ')} (before: ${baseline})`)
  })

  test('starts with 500 meshed pods and serves them (start time: bench/sim-start.mjs)', async () => {
    const sim = await startSim({pods: 500, scenario: 'scale'})
    try {
      const kube = client(sim)
      assert.equal((await kube.listPods({namespace: 'scale'})).length, 500)
      assert.equal((await kube.proxyGet(ref(sim, 'scale', 'app-49', 9), 4191, '/ready')).body, 'ready\n')
    } finally {
      await sim.stop()
    }
  })
})
