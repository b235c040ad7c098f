// `kubectl port-forward` against the simulated cluster, over both of kubectl's transports: SPDY
// tunnelled in a WebSocket (kubectl 1.31+'s default) and plain `Upgrade: SPDY/3.1`
// (KUBECTL_PORT_FORWARD_WEBSOCKETS=false); and meshport's own v4.channel.k8s.io port-forward
// beside them on the same server.
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {get} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {createKubeClient} from '../../src/kube/index.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {skipWithout} from '../helpers/tools.js'
import type {SimPod} from './build.js'

const version = spawnSync('kubectl', ['version', '--client', '-o', 'json'], {encoding: 'utf8'})
const minor = version.status === 0 ? Number((JSON.parse(version.stdout) as {clientVersion: {minor: string}}).clientVersion.minor.replace(/\D.*$/, '')) : undefined
const skip = skipWithout('kubectl', 'skipping kubectl port-forward')

interface Forward {
  child: ChildProcessWithoutNullStreams
  /** Resolves when kubectl exits, with its code and stderr. */
  exited: Promise<{code: number | null; stderr: string}>
  /** Local port per remote port, from kubectl's "Forwarding from 127.0.0.1:L -> R" lines. */
  local: Map<number, number>
}

/** Starts kubectl port-forward (asynchronously: the API server lives in this event loop). */
async function portForward(sim: Sim, cache: string, target: string, ports: number[], env: NodeJS.ProcessEnv): Promise<Forward> {
  const args = ['--kubeconfig', sim.kubeconfigPath, 'port-forward', '-n', 'emojivoto', target, ...ports.map((p) => `:${p}`)]
  const child = spawn('kubectl', args, {env: {...process.env, KUBECACHEDIR: cache, KUBECONFIG: '', ...env}})
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const exited = new Promise<{code: number | null; stderr: string}>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stderr})
    }),
  )
  const local = new Map<number, number>()
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
      for (const [, l, r] of stdout.matchAll(/^Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)$/gm)) local.set(Number(r), Number(l))
      if (ports.every((p) => local.has(p))) resolve()
    })
    void exited.then(({code}) => reject(new Error(`kubectl exited (${code}) before forwarding: ${stderr}`)))
  })
  return {child, exited, local}
}

async function stop(forward: Forward): Promise<void> {
  forward.child.kill('SIGTERM')
  await forward.exited
}

/** One GET on a fresh local connection, as a new client of the forward would make. */
function httpGet(port: number, path: string): Promise<{body: string; status: number}> {
  return new Promise((resolve, reject) => {
    const req = get({agent: false, host: '127.0.0.1', path, port, timeout: 15_000}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({body: Buffer.concat(chunks).toString(), status: res.statusCode ?? 0}))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
  })
}

describe('kubectl port-forward against the simulated cluster', {skip}, () => {
  let sim: Sim
  let cache: string
  let web: SimPod
  before(async () => {
    assert.ok(minor !== undefined, 'kubectl is required when CI=true')
    sim = await startSim({scenario: 'healthy'})
    cache = mkdtempSync(join(tmpdir(), 'meshport-kubectl-cache-'))
    web = sim.cluster.podsOf('emojivoto', 'web')[0] as SimPod
  })
  after(async () => {
    await sim.stop()
    rmSync(cache, {force: true, recursive: true})
  })

  const modes = [
    {env: {KUBECTL_PORT_FORWARD_WEBSOCKETS: 'true'}, name: 'SPDY over WebSocket', transport: 'websocket', since: 31},
    {env: {KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false'}, name: 'plain SPDY', transport: 'spdy', since: 0},
  ] as const

  for (const mode of modes) {
    const tooOld = minor !== undefined && minor < mode.since ? `kubectl 1.${minor} has no ${mode.name} port-forward` : false

    test(`${mode.name}: /metrics of the proxy and the app port, on one connection, many local connections`, {skip: tooOld}, async () => {
      const opened = {...sim.cluster.api.spdy.opened}
      const forward = await portForward(sim, cache, `pod/${web.name}`, [4191, 8080], mode.env)
      try {
        const admin = forward.local.get(4191) as number
        const metrics = await httpGet(admin, '/metrics')
        assert.equal(metrics.status, 200)
        assert.match(metrics.body, new RegExp(`^request_total\\{direction="inbound",target_addr="${web.ip?.replaceAll('.', '\\.')}:8080"`, 'm'))
        assert.ok(metrics.body.endsWith('# EOF\n'), 'the whole body')
        // Larger than SPDY's 64 KiB initial window: nothing may wait for a WINDOW_UPDATE kubectl never sends.
        assert.ok(metrics.body.length > 65_536, `${metrics.body.length} bytes`)
        // Ten local connections at once: ten stream pairs on kubectl's one connection.
        const ready = await Promise.all(Array.from({length: 10}, () => httpGet(admin, '/ready')))
        assert.deepEqual(new Set(ready.map((r) => `${r.status} ${r.body}`)), new Set(['200 ready\n']))
        assert.equal((await httpGet(forward.local.get(8080) as number, '/')).body, `hello from ${web.name}\n`)
        // The transport kubectl chose (it falls back to plain SPDY silently when a WebSocket is refused).
        assert.deepEqual(sim.cluster.api.spdy.opened, {...opened, [mode.transport]: opened[mode.transport] + 1})
      } finally {
        await stop(forward)
      }
    })

    test(`${mode.name}: a port nothing listens on is refused on the error stream; kubectl gives up`, {skip: tooOld}, async () => {
      const forward = await portForward(sim, cache, `pod/${web.name}`, [9999], mode.env)
      try {
        await assert.rejects(httpGet(forward.local.get(9999) as number, '/'), /socket hang up|ECONNRESET/)
        const {code, stderr} = await forward.exited
        assert.equal(code, 1)
        const uid = (web.object.metadata as {uid: string}).uid
        assert.match(stderr, new RegExp(`an error occurred forwarding \\d+ -> 9999: error forwarding port 9999 to pod ${uid}, uid : .*connect: connection refused`))
        assert.match(stderr, /error: lost connection to pod/)
      } finally {
        await stop(forward)
      }
    })
  }

  test('deploy/NAME picks a pod; meshport port-forwards (v4.channel.k8s.io) alongside on the same server', async () => {
    const forward = await portForward(sim, cache, 'deploy/web', [4191], {})
    const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
    try {
      const [viaKubectl, viaMeshport] = await Promise.all([httpGet(forward.local.get(4191) as number, '/ready'), kube.proxyGet({name: web.name, namespace: 'emojivoto'}, 4191, '/ready')])
      assert.deepEqual([viaKubectl.body, viaMeshport.body], ['ready\n', 'ready\n'])
    } finally {
      await kube.close()
      await stop(forward)
    }
  })
})
