// `npm run demo`: starts the healthy scenario in-process and runs, against it, the built CLI's
// `meshport check --offline` (no lookup of the latest version on the internet) and
// `meshport viz stat deploy -n emojivoto` (when the build has them, read from oclif.manifest.json). Without them it prints the kubeconfig and keeps the cluster up
// until Ctrl-C so it can be used by hand.
import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {SimulatedCluster} from './cluster.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const bin = `${root}bin/run.js`

interface Manifest {
  commands?: Record<string, {flags?: Record<string, unknown>}>
}

// The built manifest says which commands exist; without one (mid-build), the compiled files do.
function manifest(): Manifest {
  const path = `${root}oclif.manifest.json`
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest
  } catch {
    const commands: Manifest['commands'] = {}
    if (existsSync(`${root}dist/commands/check.js`)) commands.check = {}
    if (existsSync(`${root}dist/commands/viz/stat.js`)) commands['viz:stat'] = {flags: {window: {}}}
    return {commands}
  }
}

function run(args: string[]): Promise<number | null> {
  process.stderr.write(`\n$ meshport ${args.join(' ')}\n`)
  const child = spawn(process.execPath, [bin, ...args], {stdio: 'inherit'})
  return new Promise((resolve) => child.on('close', resolve))
}

async function main(): Promise<void> {
  const cluster = await SimulatedCluster.start({scenario: 'healthy'})
  const kubeconfig = cluster.kubeconfigPath
  process.stderr.write(`demo: simulated cluster "healthy" at ${cluster.server}\ndemo: kubeconfig ${kubeconfig}\n`)
  const commands = manifest().commands ?? {}
  const steps: string[][] = []
  if (commands.check) steps.push(['check', '--offline', '--kubeconfig', kubeconfig])
  if (commands['viz:stat']) {
    const window = commands['viz:stat'].flags?.window ? ['--window', '3s'] : []
    steps.push(['viz', 'stat', 'deploy', '-n', 'emojivoto', ...window, '--kubeconfig', kubeconfig])
  }
  if (steps.length > 0) {
    for (const args of steps) await run(args)
    await cluster.stop()
    return
  }
  process.stderr.write(
    '\ndemo: this build has neither `check` nor `viz stat` yet (run `npm run build` after they land).\n' +
      `demo: meanwhile the cluster is yours:\n  kubectl --kubeconfig ${kubeconfig} get pods -A\n  KUBECONFIG=${kubeconfig} node bin/run.js --help\n` +
      'demo: Ctrl-C stops it.\n',
  )
  const stop = (): void => {
    cluster.stop().then(
      () => process.stderr.write('demo: stopped\n'),
      () => (process.exitCode = 1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

await main()
