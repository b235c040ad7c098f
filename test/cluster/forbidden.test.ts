// startSim with a scenario object carrying access-review denial rules: the rules are normalised
// like a file's and the API server answers 403 for exactly those requests.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {ClusterError} from '../../src/errors.js'
import {createKubeClient} from '../../src/kube/index.js'
import {KubeErrorCode} from '../../src/kube/types.js'
import {startSim} from '../helpers/sim.js'

describe('forbidden rules from a scenario object', () => {
  test('denied in the named namespace only, for the named verbs', async () => {
    const sim = await startSim({scenario: {forbidden: [{namespace: 'linkerd', resource: 'secrets', verbs: ['list']}, {namespace: 'linkerd', resource: 'pods', verbs: ['list']}], linkerd: {}, namespaces: [{name: 'apps', workloads: [{name: 'web'}]}]}})
    try {
      const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
      await assert.rejects(kube.listSecrets({namespace: 'linkerd'}), /forbidden|403/i)
      assert.ok(Array.isArray(await kube.listSecrets({namespace: 'apps'})))
      assert.equal((await kube.listPods({namespace: 'apps'})).length, 1)
      // Pods are listed as raw JSON (not through client-node's typed call): a 403 still names the action.
      await assert.rejects(kube.listPods({namespace: 'linkerd'}), (err: unknown) => err instanceof ClusterError && err.code === KubeErrorCode.forbidden && /list pods in linkerd/.test(err.message))
    } finally {
      await sim.stop()
    }
  })
})
