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

import {CERT_CONTEXT, SimulatedCluster, TOKEN_CONTEXT} from '../cluster/cluster.js'
import {scaleScenario, type Scenario} from '../cluster/scenario.js'

export interface StartSimOptions {
  /** Bundled scenario name (`healthy`, `broken`, `scale`), a YAML path, or a scenario object. */
  scenario: 'healthy' | 'broken' | 'scale' | (string & {}) | object
  /** With scenario `scale`: how many meshed pods (default 500). */
  pods?: number
  kubeconfigPath?: string
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
  const cluster = await SimulatedCluster.start({scenario, ...(options.kubeconfigPath ? {kubeconfigPath: options.kubeconfigPath} : {})})
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
