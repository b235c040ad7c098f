#!/usr/bin/env node
// What one port-forwarded request costs on the simulated cluster, per transport, in the same run
// (so the machine's load affects all alike): kubectl's SPDY tunnelled in a WebSocket (its
// default), kubectl's plain SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false), and meshport's own
// v4.channel.k8s.io WebSocket (one upgrade per request, as `viz stat` and `check --proxy` use it).
// kubectl rows: its start to "Forwarding from", then a GET /metrics per new local connection (one
// SPDY stream pair each on kubectl's one connection).
//
//   node --import tsx bench/port-forward.mjs [--requests 50]
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {get} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {median, option} from './spawn-cli.mjs'

const requests = Number(option('requests', '50'))
const {startSim} = await import('../test/helpers/sim.ts')
const {createKubeClient} = await import('../src/kube/index.ts')

function httpGet(port, path) {
  return new Promise((resolve, reject) => {
    get({agent: false, host: '127.0.0.1', path, port}, (res) => {
      res.on('data', () => {})
      res.on('end', resolve)
    }).on('error', reject)
  })
}

async function timed(fn) {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

async function kubectlRow(sim, pod, cache, env) {
  const started = performance.now()
  const child = spawn('kubectl', ['--kubeconfig', sim.kubeconfigPath, 'port-forward', '-n', pod.namespace, `pod/${pod.name}`, ':4191'], {env: {...process.env, KUBECACHEDIR: cache, KUBECONFIG: '', ...env}})
  child.stderr.resume()
  const port = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (c) => {
      out += c
      const m = /127\.0\.0\.1:(\d+) ->/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.on('close', (code) => reject(new Error(`kubectl exited ${code}`)))
  })
  const setupMs = performance.now() - started
  const ms = []
  for (let i = 0; i < requests; i++) ms.push(await timed(() => httpGet(port, '/metrics')))
  child.kill('SIGTERM')
  return {ms, setupMs}
}

if (spawnSync('kubectl', ['version', '--client'], {stdio: 'ignore'}).status !== 0) {
  console.error('kubectl is not installed')
  process.exit(1)
}
const sim = await startSim({scenario: 'healthy'})
const cache = mkdtempSync(join(tmpdir(), 'meshport-bench-cache-'))
try {
  const pod = sim.cluster.podsOf('emojivoto', 'web')[0]
  // Fill kubectl's discovery cache first, so neither kubectl row pays for it (asynchronously: the
  // API server lives in this process).
  await new Promise((resolve) => spawn('kubectl', ['--kubeconfig', sim.kubeconfigPath, 'get', 'pod', '-n', pod.namespace, pod.name], {env: {...process.env, KUBECACHEDIR: cache, KUBECONFIG: ''}, stdio: 'ignore'}).on('close', resolve))
  const rows = []
  for (const [name, env] of [
    ['kubectl, SPDY in WebSocket', {KUBECTL_PORT_FORWARD_WEBSOCKETS: 'true'}],
    ['kubectl, plain SPDY', {KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false'}],
  ]) {
    const {ms, setupMs} = await kubectlRow(sim, pod, cache, env)
    rows.push({'GET /metrics, median ms': median(ms).toFixed(2), setup: `${setupMs.toFixed(0)} ms`, transport: name})
  }
  const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
  const ms = []
  for (let i = 0; i < requests; i++) ms.push(await timed(() => kube.proxyGet({name: pod.name, namespace: pod.namespace}, 4191, '/metrics')))
  await kube.close()
  rows.push({'GET /metrics, median ms': median(ms).toFixed(2), setup: 'none (a WebSocket per request)', transport: 'meshport, v4.channel.k8s.io'})
  console.log(`${requests} GETs of /metrics (${sim.cluster.metricsText(pod).length} bytes) each, one pod of the healthy scenario`)
  console.table(rows)
} finally {
  await sim.stop()
  rmSync(cache, {force: true, recursive: true})
}
