// A real Prometheus against the simulated cluster, scraping every meshed pod through the API
// server's pods proxy subresource with viz's labels; and Prometheus on a TSDB built with promtool.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {readFileSync} from 'node:fs'
import {after, before, describe, test} from 'node:test'

import {parse} from 'yaml'

import {prometheusSkip, proxyTargets, startPrometheus, vizProxyLabels, type RunningPrometheus} from '../helpers/prometheus.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {requireTool} from '../helpers/tools.js'
import {SCENARIO_DIR} from './scenario.js'
import {openH2} from './support/h2-client.js'

const skip = prometheusSkip()

describe('viz labels and targets, without Prometheus', () => {
  test('vizProxyLabels replays viz relabelling: <kind>, k8s_job, linkerd.io/x → x, other labels sanitised', () => {
    const deployment = vizProxyLabels({
      metadata: {
        labels: {app: 'web', 'app.kubernetes.io/name': 'web', 'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/proxy-deployment': 'web', 'linkerd.io/workload-ns': 'emojivoto', 'pod-template-hash': '5d4f'},
        name: 'web-5d4f-abcde',
        namespace: 'emojivoto',
      },
    })
    assert.deepEqual(deployment, {app: 'web', app_kubernetes_io_name: 'web', control_plane_ns: 'linkerd', deployment: 'web', namespace: 'emojivoto', pod: 'web-5d4f-abcde', pod_template_hash: '5d4f', workload_ns: 'emojivoto'})
    const job = vizProxyLabels({metadata: {labels: {'batch.kubernetes.io/job-name': 'backup-1', 'job-name': 'backup-1', 'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/proxy-job': 'backup-1'}, name: 'backup-1-xyz', namespace: 'ops'}})
    assert.deepEqual(job, {batch_kubernetes_io_job_name: 'backup-1', control_plane_ns: 'linkerd', job_name: 'backup-1', k8s_job: 'backup-1', namespace: 'ops', pod: 'backup-1-xyz'})
  })

  test('proxyTargets: one per meshed pod with an IP, scraped through the pods proxy subresource', async () => {
    const sim = await startSim({scenario: 'broken'})
    try {
      const groups = await proxyTargets({ca: sim.cluster.pki.ca.certPem, server: sim.cluster.server, token: sim.cluster.token})
      const expected = [...sim.cluster.model.pods.values()].filter((p) => p.meshed && p.ip)
      assert.equal(groups.length, expected.length)
      const pending = sim.cluster.podsOf('faults', 'pending')[0]
      assert.ok(pending && !groups.some((g) => g.labels.pod === pending.name), 'a pod without IP is not a target')
      const notReady = sim.cluster.podsOf('faults', 'not-ready')[0]
      assert.ok(notReady)
      const group = groups.find((g) => g.labels.pod === notReady.name)
      assert.deepEqual(group?.targets, [new URL(sim.cluster.server).host])
      assert.equal(group?.labels.__metrics_path__, `/api/v1/namespaces/faults/pods/${notReady.name}:4191/proxy/metrics`)
      assert.equal(group?.labels.instance, `${notReady.ip}:4191`)
      assert.equal(group?.labels.deployment, 'not-ready')
      assert.equal(group?.labels.namespace, 'faults')
    } finally {
      await sim.stop()
    }
  })
})

describe('a real Prometheus', {skip}, () => {
  // The healthy scenario with the viz extension installed, whose `prometheus` Service then leads
  // to the real Prometheus.
  let sim: Sim
  let prom: RunningPrometheus
  before(async () => {
    const healthy = parse(readFileSync(join(SCENARIO_DIR, 'healthy.yaml'), 'utf8')) as object
    sim = await startSim({scenario: {...healthy, extensions: {viz: {namespace: 'linkerd-viz'}}}})
    prom = await startPrometheus({cluster: sim.cluster, scrapeInterval: 1}).catch(async (err: unknown) => {
      await sim.stop()
      throw err
    })
  })
  after(async () => {
    await prom?.stop()
    await sim?.stop()
  })

  test('scrapes every meshed pod through the API server; rates match the declared traffic', async () => {
    const meshed = [...sim.cluster.model.pods.values()].filter((p) => p.meshed && p.ip)
    const health = await prom.targetHealth()
    assert.equal(health.length, meshed.length)
    assert.ok(health.every((t) => t.health === 'up'))
    assert.deepEqual(health.map((t) => t.labels.pod).sort(), meshed.map((p) => p.name).sort())
    // A full 10 s window of samples before rate() over it is exact.
    const deadline = Date.now() + 30_000
    while (((await prom.query('min(count_over_time(up[10s]))'))[0]?.value ?? 0) < 10) {
      assert.ok(Date.now() < deadline, 'ten scrapes within 30 s')
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    const web = sim.cluster.podsOf('emojivoto', 'web')
    const declared = web.length * (sim.cluster.scenario.namespaces[0]?.workloads.find((w) => w.name === 'web')?.traffic?.rps ?? 0)
    assert.equal(declared, 20)
    // viz has a `web` Deployment too: the namespace tells them apart, as in viz's own queries.
    const app = (await prom.query('sum(rate(response_total{direction="inbound",namespace="emojivoto",deployment="web",target_port!="4191"}[10s]))'))[0]?.value ?? 0
    assert.ok(Math.abs(app - declared) / declared < 0.05, `app traffic ${app} rps, declared ${declared}`)
    // Viz's own query also counts the admin port: Prometheus' scrapes (1/s here) and the
    // kubelet's two probes every 10 s, on each pod.
    const all = (await prom.query('sum(rate(response_total{direction="inbound",namespace="emojivoto",deployment="web"}[10s]))'))[0]?.value ?? 0
    const withAdmin = declared + web.length * (1 + 0.2)
    assert.ok(Math.abs(all - withAdmin) / withAdmin < 0.05, `all inbound ${all} rps, expected ${withAdmin}`)
    const byWorkload = await prom.query('sum by (namespace, deployment) (rate(request_total{direction="inbound",target_port!="4191"}[10s]))')
    assert.ok(byWorkload.some((s) => s.metric.namespace === 'emojivoto' && s.metric.deployment === 'emoji' && Math.abs(s.value - 20) < 1))
  })

  test("viz's prometheus Service, routed to the real one, answers PromQL through the API server", async () => {
    sim.cluster.routeService('linkerd-viz', 'prometheus', 9090, prom.url)
    const h2 = openH2(sim.cluster.server, sim.cluster.pki.ca.certPem, sim.cluster.token)
    try {
      const answer = await h2.get(`/api/v1/namespaces/linkerd-viz/services/prometheus:9090/proxy/api/v1/query?query=${encodeURIComponent('count(up{namespace="linkerd-viz"} == 1)')}`)
      assert.equal(answer.status, 200)
      const body = JSON.parse(answer.text) as {data: {result: Array<{value: [number, string]}>}; status: string}
      assert.equal(body.status, 'success')
      assert.equal(body.data.result[0]?.value[1], '5')
    } finally {
      await h2.close()
    }
  })
})

describe('Prometheus on a prebuilt TSDB', {skip}, () => {
  test('starts on a TSDB backfilled with promtool (what the next benches build)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshport-tsdb-'))
    try {
      // Two samples a minute apart, two days ago: older than a fresh head, inside a long retention.
      const t0 = Math.floor(Date.now() / 1000) - 2 * 86_400
      const text = ['# TYPE response_total counter', `response_total{deployment="web",namespace="emojivoto"} 100 ${t0}`, `response_total{deployment="web",namespace="emojivoto"} 700 ${t0 + 60}`, '# EOF', ''].join('\n')
      writeFileSync(join(dir, 'input.om'), text)
      const created = spawnSync(requireTool('promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'input.om'), join(dir, 'data')], {encoding: 'utf8'})
      assert.equal(created.status, 0, created.stderr)
      const prom = await startPrometheus({extraArgs: ['--storage.tsdb.retention.time=100y'], storagePath: join(dir, 'data'), targets: []})
      try {
        const at = async (seconds: number): Promise<number | undefined> => (await prom.query('response_total{namespace="emojivoto",deployment="web"}', new Date(seconds * 1000)))[0]?.value
        assert.deepEqual([await at(t0 + 30), await at(t0 + 60)], [100, 700])
        assert.equal(await at(t0 - 60), undefined)
      } finally {
        await prom.stop()
      }
    } finally {
      rmSync(dir, {force: true, recursive: true})
    }
  })
})
