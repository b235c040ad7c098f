// linkerd-ha-checks and linkerd-config.proxy-init-run-as-root: install settings against what the cluster runs.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {PlainObject} from '../helpers/fake-kube.js'
import {controlPlane} from './fixtures/cluster.js'
import {runFake} from './fixtures/run.js'

const ID = 'linkerd-ha-checks.control-plane-replicas'
const deployment = (name: string, available: number): PlainObject => ({apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name, namespace: 'linkerd'}, spec: {replicas: 3}, status: {availableReplicas: available, replicas: 3}})

describe('linkerd-ha-checks', () => {
  test('skipped for non-HA installs', async () => {
    const {byId} = await runFake({mode: 'control-plane'})
    assert.equal(byId.get(ID)?.result, 'skipped')
    assert.equal(byId.get(ID)?.error, 'not run for non HA installs')
  })

  test('HA: every core Deployment needs more than one available replica; each short one is named', async () => {
    const objects = (identity: number) => [...controlPlane({values: {highAvailability: true}}), deployment('linkerd-destination', 3), deployment('linkerd-identity', identity), deployment('linkerd-proxy-injector', 2)]
    const good = await runFake({mode: 'control-plane', objects: objects(3)})
    assert.equal(good.byId.get(ID)?.result, 'success')
    const short = await runFake({mode: 'proxy', objects: objects(1).filter((o) => o.metadata?.name !== 'linkerd-proxy-injector')})
    assert.equal(short.byId.get(ID)?.result, 'warning')
    assert.equal(short.byId.get(ID)?.error, 'not enough replicas available for high availability:\n\t* deployment/linkerd-identity has 1 available replica (of 3)\n\t* deployment/linkerd-proxy-injector not found')
    assert.equal(short.byId.get(ID)?.hint, 'https://linkerd.io/2/checks/#l5d-control-plane-replicas')
  })
})

describe('linkerd-config.proxy-init-run-as-root', () => {
  const node = (name: string, runtime: string): PlainObject => ({apiVersion: 'v1', kind: 'Node', metadata: {name}, status: {nodeInfo: {containerRuntimeVersion: runtime, architecture: 'amd64', bootID: '', kernelVersion: '', kubeProxyVersion: '', kubeletVersion: '', machineID: '', operatingSystem: 'linux', osImage: '', systemUUID: ''}}})
  const ID = 'linkerd-config.proxy-init-run-as-root'

  test('docker nodes need proxy-init to run as root', async () => {
    const containerd = await runFake({mode: 'control-plane', objects: [...controlPlane(), node('n1', 'containerd://1.7.27')]})
    assert.equal(containerd.byId.get(ID)?.result, 'success')
    const docker = await runFake({mode: 'control-plane', objects: [...controlPlane(), node('n1', 'containerd://1.7.27'), node('n2', 'docker://24.0.7')]})
    assert.equal(docker.byId.get(ID)?.error, 'there are nodes using the docker container runtime and proxy-init container must run as root user (node/n2).\ntry installing linkerd via --set proxyInit.runAsRoot=true')
    const root = await runFake({mode: 'control-plane', objects: [...controlPlane({values: {proxyInit: {runAsRoot: true}}}), node('n2', 'docker://24.0.7')]})
    assert.equal(root.byId.get(ID)?.result, 'success')
  })
})
