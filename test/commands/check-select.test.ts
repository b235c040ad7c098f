// End to end: --list-checks lists categories, aliases and checks after --only/--skip, and
// validates them like a run does; Linkerd's category ids select meshport's checks.
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'

const ids = (text: string) => text.trim().split('\n').map((line) => line.split('\t')[0])

describe('check --list-checks and selection aliases', () => {
  let sim: Sim
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
  })
  after(async () => {
    await sim?.stop()
  })

  test('lists category ids, aliases and check ids, one per line', async () => {
    const r = await runCli(['check', '--list-checks', '--proxy'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^kubernetes-api\tcategory kubernetes-api\nkubernetes-api\.can-initialize-client\tcan initialize the client\n/)
    assert.match(r.stdout, /\ndata-plane\tcategory linkerd-data-plane\nlinkerd-data-plane\talias: data-plane\n/)
    const listed = ids(r.stdout)
    assert.equal(new Set(listed).size, listed.length, 'every id once')
  })

  test('--list-checks honours --only/--skip, including Linkerd ids', async () => {
    const only = await runCli(['check', '--list-checks', '--only', 'control-plane-version'])
    assert.equal(only.code, 0, only.stderr)
    assert.deepEqual(ids(only.stdout), ['linkerd-version', 'control-plane-version', 'linkerd-version.control-plane-version', 'linkerd-version.control-plane-up-to-date', 'linkerd-version.expected-version'])
    const skipped = await runCli(['check', '--list-checks', '--proxy', '--skip', 'linkerd-data-plane,linkerd-identity'])
    assert.equal(skipped.code, 0)
    assert.ok(!ids(skipped.stdout).some((id) => id?.startsWith('data-plane.') || id?.startsWith('linkerd-identity.')), skipped.stdout)
    assert.ok(ids(skipped.stdout).includes('data-plane-ports.no-proxy-port-conflicts'))
  })

  test('--list-checks validates --only/--skip like a run: unknown ids exit 2', async () => {
    for (const args of [['--only', 'linkerd-identity.nope'], ['--skip', 'nope'], ['--only', 'linkerd-data-plane']]) {
      const r = await runCli(['check', '--list-checks', ...args])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`)
      assert.match(r.stderr, /unknown check id/)
      assert.equal(r.stdout, '')
    }
  })

  test('-o json lists each check with its severity, flags, hint and aliases', async () => {
    const r = await runCli(['check', '--list-checks', '-o', 'json', '--only', 'linkerd-existence.config-map-exists,control-plane-version'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as {categories: Array<{id: string; checks: Array<Record<string, unknown>>}>}
    assert.deepEqual(doc.categories.map((c) => c.id), ['linkerd-existence', 'linkerd-version'])
    assert.deepEqual(doc.categories[0]?.checks[0], {
      id: 'linkerd-existence.config-map-exists',
      description: "'linkerd-config' config map exists",
      severity: 'error',
      fatal: true,
      retry: false,
      hint: 'https://linkerd.io/2/checks/#l5d-existence-linkerd-config',
      aliases: [],
    })
    assert.deepEqual(doc.categories[1]?.checks[0]?.aliases, ['control-plane-version'])
  })

  test("runs select by Linkerd's category ids", async () => {
    const r = await runCli(['check', '--proxy', '--offline', '-o', 'json', '--only', 'linkerd-data-plane,control-plane-version', '--kubeconfig', sim.kubeconfigPath])
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout) as {categories: Array<{id: string; checks: Array<{id: string}>}>}
    assert.deepEqual(report.categories.map((c) => c.id), ['linkerd-version', 'data-plane'])
    assert.ok(report.categories[1]!.checks.some((c) => c.id === 'data-plane.admin-ready'))
  })
})
