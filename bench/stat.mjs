#!/usr/bin/env node
// Measures `meshport viz stat` on the simulated cluster.
//
// Direct source (default): wall time of the CLI for small and large numbers of meshed pods, the
// time beyond the window (listing, scrapes, parsing), and the cost of each extra pod, per path to
// the proxies (--scrape-via). Several paths are run alternately, run by run on the same simulator,
// so they are compared under the same load (the machine's speed drifts within minutes).
// Target (issue 17): 500 pods within window + 1.0 s.
//
//   node --import tsx bench/stat.mjs [--via proxy,port-forward] [--window 2s] [--runs 3] [--pods 20,500]
//                                    [--bin path/to/run.js] [--baseline path/to/other/run.js]
//
// Prometheus source (--prometheus): 5,000 meshed pods' proxy series backfilled into a local
// Prometheus (stat-prometheus.mjs), then `viz stat deploy -A --prometheus URL` timed.
// Target: under 1 s.
//
//   node --import tsx bench/stat.mjs --prometheus [--pods 5000] [--runs 5] [--window 1m]
//
// Prints the load average too: on a shared 2-core machine other work inflates every figure.
// Needs a build (node scripts/build.mjs): it runs bin/run.js like a user does.
import {fileURLToPath} from 'node:url'

import {median, option, runCli as spawnCli} from './spawn-cli.mjs'

const prometheusMode = process.argv.includes('--prometheus')
const windowText = option('window', prometheusMode ? '1m' : '2s')
const runs = Number(option('runs', prometheusMode ? '5' : '3'))
const sizes = option('pods', prometheusMode ? '5000' : '20,500').split(',').map(Number)
const vias = option('via', 'auto').split(',')
// --bin runs another copy (e.g. a snapshot of the build, to compare before/after in one session).
const bin = option('bin', fileURLToPath(new URL('../bin/run.js', import.meta.url)))
const baseline = option('baseline', '')
const {loadavg} = await import('node:os')
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ')

if (prometheusMode) {
  const {benchPrometheus} = await import('./stat-prometheus.mjs')
  await benchPrometheus({bin, pods: sizes[0], runs, windowText})
  process.exit(0)
}

const windowSeconds = Number.parseFloat(windowText)
const {startSim} = await import('../test/helpers/sim.ts')
const {createKubeClient} = await import('../src/kube/index.ts')
const {DirectSource} = await import('../src/metrics/direct-source.ts')
const {runStat} = await import('../src/metrics/stat-run.ts')
const {parseTargets} = await import('../src/resources/targets.ts')

// The same measurement in this process: list + scrape + maths, without CLI start-up (oclif and
// loading @kubernetes/client-node), to tell the two costs apart.
async function inProcess(kubeconfig, scrapeVia) {
  const kube = createKubeClient({context: undefined, kubeconfig, requestTimeoutMs: 10_000, scrapeVia})
  const started = performance.now()
  const request = {controlPlaneNamespace: 'linkerd', includeAdmin: false, namespace: 'scale', selection: parseTargets(['deploy']), windowMs: windowSeconds * 1000}
  const run = await runStat(kube, request, new DirectSource(kube, {concurrency: 16, scrapeVia, timeoutMs: 10_000}))
  await kube.close()
  return {ms: performance.now() - started, scraped: run.report.podsScraped, via: run.source?.scrapes}
}

/** One timed `viz stat` of the scale scenario by the CLI at `path`, checked for a full scrape by the path asked for. */
async function timedStat(path, kubeconfig, pods, via) {
  const r = await spawnCli(path, ['viz', 'stat', 'deploy', '-n', 'scale', '-t', windowText, '-o', 'json', '--kubeconfig', kubeconfig, ...(path === baseline ? [] : ['--scrape-via', via])])
  if (r.code !== 0) throw new Error(`viz stat failed (exit ${r.code}): ${r.stderr}`)
  const doc = JSON.parse(r.stdout)
  if (doc.pods.scraped !== pods) throw new Error(`scraped ${doc.pods.scraped} of ${pods} pods: ${r.stderr}`)
  const scrapes = doc.source?.scrapes
  if (path !== baseline && via !== 'auto' && scrapes && scrapes[via === 'proxy' ? 'portForward' : 'proxy'] !== 0) throw new Error(`--scrape-via ${via} took the other path: ${JSON.stringify(scrapes)}`)
  return r.ms
}

const results = []
for (const pods of sizes) {
  // The simulator's `scale` scenario: N meshed pods in Deployments of 10 replicas, namespace `scale`.
  const sim = await startSim({pods, scenario: 'scale'})
  try {
    const walls = new Map(vias.map((v) => [v, []]))
    const baseWalls = []
    for (let i = 0; i < runs; i++) {
      if (baseline) baseWalls.push(await timedStat(baseline, sim.kubeconfigPath, pods, 'port-forward'))
      for (const via of vias) walls.get(via).push(await timedStat(bin, sim.kubeconfigPath, pods, via))
    }
    for (const via of vias) {
      const inner = []
      for (let i = 0; i < runs; i++) inner.push((await inProcess(sim.kubeconfigPath, via)).ms)
      const wall = median(walls.get(via))
      results.push({
        baseOverheadMs: baseline ? Math.round(median(baseWalls) - windowSeconds * 1000) : undefined,
        baseRuns: baseWalls.map(Math.round),
        collectOverheadMs: Math.round(median(inner) - windowSeconds * 1000),
        overheadMs: Math.round(wall - windowSeconds * 1000),
        pods,
        runs: walls.get(via).map(Math.round),
        via,
        wallMs: Math.round(wall),
      })
    }
  } finally {
    await sim.stop()
  }
}

console.log(`viz stat, window ${windowText}, median of ${runs} runs, load average ${load()}`)
console.log('via            pods   CLI wall ms   CLI beyond window ms   in-process beyond window ms   CLI runs')
for (const r of results) {
  console.log(`${r.via.padEnd(13)}  ${String(r.pods).padStart(4)}   ${String(r.wallMs).padStart(11)}   ${String(r.overheadMs).padStart(20)}   ${String(r.collectOverheadMs).padStart(27)}   ${r.runs.join(' ')}`)
}
const smallest = Math.min(...sizes)
const largest = Math.max(...sizes)
for (const via of vias) {
  const small = results.find((r) => r.via === via && r.pods === smallest)
  const large = results.find((r) => r.via === via && r.pods === largest)
  if (!small || !large || small === large) continue
  const perPod = (large.overheadMs - small.overheadMs) / (large.pods - small.pods)
  const perPodInner = (large.collectOverheadMs - small.collectOverheadMs) / (large.pods - small.pods)
  console.log(`${via}: ${large.pods} pods beyond the window ${large.overheadMs} ms (target <= 1000 ms); each extra pod ${perPod.toFixed(2)} ms CLI, ${perPodInner.toFixed(2)} ms in-process`)
}
if (vias.length > 1) {
  for (const pods of sizes) {
    const [a, b] = vias.map((v) => results.find((r) => r.via === v && r.pods === pods))
    if (a && b) console.log(`${pods} pods beyond the window: ${b.via} / ${a.via} = ${(b.overheadMs / Math.max(1, a.overheadMs)).toFixed(2)}x`)
  }
}
if (baseline) {
  console.log(`baseline ${baseline}, run alternately with this build on the same simulator:`)
  for (const r of results) console.log(`${String(r.pods).padStart(4)} pods: baseline ${r.baseOverheadMs} ms beyond the window (runs ${r.baseRuns.join(' ')}), this build (${r.via}) ${r.overheadMs} ms (${(r.overheadMs / Math.max(1, r.baseOverheadMs)).toFixed(2)}x)`)
}
