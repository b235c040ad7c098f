// `npm run sim -- --scenario healthy|broken|scale|FILE [--pods N] [--kubeconfig OUT]`: runs the
// simulated cluster in the foreground, writes the kubeconfig, prints `ready` on stdout once it
// serves (details go to stderr), and stops cleanly on SIGINT/SIGTERM.
import {resolve} from 'node:path'
import {parseArgs} from 'node:util'

import {SimulatedCluster, CERT_CONTEXT, TOKEN_CONTEXT} from './cluster.js'
import {loadScenario, scaleScenario, ScenarioError} from './scenario.js'

const USAGE = 'usage: npm run sim -- --scenario healthy|broken|scale|FILE [--pods N] [--kubeconfig OUT]\n'

async function main(): Promise<void> {
  let values
  try {
    ;({values} = parseArgs({
      options: {
        help: {short: 'h', type: 'boolean'},
        kubeconfig: {type: 'string'},
        pods: {type: 'string'},
        scenario: {default: 'healthy', type: 'string'},
      },
      strict: true,
    }))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`)
    process.exitCode = 2
    return
  }
  if (values.help) {
    process.stderr.write(USAGE)
    return
  }
  const pods = values.pods === undefined ? undefined : Number(values.pods)
  if (pods !== undefined && (!Number.isInteger(pods) || pods < 0)) {
    process.stderr.write(`--pods must be a whole number, got ${values.pods}\n`)
    process.exitCode = 2
    return
  }
  const started = performance.now()
  let cluster: SimulatedCluster
  try {
    const scenario = values.scenario === 'scale' ? scaleScenario(pods ?? 500) : loadScenario(values.scenario)
    cluster = await SimulatedCluster.start({scenario, ...(values.kubeconfig ? {kubeconfigPath: resolve(values.kubeconfig)} : {})})
  } catch (err) {
    process.stderr.write(`sim: ${err instanceof ScenarioError ? err.message : String(err)}\n`)
    process.exitCode = 1
    return
  }
  const ms = Math.round(performance.now() - started)
  process.stderr.write(
    `sim: scenario ${cluster.scenario.name}: ${cluster.model.pods.size} pods, API server ${cluster.server} (started in ${ms} ms)\n` +
      `sim: kubeconfig ${cluster.kubeconfigPath} (contexts ${TOKEN_CONTEXT} [token], ${CERT_CONTEXT} [client certificate])\n` +
      `sim: try  kubectl --kubeconfig ${cluster.kubeconfigPath} get pods -A\n`,
  )
  process.stdout.write('ready\n')

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    process.stderr.write(`sim: ${signal}, stopping\n`)
    cluster.stop().then(
      () => process.stderr.write('sim: stopped\n'),
      (err: unknown) => {
        process.stderr.write(`sim: stop failed: ${String(err)}\n`)
        process.exitCode = 1
      },
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

await main()
