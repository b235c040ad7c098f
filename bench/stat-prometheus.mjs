// `bench/stat.mjs --prometheus`: `viz stat deploy -A` answered by a Prometheus holding N meshed
// pods' proxy series (default 5,000 pods of the simulator's `scale` scenario, 500 Deployments).
// Scraping that many simulated pods live would only measure this machine, so the TSDB is
// backfilled: the inbound series a proxy exports (response_total by status and classification,
// the 26-bucket response_latency_ms histogram, tcp_open_connections, tcp_*_bytes_total, and the
// admin port's own requests), with the labels viz's relabelling gives each pod, every 10 s (viz's
// scrape interval) from 70 s before the run to 130 s after, written as OpenMetrics and turned into
// blocks by `promtool tsdb create-blocks-from openmetrics`; then Prometheus starts on them.
import {spawnSync} from 'node:child_process'
import {createWriteStream, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import {median, runCli as spawnCli} from './spawn-cli.mjs'

const LE = ['1', '2', '3', '4', '5', '10', '20', '30', '40', '50', '100', '200', '300', '400', '500', '1000', '2000', '3000', '4000', '5000', '10000', '20000', '30000', '40000', '50000', '+Inf']
/** Share of responses at or under each bound: p50 ≈ 25 ms, p95 ≈ 180 ms, p99 ≈ 450 ms. */
const CUMULATIVE = [0, 0, 0, 0, 0.02, 0.1, 0.3, 0.6, 0.75, 0.8, 0.9, 0.955, 0.97, 0.985, 0.992, 0.998, 0.999, 1, 1, 1, 1, 1, 1, 1, 1, 1]
const RPS = 10
const SUCCESS = 0.95
const STEP = 10

/** CPU ms (user + system) of a process, and of its waited-for children (`/proc/PID/stat`). */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  const tick = 1000 / 100
  return {children: (Number(f[13]) + Number(f[14])) * tick, own: (Number(f[11]) + Number(f[12])) * tick}
}

const labelText = (labels) => Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')

/** Writes the OpenMetrics text of every meshed pod's series; resolves with the sample count. */
export async function writeSeries(path, pods, vizProxyLabels, from, to) {
  const out = createWriteStream(path)
  let buffer = ''
  let samples = 0
  const flush = async (force = false) => {
    if (buffer.length < (force ? 1 : 4 << 20)) return
    if (!out.write(buffer)) await new Promise((resolve) => out.once('drain', resolve))
    buffer = ''
  }
  const times = []
  for (let t = from; t <= to; t += STEP) times.push(t)
  const started = from - 7200 // each proxy started two hours before
  const series = (name, labels, value) => {
    const text = labelText(labels)
    for (const t of times) buffer += `${name}{${text}} ${value(t - started)} ${t}\n`
    samples += times.length
  }
  const family = async (type, name, each) => {
    buffer += `# TYPE ${name} ${type}\n`
    for (const pod of pods) {
      each(pod)
      await flush()
    }
  }
  const own = (pod) => ({...vizProxyLabels({metadata: pod.object.metadata}), instance: `${pod.ip}:4191`, job: 'linkerd-proxy'})
  const app = (pod) => ({
    ...own(pod),
    direction: 'inbound',
    target_addr: `${pod.ip}:8080`,
    target_ip: pod.ip,
    target_port: '8080',
    tls: 'true',
    client_id: `default.${pod.namespace}.serviceaccount.identity.linkerd.cluster.local`,
    srv_kind: 'default',
    srv_name: 'all-unauthenticated',
  })
  const admin = (pod) => ({...own(pod), direction: 'inbound', target_addr: '0.0.0.0:4191', target_ip: '0.0.0.0', target_port: '4191', tls: 'no_identity', no_tls_reason: 'no_tls_from_remote'})
  await family('counter', 'response', (pod) => {
    series('response_total', {...app(pod), status_code: '200', classification: 'success'}, (s) => Math.floor(s * RPS * SUCCESS))
    series('response_total', {...app(pod), status_code: '500', classification: 'failure'}, (s) => Math.floor(s * RPS * (1 - SUCCESS)))
    series('response_total', {...admin(pod), status_code: '200', classification: 'success'}, (s) => Math.floor(s / STEP))
  })
  await family('histogram', 'response_latency_ms', (pod) => {
    const labels = {...app(pod), status_code: '200'}
    LE.forEach((le, i) => series('response_latency_ms_bucket', {...labels, le}, (s) => Math.floor(s * RPS * CUMULATIVE[i])))
    series('response_latency_ms_count', labels, (s) => Math.floor(s * RPS))
    series('response_latency_ms_sum', labels, (s) => Math.floor(s * RPS * 40))
  })
  await family('gauge', 'tcp_open_connections', (pod) => series('tcp_open_connections', {...app(pod), peer: 'src'}, () => 3))
  await family('counter', 'tcp_read_bytes', (pod) => series('tcp_read_bytes_total', {...app(pod), peer: 'src'}, (s) => Math.floor(s * RPS * 220)))
  await family('counter', 'tcp_write_bytes', (pod) => series('tcp_write_bytes_total', {...app(pod), peer: 'src'}, (s) => Math.floor(s * RPS * 1400)))
  buffer += '# EOF\n'
  await flush(true)
  await new Promise((resolve) => out.end(resolve))
  return samples
}

export async function benchPrometheus({bin, pods, runs, windowText}) {
  const {startSim} = await import('../test/helpers/sim.ts')
  const {startPrometheus, vizProxyLabels} = await import('../test/helpers/prometheus.ts')
  const {requireTool} = await import('../test/helpers/tools.ts')
  const {createKubeClient, openPrometheus} = await import('../src/kube/index.ts')
  const {PrometheusSource} = await import('../src/metrics/prometheus-source.ts')
  const {runStat} = await import('../src/metrics/stat-run.ts')
  const {parseTargets} = await import('../src/resources/targets.ts')

  const dir = mkdtempSync(join(tmpdir(), 'meshport-bench-prom-'))
  const sim = await startSim({pods, scenario: 'scale'})
  let prom
  try {
    const meshed = [...sim.cluster.model.pods.values()].filter((p) => p.meshed && p.ip)
    const now = Math.floor(Date.now() / 1000)
    let started = performance.now()
    const file = join(dir, 'series.om')
    const samples = await writeSeries(file, meshed, vizProxyLabels, now - 70, now + 130)
    const writeMs = performance.now() - started
    started = performance.now()
    const promtool = spawnSync(requireTool('promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', file, join(dir, 'data')], {encoding: 'utf8', maxBuffer: 64 << 20})
    if (promtool.status !== 0) throw new Error(`promtool failed: ${promtool.stderr || promtool.stdout}`)
    const promtoolMs = performance.now() - started
    const size = statSync(file).size
    rmSync(file)
    prom = await startPrometheus({extraArgs: ['--storage.tsdb.retention.time=100y'], storagePath: join(dir, 'data'), targets: []})
    const series = (await prom.query('count({__name__=~".+"})'))[0]?.value

    const args = ['viz', 'stat', 'deploy', '-A', '-t', windowText, '--prometheus', prom.url, '-o', 'json', '--kubeconfig', sim.kubeconfigPath]
    const walls = []
    const cpu = {api: [], cli: [], prometheus: []}
    let rows = 0
    for (let i = 0; i < runs; i++) {
      // CPU of the three processes during the run: the CLI (a waited-for child of this one), the
      // simulated API server (this process), Prometheus: a load-independent view on a shared machine.
      const before = {prom: cpuMs(prom.pid).own, self: cpuMs(process.pid)}
      const r = await spawnCli(bin, args)
      const after = {prom: cpuMs(prom.pid).own, self: cpuMs(process.pid)}
      cpu.cli.push(after.self.children - before.self.children)
      cpu.api.push(after.self.own - before.self.own)
      cpu.prometheus.push(after.prom - before.prom)
      if (r.code !== 0) throw new Error(`viz stat failed (exit ${r.code}): ${r.stderr}`)
      const doc = JSON.parse(r.stdout)
      const scale = doc.rows.filter((row) => row.namespace === 'scale')
      if (scale.length !== pods / 10 || !scale.every((row) => Math.abs(row.rps - RPS * 10) < 1)) throw new Error(`unexpected rows: ${scale.length}, e.g. ${JSON.stringify(scale[0])}`)
      rows = doc.rows.length
      walls.push(r.ms)
    }
    // In this process: the same run without CLI start-up, and the pod listing alone.
    const inner = []
    const listing = []
    for (let i = 0; i < runs; i++) {
      const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 10_000})
      let t = performance.now()
      await kube.listPods()
      listing.push(performance.now() - t)
      const source = new PrometheusSource(openPrometheus({headers: {}, kind: 'url', url: prom.url}, {timeoutMs: 10_000}))
      t = performance.now()
      await runStat(kube, {controlPlaneNamespace: 'linkerd', includeAdmin: false, namespace: undefined, selection: parseTargets(['deploy']), windowMs: 60_000}, source)
      inner.push(performance.now() - t)
      await source.close()
      await kube.close()
    }
    console.log(`viz stat deploy -A -t ${windowText} --prometheus, ${pods} meshed pods, ${series} series (${samples} samples, ${(size / 1e6).toFixed(0)} MB of OpenMetrics written in ${(writeMs / 1000).toFixed(1)} s, blocks by promtool in ${(promtoolMs / 1000).toFixed(1)} s), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
    console.log(`CLI wall: median ${Math.round(median(walls))} ms (runs ${walls.map(Math.round).join(' ')}; ${rows} rows; target < 1000 ms)`)
    console.log(`CPU per run, median: CLI ${Math.round(median(cpu.cli))} ms, simulated API server ${Math.round(median(cpu.api))} ms, Prometheus ${Math.round(median(cpu.prometheus))} ms`)
    console.log(`in-process runStat (listing + queries): median ${Math.round(median(inner))} ms (runs ${inner.map(Math.round).join(' ')}); listing ${pods} pods alone: median ${Math.round(median(listing))} ms`)
  } finally {
    await prom?.stop()
    await sim.stop()
    rmSync(dir, {force: true, recursive: true})
  }
}
