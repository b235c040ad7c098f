// End to end: linkerd-multicluster on a simulated source cluster whose Links point at second
// simulated API servers (test/cluster/multicluster.ts), one planted fault per Link.
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'

interface JsonCheck {
  id: string
  result: string
  error?: string
  detail?: string
}

const emojivoto = {name: 'emojivoto', annotations: {'linkerd.io/inject': 'enabled'}, workloads: [{name: 'web', containers: [{name: 'web', ports: [8080]}]}]}
const ID = (check: string) => `linkerd-multicluster.${check}`
const CHECKS = ['link-crd-exists', 'links-valid', 'links-version', 'remote-credentials', 'trust-anchors-shared', 'service-mirror-rbac', 'service-mirror-running', 'managed-controllers', 'gateways-alive', 'mirror-services-endpoints', 'no-orphaned-mirrors', 'proxies-healthy', 'proxies-version']

async function multicluster(sim: Sim, ...args: string[]): Promise<{code: number | null; byId: Map<string, JsonCheck>}> {
  const r = await runCli(['check', '--offline', '-o', 'json', '--only', 'linkerd-multicluster', '--kubeconfig', sim.kubeconfigPath, ...args])
  assert.ok(r.stdout.trim(), r.stderr)
  const report = JSON.parse(r.stdout) as {categories: Array<{checks: JsonCheck[]}>}
  return {code: r.code, byId: new Map(report.categories.flatMap((c) => c.checks).map((c) => [c.id, c]))}
}

describe('check: linkerd-multicluster (simulated source and target clusters)', () => {
  let good: Sim
  let bad: Sim
  before(async () => {
    good = await startSim({scenario: {name: 'mc-good', linkerd: {namespace: 'linkerd'}, namespaces: [emojivoto], multicluster: {links: [{name: 'east', mirrors: [{service: 'web', namespace: 'emojivoto'}]}]}}})
    bad = await startSim({
      scenario: {
        name: 'mc-bad',
        linkerd: {namespace: 'linkerd'},
        namespaces: [emojivoto],
        multicluster: {
          links: [
            {name: 'east', mirrors: [{service: 'web', namespace: 'emojivoto'}]},
            {name: 'west', credentials: 'forbidden', trustAnchor: 'other', gateway: 'down', rbac: 'missing', version: 'edge-26.1.1', mirrors: [{service: 'web', namespace: 'emojivoto', endpoints: false}]},
            {name: 'north', credentials: 'badToken', controller: 'legacy'},
            {name: 'south', credentials: 'unreachable', controller: 'notReady'},
          ],
          orphans: [{service: 'web', namespace: 'emojivoto', cluster: 'gone'}],
        },
      },
    })
  })
  after(async () => {
    await good?.stop()
    await bad?.stop()
  })

  test('not installed: every check is skipped and the category is not printed', async () => {
    const sim = await startSim({scenario: 'healthy'})
    try {
      const {byId} = await multicluster(sim)
      for (const check of CHECKS) assert.equal(byId.get(ID(check))?.result, 'skipped', check)
      assert.match(byId.get(ID('link-crd-exists'))?.error ?? '', /the multicluster extension is not installed/)
      const table = await runCli(['check', '--offline', '--kubeconfig', sim.kubeconfigPath])
      assert.doesNotMatch(table.stdout, /linkerd-multicluster/)
    } finally {
      await sim.stop()
    }
  })

  test('a healthy Link to a second API server passes every check, in both modes', async () => {
    for (const mode of [[], ['--proxy']]) {
      const {code, byId} = await multicluster(good, ...mode)
      assert.equal(code, 0)
      for (const check of CHECKS) assert.equal(byId.get(ID(check))?.result, 'success', `${check}: ${byId.get(ID(check))?.error ?? ''}`)
      assert.equal(byId.get(ID('remote-credentials'))?.detail, '* east')
    }
  })

  test("each Link's planted fault fails the check that catches it, naming the Link", async () => {
    const {code, byId} = await multicluster(bad)
    assert.equal(code, 1)
    const error = (check: string) => byId.get(ID(check))?.error ?? ''
    assert.match(error('links-version'), /west: the control plane version is 26\.8\.3 but the Link version is 26\.1\.1/)
    assert.match(error('remote-credentials'), /west: missing service permission \[get\] for cluster \[west\]/)
    assert.match(error('remote-credentials'), /north: .*401/)
    assert.match(error('remote-credentials'), /south: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1/)
    assert.doesNotMatch(error('remote-credentials'), /east/)
    assert.match(error('trust-anchors-shared'), /west: its trust anchors differ/)
    assert.match(error('service-mirror-rbac'), /^Problematic clusters:\n\t\* west: missing Role linkerd-service-mirror-read-remote-creds-west \(or controller-read-remote-creds-west\) in linkerd-multicluster$/)
    assert.match(error('service-mirror-running'), /south: service mirror controller is not available: linkerd-multicluster\/controller-south/)
    assert.match(error('managed-controllers'), /north: using legacy service mirror controller for Link: north/)
    assert.match(error('gateways-alive'), /west: liveness checks failed for west \(gateway_alive 0 on pod\/controller-west-/)
    assert.equal(error('mirror-services-endpoints'), 'Some mirror services do not have endpoints:\n\t* web-west.emojivoto mirrored from cluster [west]')
    assert.equal(byId.get(ID('no-orphaned-mirrors'))?.result, 'warning')
    assert.match(error('no-orphaned-mirrors'), /mirror service web-gone\.emojivoto is not part of any Link/)
    assert.equal(byId.get(ID('link-crd-exists'))?.result, 'success')
  })
})
