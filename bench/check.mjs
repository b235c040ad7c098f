#!/usr/bin/env node
// Measures `meshport check --proxy` on the simulated cluster's scale scenario: wall time of the CLI
// (spawned like a user runs it) and the API calls it made, for several pod counts, to show that the
// number of list calls does not grow with the number of pods.
// Target (issue 4): 500 meshed pods in under 3 s; list calls independent of the pod count.
//
//   node --import tsx bench/check.mjs [--runs 3] [--pods 50,500] [--concurrency 16] [--bin path/to/run.js]
// Needs a build (node scripts/build.mjs): it runs bin/run.js.
import {fileURLToPath} from 'node:url'

import {median, option, runCli as spawnCli} from './spawn-cli.mjs'

const runs = Number(option('runs', '3'))
const sizes = option('pods', '50,500').split(',').map(Number)
const concurrency = option('concurrency', '16')
// --bin runs another copy (e.g. a snapshot of the build while others rebuild dist/).
const bin = option('bin', fileURLToPath(new URL('../bin/run.js', import.meta.url)))

const {startSim} = await import('../test/helpers/sim.ts')

const runCli = (argv) => spawnCli(bin, argv)
const results = []
for (const pods of sizes) {
  const sim = await startSim({scenario: 'scale', pods})
  try {
    const walls = []
    const cpus = []
    let last
    for (let i = 0; i < runs; i++) {
      last = await runCli(['check', '--proxy', '--offline', '-o', 'json', '--verbose', '--concurrency', concurrency, '--kubeconfig', sim.kubeconfigPath])
      if (last.code !== 0 && last.code !== 1) throw new Error(`check exited ${last.code}: ${last.stderr}`)
      walls.push(last.ms)
      cpus.push(Number(/process CPU (\d+)ms/.exec(last.stderr)?.[1] ?? Number.NaN))
    }
    if (!last.stdout.trim()) throw new Error(`check printed nothing (exit ${last.code}): ${last.stderr}`)
    const report = JSON.parse(last.stdout)
    const probed = report.categories.find((c) => c.id === 'data-plane')?.checks.find((c) => c.id === 'data-plane.admin-ready')
    results.push({
      pods,
      wallMs: Math.round(median(walls)),
      runMs: report.stats.durationMs,
      cpuMs: Math.round(median(cpus)),
      apiCalls: report.stats.apiCalls,
      listCalls: report.stats.listCalls,
      exit: last.code,
      adminReady: probed?.result ?? 'not run',
      problems: report.counts.error + report.counts.warning + report.counts.timeout,
    })
  } finally {
    await sim.stop()
  }
}

console.log('pods  wall(median ms)  in-run(ms)  CLI CPU(ms)  API calls  list calls  admin-ready  exit')
for (const r of results) {
  console.log(`${String(r.pods).padStart(4)}  ${String(r.wallMs).padStart(15)}  ${String(r.runMs).padStart(10)}  ${String(r.cpuMs).padStart(11)}  ${String(r.apiCalls).padStart(9)}  ${String(r.listCalls).padStart(10)}  ${r.adminReady.padStart(11)}  ${r.exit}`)
}
const largest = results.at(-1)
const lists = new Set(results.map((r) => r.listCalls))
console.log(`target: ${largest.pods} pods under 3000 ms: ${largest.wallMs < 3000 ? 'met' : 'MISSED'} (${largest.wallMs} ms)`)
console.log(`target: list calls independent of pod count: ${lists.size === 1 ? 'met' : 'MISSED'} (${[...lists].join(', ')})`)
