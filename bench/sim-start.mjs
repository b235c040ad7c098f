#!/usr/bin/env node
// Measures how long the simulated cluster takes to start with many meshed pods (the scale
// scenario, in this process), and that it then serves them. Target: 500 pods in under 1 s, so
// end-to-end tests can afford a large cluster. Timed here, not asserted in `npm test`: under the
// test runner's concurrency on a shared 2-core machine a wall-clock bound only measures the load.
//
//   node --import tsx bench/sim-start.mjs [--pods 500] [--runs 5]
// Prints each start, the best and the median, and the load average.
import {loadavg} from 'node:os'

import {median, option} from './spawn-cli.mjs'

const pods = Number(option('pods', '500'))
const runs = Number(option('runs', '5'))

const {startSim} = await import('../test/helpers/sim.ts')
const {createKubeClient} = await import('../src/kube/index.ts')

const starts = []
for (let i = 0; i < runs; i++) {
  const started = performance.now()
  const sim = await startSim({pods, scenario: 'scale'})
  starts.push(performance.now() - started)
  try {
    // It must also serve what it started: every pod listed, a proxy answering /ready.
    const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 10_000})
    const listed = (await kube.listPods({namespace: 'scale'})).length
    const pod = sim.cluster.podsOf('scale', 'app-0')[0]
    const ready = pod ? (await kube.proxyGet({name: pod.name, namespace: pod.namespace}, 4191, '/ready')).body : ''
    await kube.close()
    if (listed !== pods || ready !== 'ready\n') throw new Error(`started ${pods} pods but listed ${listed}, /ready said ${JSON.stringify(ready)}`)
  } finally {
    await sim.stop()
  }
}
const best = Math.min(...starts)
console.log(JSON.stringify({pods, runs: starts.map(Math.round), bestMs: Math.round(best), medianMs: Math.round(median(starts)), targetMs: 1000, met: best < 1000, loadavg: loadavg().map((l) => l.toFixed(2))}, null, 2))
