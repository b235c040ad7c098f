import assert from 'node:assert/strict'
import {get} from 'node:http'
import {describe, test} from 'node:test'

import {ClusterError} from '../../src/errors.js'
import {PortForwardError} from '../../src/kube/errors.js'
import {fakeKube} from '../helpers/fake-kube.js'
import {fakeKubeFromScenario} from '../helpers/sim.js'

const pod = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {creationTimestamp: '2026-01-01T00:00:00Z', labels, name, namespace: 'shop'},
  status: {phase: 'Running'},
})

describe('fakeKube', () => {
  test('lists with namespace and label selectors, deserialising like client-node', async () => {
    const kube = fakeKube({objects: [pod('web-1', {app: 'web'}), pod('db-1', {app: 'db'})]})
    const pods = await kube.listPods({labelSelector: 'app=web', namespace: 'shop'})
    assert.deepEqual(pods.map((p) => p.metadata?.name), ['web-1'])
    assert.ok(pods[0]?.metadata?.creationTimestamp instanceof Date)
    assert.equal((await kube.listPods({namespace: 'other'})).length, 0)
    assert.equal(await kube.getPod('shop', 'nope'), undefined)
  })

  test('injected failures reject', async () => {
    const kube = fakeKube({failures: {listSecrets: new ClusterError('forbidden')}})
    await assert.rejects(kube.listSecrets(), /forbidden/)
  })

  test('proxyGet and withPortForward reach handlers; unknown ports are refused', async () => {
    const kube = fakeKube({proxies: {'shop/web-1:4191': (path) => (path === '/ready' ? 'ready\n' : {body: '', status: 404})}})
    assert.deepEqual((await kube.proxyGet({name: 'web-1', namespace: 'shop'}, 4191, '/ready')).body, 'ready\n')
    const body = await kube.withPortForward({name: 'web-1', namespace: 'shop'}, 4191, (port) =>
      new Promise<string>((resolve, reject) => {
        get({host: '127.0.0.1', path: '/ready', port}, (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk.toString()))
          res.on('end', () => resolve(text))
        }).on('error', reject)
      }),
    )
    assert.equal(body, 'ready\n')
    assert.equal(kube.openForwards(), 0)
    await assert.rejects(kube.proxyGet({name: 'web-1', namespace: 'shop'}, 8080, '/'), PortForwardError)
  })

  test('listCustom: 404 for unknown resources, objects otherwise', async () => {
    const kube = fakeKube({objects: [{apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: {name: 'r', namespace: 'shop'}}]})
    assert.equal((await kube.listCustom('argoproj.io', 'v1alpha1', 'rollouts', 'shop')).length, 1)
    await assert.rejects(kube.listCustom('x.io', 'v1', 'things'), /could not find/)
  })
})

describe('fakeKubeFromScenario', () => {
  test('the simulated cluster in memory: objects, proxies and faults without sockets', async () => {
    const {cluster, kube} = fakeKubeFromScenario('broken')
    const pods = await kube.listPods({namespace: 'faults'})
    assert.ok(pods.length > 5)
    assert.ok(pods.every((p) => p.metadata?.creationTimestamp instanceof Date))
    const ref = (workload: string): {name: string; namespace: string} => ({name: [...cluster.pods.values()].find((p) => p.workload.name === workload)?.name ?? '', namespace: 'faults'})
    assert.equal((await kube.proxyGet(ref('not-ready'), 4191, '/ready')).status, 503)
    assert.match((await kube.proxyGet(ref('resetting'), 4191, '/metrics')).body, /^response_total\{direction="inbound"/m)
    await assert.rejects(kube.proxyGet(ref('admin-down'), 4191, '/ready'), PortForwardError)
    await assert.rejects(kube.proxyGet(ref('pending'), 4191, '/ready'), PortForwardError)
    assert.equal((await kube.getVersion()).gitVersion, 'v1.32.4')
  })
})
