// `meshport version` as `linkerd version` prints it: the client, then the control plane's version
// from linkerd-config; --client without a cluster, --short, -o json, and the exit code of a
// control plane that cannot be read.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'

const client = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}).version

describe('meshport version (simulated cluster)', () => {
  let sim: Sim
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
  })
  after(async () => {
    await sim?.stop()
  })
  const run = (args: string[], kubeconfig = sim.kubeconfigPath) => runCli(['version', ...args], {env: {KUBECONFIG: kubeconfig}})

  test('client and server, as linkerd version prints them; --short; -o json', async () => {
    const server = sim.cluster.scenario.linkerd?.version
    const [plain, short, json] = await Promise.all([run([]), run(['--short']), run(['-o', 'json'])])
    assert.equal(plain.code, 0, plain.stderr)
    assert.equal(plain.stdout, `Client version: ${client}\nServer version: ${server}\n`)
    assert.equal(short.stdout, `${client}\n${server}\n`)
    assert.deepEqual(JSON.parse(json.stdout), {schemaVersion: 1, client: {version: client}, server: {version: server, namespace: 'linkerd'}})
  })

  test('--client never needs a cluster', async () => {
    const variants = [['--client'], ['--client', '--short'], ['--client', '-o', 'json']]
    for (const r of await Promise.all(variants.map((args) => run(args, '/nonexistent/kubeconfig')))) {
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '')
      assert.ok(r.stdout.includes(client) && !/Server|server/.test(r.stdout), r.stdout)
    }
  })

  test('a control plane that cannot be read: "unavailable", the cause on stderr, its exit code', async () => {
    const [missing, noCluster] = await Promise.all([run(['-L', 'nowhere']), run(['-o', 'json'], '/nonexistent/kubeconfig')])
    assert.equal(missing.code, 1)
    assert.equal(missing.stdout, `Client version: ${client}\nServer version: unavailable\n`)
    assert.match(missing.stderr, /^Error: not found: configmap\/linkerd-config in namespace nowhere\nHint: /)
    assert.equal(noCluster.code, 3)
    const doc = JSON.parse(noCluster.stdout) as {server: {version: null; error: {code: string; exitCode: number}}}
    assert.equal(doc.server.version, null)
    assert.deepEqual([doc.server.error.code, doc.server.error.exitCode], ['KUBECONFIG_MISSING', 3])
  })

  test('version --help works, and --version still prints the user agent', async () => {
    const [help, agent] = await Promise.all([runCli(['version', '--help']), runCli(['--version'])])
    assert.equal(help.code, 0, help.stderr)
    assert.match(help.stdout, /\$ meshport version/)
    assert.match(agent.stdout, new RegExp(`^meshport/${client.replaceAll('.', '\\.')} `))
  })
})
