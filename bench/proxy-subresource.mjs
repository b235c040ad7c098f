#!/usr/bin/env node
// What one scrape of a proxy's /metrics costs through the simulated API server's
// pods/NAME:4191/proxy/metrics on one HTTP/2 session, against one port-forward (meshport's own
// WebSocket tunnel, what `viz stat` and `diagnose` use today). The simulator runs in its own
// process (`npm run sim`), as a cluster would; wall time per GET is paired (one of each, in
// turn, ratio per pair), CPU is read per block of GETs for both processes. Then all pods at once:
// every GET concurrent on one session, against port-forwards 16 at a time.
//
//   node --import tsx bench/proxy-subresource.mjs [--pods 500] [--pairs 200] [--concurrency 16]
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {parse} from 'yaml'

import {median, option} from './spawn-cli.mjs'

const pods = Number(option('pods', '500'))
const pairs = Number(option('pairs', '200'))
const concurrency = Number(option('concurrency', '16'))
const root = fileURLToPath(new URL('..', import.meta.url))

const {createKubeClient} = await import('../src/kube/index.ts')
const {openH2} = await import('../test/cluster/support/h2-client.ts')

const dir = mkdtempSync(join(tmpdir(), 'meshport-bench-proxy-'))
const kubeconfig = join(dir, 'kubeconfig')
const sim = spawn(process.execPath, ['--import', 'tsx', 'test/cluster/cli.ts', '--scenario', 'scale', '--pods', String(pods), '--kubeconfig', kubeconfig], {cwd: root, stdio: ['ignore', 'pipe', 'inherit']})
await new Promise((resolve, reject) => {
  sim.stdout.on('data', (c) => String(c).includes('ready') && resolve())
  sim.on('exit', (code) => reject(new Error(`sim exited ${code}`)))
})

/** CPU milliseconds (user + system) of the simulator process so far. */
function simCpuMs() {
  const fields = readFileSync(`/proc/${sim.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}
const ownCpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

try {
  const config = parse(readFileSync(kubeconfig, 'utf8'))
  const server = config.clusters[0].cluster.server
  const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString()
  const token = config.users.find((u) => u.user.token).user.token
  const h2 = openH2(server, ca, token)
  const kube = createKubeClient({context: undefined, kubeconfig, requestTimeoutMs: 10_000})
  const list = JSON.parse((await h2.get('/api/v1/namespaces/scale/pods')).text).items.map((p) => p.metadata.name)
  const viaProxy = async (name) => {
    const a = await h2.get(`/api/v1/namespaces/scale/pods/${name}:4191/proxy/metrics`)
    if (a.status !== 200) throw new Error(`pods/proxy ${name}: ${a.status} ${a.text}`)
    return a.body.length
  }
  const viaForward = async (name) => {
    const a = await kube.proxyGet({name, namespace: 'scale'}, 4191, '/metrics')
    if (a.status !== 200) throw new Error(`port-forward ${name}: ${a.status}`)
    return a.body.length
  }
  const time = async (fn) => {
    const t = performance.now()
    const bytes = await fn()
    return {bytes, ms: performance.now() - t}
  }
  // Warm both paths (TLS session, the tunnel's context, lazily created admin servers).
  for (const name of list.slice(0, 20)) await Promise.all([viaProxy(name), viaForward(name)])

  // 1. One GET at a time, paired.
  const proxyMs = []
  const forwardMs = []
  const ratios = []
  let bytes = 0
  for (let i = 0; i < pairs; i++) {
    const name = list[i % list.length]
    const first = i % 2 === 0
    const a = first ? await time(() => viaProxy(name)) : undefined
    const b = await time(() => viaForward(name))
    const c = a ?? (await time(() => viaProxy(name)))
    proxyMs.push(c.ms)
    forwardMs.push(b.ms)
    ratios.push(b.ms / c.ms)
    bytes = c.bytes
  }
  // 2. CPU per GET, in alternating blocks of 50 sequential GETs.
  const cpu = {forward: {own: 0, sim: 0, n: 0}, proxy: {own: 0, sim: 0, n: 0}}
  for (let block = 0; block < 4; block++) {
    for (const [mode, fn] of [['proxy', viaProxy], ['forward', viaForward]]) {
      const own = ownCpuMs()
      const simCpu = simCpuMs()
      for (let i = 0; i < 50; i++) await fn(list[(block * 50 + i) % list.length])
      cpu[mode].own += ownCpuMs() - own
      cpu[mode].sim += simCpuMs() - simCpu
      cpu[mode].n += 50
    }
  }
  // 3. Every pod once: all concurrent on one session, against port-forwards `concurrency` at a time.
  const all = async (fn, limit) => {
    const t = performance.now()
    let next = 0
    await Promise.all(Array.from({length: Math.min(limit, list.length)}, async () => {
      while (next < list.length) await fn(list[next++])
    }))
    return performance.now() - t
  }
  const sweeps = {forward: [], proxy: []}
  for (let i = 0; i < 3; i++) {
    sweeps.proxy.push(await all(viaProxy, list.length))
    sweeps.forward.push(await all(viaForward, concurrency))
  }
  await h2.close()

  const f = (n) => n.toFixed(2)
  console.log(`${list.length} meshed pods, /metrics ${(bytes / 1024).toFixed(0)} KiB each; ${pairs} paired GETs (median), CPU per GET over ${cpu.proxy.n} GETs`)
  console.log('path                                   wall/GET ms   bench CPU/GET ms   sim CPU/GET ms')
  console.log(`pods/proxy over one HTTP/2 session     ${f(median(proxyMs)).padStart(11)}   ${f(cpu.proxy.own / cpu.proxy.n).padStart(16)}   ${f(cpu.proxy.sim / cpu.proxy.n).padStart(14)}`)
  console.log(`port-forward (WebSocket tunnel)        ${f(median(forwardMs)).padStart(11)}   ${f(cpu.forward.own / cpu.forward.n).padStart(16)}   ${f(cpu.forward.sim / cpu.forward.n).padStart(14)}`)
  console.log(`port-forward / pods/proxy, per pair: median ${f(median(ratios))}x`)
  console.log(`all ${list.length} pods: pods/proxy all concurrent on one session ${Math.round(median(sweeps.proxy))} ms; port-forwards ${concurrency} at a time ${Math.round(median(sweeps.forward))} ms (median of 3)`)
} finally {
  sim.kill('SIGTERM')
  await new Promise((resolve) => sim.on('exit', resolve))
  rmSync(dir, {force: true, recursive: true})
}
