// kubectl itself against the simulated API server: discovery fallback, Table printing, -A.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runKubectl} from '../helpers/kubectl.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {skipWithout} from '../helpers/tools.js'

const skip = skipWithout('kubectl', 'skipping the kubectl cross-check')
const run = runKubectl

describe('kubectl against the simulated cluster', {skip}, () => {
  let sim: Sim
  let cache: string
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
    cache = mkdtempSync(join(tmpdir(), 'meshport-kubectl-cache-'))
  })
  after(async () => {
    await sim.stop()
    rmSync(cache, {force: true, recursive: true})
  })
  // A discovery cache per test run: kubectl caches per host:port for hours.
  const env = (): NodeJS.ProcessEnv => ({KUBECACHEDIR: cache, KUBECONFIG: ''})

  test('kubectl get pods -A prints real columns', async () => {
    const r = await run(['--kubeconfig', sim.kubeconfigPath, 'get', 'pods', '-A'], env())
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.match(lines[0] ?? '', /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/)
    assert.equal(lines.length - 1, sim.cluster.model.pods.size)
    const web = lines.filter((l) => /^emojivoto\s+web-/.test(l))
    assert.equal(web.length, 2)
    assert.match(web[0] ?? '', /\s2\/2\s+Running\s+0\s+\d+m$/)
    assert.ok(lines.some((l) => /^linkerd\s+linkerd-destination-\S+\s+4\/4\s+Running/.test(l)))
  })

  test('kubectl get deploy -n emojivoto, with the client-certificate context', async () => {
    const r = await run(['--kubeconfig', sim.kubeconfigPath, '--context', sim.certContextName, 'get', 'deploy', '-n', 'emojivoto'], env())
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/)
    assert.match(r.stdout, /^web\s+2\/2\s+2\s+2\s+\d+[hd]/m)
    assert.match(r.stdout, /^vote-bot\s+1\/1/m)
  })

  test('kubectl auth can-i (a protobuf SelfSubjectAccessReview) and a Forbidden error', async () => {
    const yes = await run(['--kubeconfig', sim.kubeconfigPath, 'auth', 'can-i', 'list', 'pods', '-n', 'linkerd'], env())
    assert.deepEqual([yes.code, yes.stdout.trim()], [0, 'yes'])
    const locked = await startSim({scenario: {forbidden: [{namespace: 'linkerd', resource: 'secrets', verbs: ['get', 'list']}], linkerd: {}, namespaces: []}})
    try {
      const no = await run(['--kubeconfig', locked.kubeconfigPath, 'auth', 'can-i', 'get', 'secrets', '-n', 'linkerd'], env())
      assert.deepEqual([no.code, no.stdout.trim()], [1, 'no'])
      const denied = await run(['--kubeconfig', locked.kubeconfigPath, 'get', 'secrets', '-n', 'linkerd'], env())
      assert.notEqual(denied.code, 0)
      assert.match(denied.stderr, /Forbidden.*cannot list resource "secrets"/)
    } finally {
      await locked.stop()
    }
  })

  test('kubectl get -o json and a NotFound error', async () => {
    const ok = await run(['--kubeconfig', sim.kubeconfigPath, 'get', 'configmap', 'linkerd-config', '-n', 'linkerd', '-o', 'jsonpath={.data.values}'], env())
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /identityTrustDomain: cluster.local/)
    const missing = await run(['--kubeconfig', sim.kubeconfigPath, 'get', 'pod', 'ghost', '-n', 'emojivoto'], env())
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /pods "ghost" not found/)
  })
})
