#!/usr/bin/env node
// Measures `meshport viz stat` on the simulated cluster: wall time of the CLI for 20 and 200
// meshed pods, and the time beyond the window (the cost of listing, port-forwards and parsing).
// Targets (issue 5): 200 pods within window + 1 s, and the overhead at most 2x from 20 to 200 pods.
//
//   node --import tsx bench/stat.mjs [--window 2s] [--runs 3] [--pods 20,200] [--bin path/to/run.js]
//                                    [--baseline path/to/other/run.js]
// Prints the load average too: on a shared 2-core machine other work inflates every figure.
// --baseline runs another build alternately with this one, run by run on the same simulator, so
// the two are compared under the same load (the machine's speed drifts within minutes).
// Needs a build (node scripts/build.mjs): it runs bin/run.js like a user does.
import {fileURLToPath} from 'node:url'

import {median, option, runCli as spawnCli} from './spawn-cli.mjs'

const windowText = option('window', '2s')
const windowSeconds = Number.parseFloat(windowText)
const runs = Number(option('runs', '3'))
const sizes = option('pods', '20,200').split(',').map(Number)
// --bin runs another copy (e.g. a snapshot of the build, to compare before/after in one session).
const bin = option('bin', fileURLToPath(new URL('../bin/run.js', import.meta.url)))
const baseline = option('baseline', '')

const {startSim} = await import('../test/helpers/sim.ts')
const {createKubeClient} = await import('../src/kube/index.ts')
const {runStat} = await import('../src/metrics/stat-run.ts')
const {parseTargets} = await import('../src/resources/targets.ts')

// The same measurement in this process: list + scrape + maths, without CLI start-up (oclif and
// loading @kubernetes/client-node), to tell the two costs apart.
async function inProcess(kubeconfig) {
  const kube = createKubeClient({context: undefined, kubeconfig, requestTimeoutMs: 10_000})
  const started = performance.now()
  const run = await runStat(kube, {
    concurrency: 16,
    controlPlaneNamespace: 'linkerd',
    includeAdmin: false,
    namespace: 'scale',
    scrapeTimeoutMs: 10_000,
    selection: parseTargets(['deploy']),
    windowMs: windowSeconds * 1000,
  })
  await kube.close()
  return {ms: performance.now() - started, scraped: run.report.podsScraped}
}

/** One timed `viz stat` of the scale scenario by the CLI at `path`, checked for a full scrape. */
async function timedStat(path, kubeconfig, pods) {
  const r = await spawnCli(path, ['viz', 'stat', 'deploy', '-n', 'scale', '-t', windowText, '-o', 'json', '--kubeconfig', kubeconfig])
  if (r.code !== 0) throw new Error(`viz stat failed (exit ${r.code}): ${r.stderr}`)
  const doc = JSON.parse(r.stdout)
  if (doc.pods.scraped !== pods) throw new Error(`scraped ${doc.pods.scraped} of ${pods} pods: ${r.stderr}`)
  return r.ms
}

const results = []
for (const pods of sizes) {
  // The simulator's `scale` scenario: N meshed pods in Deployments of 10 replicas, namespace `scale`.
  const sim = await startSim({pods, scenario: 'scale'})
  try {
    const walls = []
    const baseWalls = []
    for (let i = 0; i < runs; i++) {
      if (baseline) baseWalls.push(await timedStat(baseline, sim.kubeconfigPath, pods))
      walls.push(await timedStat(bin, sim.kubeconfigPath, pods))
    }
    const inner = []
    for (let i = 0; i < runs; i++) inner.push((await inProcess(sim.kubeconfigPath)).ms)
    const wall = median(walls)
    results.push({
      baseOverheadMs: baseline ? Math.round(median(baseWalls) - windowSeconds * 1000) : undefined,
      baseRuns: baseWalls.map(Math.round),
      collectOverheadMs: Math.round(median(inner) - windowSeconds * 1000),
      overheadMs: Math.round(wall - windowSeconds * 1000),
      pods,
      runs: walls.map(Math.round),
      wallMs: Math.round(wall),
    })
  } finally {
    await sim.stop()
  }
}

const {loadavg} = await import('node:os')
console.log(`viz stat, window ${windowText}, median of ${runs} runs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
console.log('pods   CLI wall ms   CLI beyond window ms   in-process beyond window ms   CLI runs')
for (const r of results) {
  console.log(`${String(r.pods).padStart(4)}   ${String(r.wallMs).padStart(11)}   ${String(r.overheadMs).padStart(20)}   ${String(r.collectOverheadMs).padStart(27)}   ${r.runs.join(' ')}`)
}
const small = results.find((r) => r.pods === Math.min(...sizes))
const large = results.find((r) => r.pods === Math.max(...sizes))
if (small && large && small !== large) {
  const growth = large.overheadMs / Math.max(1, small.overheadMs)
  console.log(`overhead growth ${small.pods} -> ${large.pods} pods: ${growth.toFixed(2)}x CLI, ${(large.collectOverheadMs / Math.max(1, small.collectOverheadMs)).toFixed(2)}x in-process (target <= 2x)`)
  console.log(`${large.pods} pods beyond the window: ${large.overheadMs} ms (target <= 1000 ms)`)
}
if (baseline) {
  console.log(`baseline ${baseline}, run alternately with this build on the same simulator:`)
  for (const r of results) console.log(`${String(r.pods).padStart(4)} pods: baseline ${r.baseOverheadMs} ms beyond the window (runs ${r.baseRuns.join(' ')}), this build ${r.overheadMs} ms (${(r.overheadMs / Math.max(1, r.baseOverheadMs)).toFixed(2)}x)`)
  const baseSmall = results.find((r) => r.pods === Math.min(...sizes))
  const baseLarge = results.find((r) => r.pods === Math.max(...sizes))
  if (baseSmall && baseLarge && baseSmall !== baseLarge) console.log(`baseline overhead growth ${baseSmall.pods} -> ${baseLarge.pods} pods: ${(baseLarge.baseOverheadMs / Math.max(1, baseSmall.baseOverheadMs)).toFixed(2)}x`)
}
