#!/usr/bin/env node
// Measures `meshport viz edges deploy -A` on the simulated cluster: wall time of the CLI with N
// meshed pods in Deployments of 10 replicas, each Deployment a client of the next (so every pod
// has outbound and inbound connection series), one scrape per pod, by the path --via names
// (--scrape-via: pods/proxy on one HTTP/2 session, a port-forward per pod, or auto). Target
// (issue 20): 200 pods under 1.5 s on the shared 2-core development machine.
//
//   node --import tsx bench/edges.mjs [--pods 200] [--runs 5] [--via auto] [--bin path/to/run.js]
// Prints the load average too: on a shared 2-core machine other work inflates every figure.
// Needs a build (node scripts/build.mjs): it runs bin/run.js like a user does.
import {loadavg} from 'node:os'
import {fileURLToPath} from 'node:url'

import {median, option, runCli as spawnCli} from './spawn-cli.mjs'

const pods = Number(option('pods', '200'))
const runs = Number(option('runs', '5'))
const bin = option('bin', fileURLToPath(new URL('../bin/run.js', import.meta.url)))
const via = option('via', 'auto')

const {startSim} = await import('../test/helpers/sim.ts')
const {normalizeScenario} = await import('../test/cluster/scenario.ts')
const {createKubeClient} = await import('../src/kube/index.ts')
const {runEdges} = await import('../src/metrics/edges-run.ts')
const {DirectSource} = await import('../src/metrics/direct-source.ts')

function chainScenario(total) {
  const workloads = []
  for (let i = 0, left = total; left > 0; i++) {
    const replicas = Math.min(10, left)
    left -= replicas
    workloads.push({containers: [{name: 'app', ports: [8080]}], kind: 'Deployment', name: `app-${i}`, replicas})
  }
  workloads.forEach((w, i) => (w.traffic = {clients: [workloads[(i + 1) % workloads.length].name], rps: 5, tcpConnections: 2}))
  return normalizeScenario({linkerd: {namespace: 'linkerd'}, name: 'edges-bench', namespaces: [{annotations: {'linkerd.io/inject': 'enabled'}, name: 'scale', workloads}], nodes: 10}, 'edges-bench')
}

// The same run in this process: list + scrape + edges, without CLI start-up.
async function inProcess(kubeconfig) {
  const kube = createKubeClient({context: undefined, kubeconfig, requestTimeoutMs: 10_000, scrapeVia: via})
  const started = performance.now()
  const source = new DirectSource(kube, {concurrency: 16, scrapeVia: via, timeoutMs: 10_000})
  const run = await runEdges(kube, {controlPlaneNamespace: 'linkerd', namespace: undefined, type: {custom: false, kind: 'deployment'}}, source)
  await kube.close()
  return {edges: run.edges.length, ms: performance.now() - started}
}

const sim = await startSim({scenario: chainScenario(pods)})
try {
  const walls = []
  let edges = 0
  let scraped = 0
  for (let i = 0; i < runs; i++) {
    const r = await spawnCli(bin, ['viz', 'edges', 'deploy', '-A', '-o', 'json', '--scrape-via', via, '--kubeconfig', sim.kubeconfigPath])
    if (r.code !== 0) throw new Error(`viz edges failed (exit ${r.code}): ${r.stderr}`)
    const doc = JSON.parse(r.stdout)
    if (doc.pods.scraped < pods) throw new Error(`scraped ${doc.pods.scraped} pods, fewer than ${pods}: ${r.stderr}`)
    edges = doc.edges.length
    scraped = doc.pods.scraped
    walls.push(r.ms)
  }
  const inner = []
  for (let i = 0; i < runs; i++) inner.push((await inProcess(sim.kubeconfigPath)).ms)
  console.log(
    JSON.stringify(
      {
        cliMs: {median: Math.round(median(walls)), runs: walls.map(Math.round)},
        edges,
        inProcessMs: {median: Math.round(median(inner)), runs: inner.map(Math.round)},
        loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
        pods,
        scraped,
        via,
      },
      null,
      2,
    ),
  )
} finally {
  await sim.stop()
}
