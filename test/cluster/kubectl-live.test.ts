// kubectl 1.32 (HTTP/2 to the simulated API server) with what a live cluster offers: `get -w`
// keeps running and prints changes, `get --raw` through the pods proxy subresource.
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {startSim, type Sim} from '../helpers/sim.js'
import {kubectlFor, kubectlMissing, type Kubectl} from './support/kubectl.js'

describe('kubectl against a live simulated cluster', {skip: kubectlMissing}, () => {
  let sim: Sim
  let kubectl: Kubectl
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
    kubectl = kubectlFor(sim.kubeconfigPath)
  })
  after(async () => {
    await sim.stop()
    kubectl.cleanup()
  })
  const start = (args: string[]) => kubectl.start(args)

  test('kubectl get pods -w prints the pods, keeps running and prints each change', async () => {
    const w = start(['get', 'pods', '-n', 'emojivoto', '-w'])
    try {
      const pods = sim.cluster.store.list('', 'Pod', 'emojivoto').length
      const first = await w.until((out) => out.trim().split('\n').length === pods + 1)
      assert.match(first.split('\n')[0] ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/)
      const web = sim.cluster.podsOf('emojivoto', 'web')[0]
      assert.ok(web)
      sim.cluster.updateObject('v1', 'Pod', 'emojivoto', web.name, (o) => {
        const status = o.status as {conditions: Array<{status: string; type: string}>; containerStatuses: Array<{ready: boolean}>}
        for (const c of status.containerStatuses) c.ready = false
        for (const c of status.conditions) if (c.type === 'Ready' || c.type === 'ContainersReady') c.status = 'False'
      })
      const changed = await w.until((out) => out.trim().split('\n').length === pods + 2)
      assert.match(changed.trim().split('\n').at(-1) ?? '', new RegExp(`^${web.name}\\s+1/2\\s+Running\\s+0\\s+\\S+$`))
      // Still watching: no exit, nothing on stderr.
      await new Promise((resolve) => setTimeout(resolve, 500))
      assert.equal(w.child.exitCode, null)
      assert.equal(w.stderr(), '')
    } finally {
      w.child.kill('SIGTERM')
      await w.exited
    }
  })

  test('kubectl get --raw through pods/NAME:4191/proxy', async () => {
    const web = sim.cluster.podsOf('emojivoto', 'web')[1]
    assert.ok(web)
    const ready = start(['get', '--raw', `/api/v1/namespaces/emojivoto/pods/${web.name}:4191/proxy/ready`])
    assert.equal(await ready.exited, 0, ready.stderr())
    assert.equal(ready.stdout(), 'ready\n')
    const metrics = start(['get', '--raw', `/api/v1/namespaces/emojivoto/pods/${web.name}:4191/proxy/metrics`])
    assert.equal(await metrics.exited, 0, metrics.stderr())
    assert.match(metrics.stdout(), /^request_total\{direction="inbound"/m)
    const refused = start(['get', '--raw', `/api/v1/namespaces/emojivoto/pods/${web.name}:9999/proxy/`])
    assert.equal(await refused.exited, 1)
    assert.match(refused.stderr(), /Error from server \(ServiceUnavailable\): error trying to reach service: dial tcp [\d.]+:9999: connect: connection refused/)
  })
})
