// Starts the simulated Linkerd cluster in-process for end-to-end tests: the CLI (spawned with
// runCli) talks to it over real TLS and WebSockets through the kubeconfig this returns.
//
//   const sim = await startSim({scenario: 'healthy'})
//   try {
//     const r = await runCli(['check', '--kubeconfig', sim.kubeconfigPath])
//   } finally {
//     await sim.stop()
//   }
//
// `sim.cluster` holds the ground truth: scenario, pods (`podsOf('emojivoto', 'web')`), objects,
// `metricsText(pod)`, and `injectApiError({path, status})` for failure tests.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {dirname} from 'node:path'
import {after, before} from 'node:test'

import {buildCluster, type SimCluster} from '../cluster/build.js'
import {CERT_CONTEXT, SimulatedCluster, TOKEN_CONTEXT} from '../cluster/cluster.js'
import {PodServers} from '../cluster/proxy/admin-server.js'
import {loadScenario, scaleScenario, type Scenario} from '../cluster/scenario.js'
import {fakeKube, type FakeKube, type FakeKubeOptions, type PlainObject, type ProxyHandler} from './fake-kube.js'

export interface StartSimOptions {
  /** Bundled scenario name (`healthy`, `broken`, `scale`), a YAML path, or a scenario object. */
  scenario: 'healthy' | 'broken' | 'scale' | (string & {}) | object
  /** With scenario `scale`: how many meshed pods (default 500). */
  pods?: number
  kubeconfigPath?: string
  /** How often watches that allow bookmarks get one (default a minute). */
  bookmarkIntervalMs?: number
}

export interface Sim {
  /** The cert-auth context's name (`meshport-sim-cert`). */
  certContextName: string
  cluster: SimulatedCluster
  /** The token context's name (`meshport-sim`, also the current context). */
  contextName: string
  kubeconfigPath: string
  /** Writes a kubeconfig for the same server with a wrong token, for 401 tests; returns its path. */
  badTokenKubeconfig(): string
  stop(): Promise<void>
}

export async function startSim(options: StartSimOptions): Promise<Sim> {
  const scenario: string | object | Scenario = options.scenario === 'scale' ? scaleScenario(options.pods ?? 500) : options.scenario
  const cluster = await SimulatedCluster.start({scenario, ...(options.kubeconfigPath ? {kubeconfigPath: options.kubeconfigPath} : {}), ...(options.bookmarkIntervalMs ? {bookmarkIntervalMs: options.bookmarkIntervalMs} : {})})
  return {
    badTokenKubeconfig() {
      const path = join(dirname(cluster.kubeconfigPath), 'kubeconfig-bad-token')
      writeFileSync(path, cluster.kubeconfig({token: 'not-the-token'}), {mode: 0o600})
      return path
    },
    certContextName: CERT_CONTEXT,
    cluster,
    contextName: TOKEN_CONTEXT,
    kubeconfigPath: cluster.kubeconfigPath,
    stop: () => cluster.stop(),
  }
}

/**
 * A cluster for the tests of one describe block: started before them, stopped after. Read
 * `live.sim` and `live.kube` (the `--kubeconfig` arguments) inside the tests.
 */
export function simForSuite(options: StartSimOptions): {readonly sim: Sim; readonly kube: string[]} {
  let sim: Sim | undefined
  before(async () => {
    sim = await startSim(options)
  })
  after(async () => {
    await sim?.stop()
  })
  const started = (): Sim => {
    if (!sim) throw new Error('the simulated cluster is not started yet (use it inside a test)')
    return sim
  }
  return {
    get kube() {
      return ['--kubeconfig', started().kubeconfigPath]
    },
    get sim() {
      return started()
    },
  }
}

/** Runs `fn` on a cluster started for it, and stops the cluster after, also when `fn` throws. */
export async function withSim<T>(scenario: StartSimOptions['scenario'], fn: (sim: Sim) => Promise<T>): Promise<T> {
  const sim = await startSim({scenario})
  try {
    return await fn(sim)
  } finally {
    await sim.stop()
  }
}

/**
 * The same cluster without any socket: the scenario's objects in an in-memory KubeClient whose
 * proxyGet/withPortForward answer from the simulated proxies (same /metrics, /ready, faults).
 * For fast unit tests of collectors and rules; `failures`/`access` as in fakeKube.
 */
export function fakeKubeFromScenario(
  scenario: 'healthy' | 'broken' | (string & {}) | object,
  options: Pick<FakeKubeOptions, 'access' | 'failures'> = {},
): {cluster: SimCluster; kube: FakeKube; servers: PodServers} {
  const cluster = buildCluster(loadScenario(scenario))
  const servers = new PodServers(cluster.pods, Date.now, cluster.startedAt - 2 * 3_600_000)
  const proxies: Record<string, ProxyHandler> = {}
  for (const pod of cluster.pods.values()) {
    const ports = [pod.adminPort, ...pod.servedPorts]
    for (const port of ports) {
      const kind = servers.reachable(pod, port)
      if (!kind) continue
      proxies[`${pod.key}:${port}`] = (path) => {
        if (kind === 'app') return pod.appRoutes?.[path]?.() ?? `hello from ${pod.name}\n`
        const {answer, done} = servers.answer(pod, {path})
        done()
        return {body: answer.body.toString(), headers: answer.headers, status: answer.status}
      }
    }
  }
  const kube = fakeKube({...options, contextName: 'meshport-sim', objects: cluster.objects as unknown as PlainObject[], proxies, version: {gitVersion: cluster.scenario.kubernetesVersion, major: '1', minor: cluster.scenario.kubernetesVersion.split('.')[1] ?? '32'}})
  return {cluster, kube, servers}
}
