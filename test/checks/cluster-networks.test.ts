import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {Networks, parseCidr} from '../../src/util/cidr.js'
import type {PlainObject} from '../helpers/fake-kube.js'
import {controlPlane, meshedPod} from './fixtures/cluster.js'
import {runFake} from './fixtures/run.js'

const node = (name: string, podCIDR?: string): PlainObject => ({apiVersion: 'v1', kind: 'Node', metadata: {name}, spec: podCIDR ? {podCIDR, podCIDRs: [podCIDR]} : {}})
const svc = (name: string, clusterIP: string): PlainObject => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'shop'}, spec: {clusterIP, ports: [{port: 80}]}})
function withIp(pod: PlainObject, ip: string, hostNetwork = false): PlainObject {
  const p = pod as unknown as {spec: Record<string, unknown>; status: Record<string, unknown>}
  p.status.podIP = ip
  if (hostNetwork) p.spec.hostNetwork = true
  return pod
}

function cluster(clusterNetworks: string | undefined, extra: PlainObject[]): PlainObject[] {
  const pods = [withIp(meshedPod({name: 'web-1', namespace: 'shop'}), '10.42.0.5'), withIp(meshedPod({name: 'web-2', namespace: 'shop'}), '10.42.1.9')]
  return [...controlPlane({dataPlanePods: pods, values: clusterNetworks === undefined ? {} : {clusterNetworks}}), ...extra]
}

describe('cidr', () => {
  test('parses IPv4 and IPv6 ranges and rejects the rest', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), {text: '10.0.0.0/8', address: '10.0.0.0', prefix: 8, family: 'ipv4'})
    assert.equal(parseCidr('fd00::/8')?.family, 'ipv6')
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '300.0.0.0/8', 'fd00::/129', 'x/8', '10.0.0.0/8/1']) assert.equal(parseCidr(bad), undefined, bad)
  })

  test('membership: addresses, and ranges only when the network is at least as wide', () => {
    const networks = new Networks(['10.0.0.0/8', 'fd00::/8'].map((t) => parseCidr(t)!))
    assert.equal(networks.containsIp('10.43.2.1'), true)
    assert.equal(networks.containsIp('11.0.0.1'), false)
    assert.equal(networks.containsIp('fd12::7'), true)
    assert.equal(networks.containsIp('2001:db8::1'), false)
    assert.equal(networks.containsCidr(parseCidr('10.42.0.0/16')!), true)
    assert.equal(networks.containsCidr(parseCidr('10.0.0.0/7')!), false)
  })
})

describe('linkerd-existence: cluster networks', () => {
  test('the chart default holds private ranges: passes; host-network pods and headless services are skipped', async () => {
    const {byId} = await runFake({mode: 'control-plane', objects: cluster(undefined, [node('n1', '10.42.0.0/24'), svc('web', '10.43.0.10'), svc('web-headless', 'None'), withIp(meshedPod({name: 'host', namespace: 'kube-system'}), '172.18.0.2', true)])})
    for (const id of ['cluster-networks-node-cidrs', 'cluster-networks-pods', 'cluster-networks-services']) assert.equal(byId.get(`linkerd-existence.${id}`)?.result, 'success', id)
  })

  test('ranges outside clusterNetworks fail and name each node, pod and service', async () => {
    const objects = cluster('10.42.0.0/24,fd00::/8', [node('n1', '10.42.0.0/24'), node('n2', '10.42.1.0/24'), svc('web', '10.43.0.10')])
    const {byId} = await runFake({mode: 'control-plane', objects})
    const nodes = byId.get('linkerd-existence.cluster-networks-node-cidrs')
    assert.equal(nodes?.result, 'error')
    assert.equal(nodes?.error, 'node podCIDRs not contained in the Linkerd clusterNetworks [10.42.0.0/24,fd00::/8]:\n\t* node/n2 (10.42.1.0/24)\nTry installing linkerd via --set clusterNetworks="10.42.1.0/24"')
    assert.equal(nodes?.hint, 'https://linkerd.io/2/checks/#l5d-cluster-networks-cidr')
    assert.equal(byId.get('linkerd-existence.cluster-networks-pods')?.error, 'the Linkerd clusterNetworks [10.42.0.0/24,fd00::/8] do not include 1 pod:\n\t* pod/web-2 in shop (10.42.1.9)')
    assert.equal(byId.get('linkerd-existence.cluster-networks-services')?.error, 'the Linkerd clusterNetworks [10.42.0.0/24,fd00::/8] do not include 1 service:\n\t* service/web in shop (10.43.0.10)')
    assert.equal(byId.get('linkerd-existence.cluster-networks-services')?.hint, 'https://linkerd.io/2/checks/#l5d-cluster-networks-pods')
  })

  test('nodes without podCIDR skip the node check; a bad entry in clusterNetworks fails by name', async () => {
    const bare = await runFake({mode: 'control-plane', objects: cluster(undefined, [node('n1')])})
    assert.equal(bare.byId.get('linkerd-existence.cluster-networks-node-cidrs')?.result, 'skipped')
    const bad = await runFake({mode: 'control-plane', objects: cluster('10.0.0.0/8,banana', [])})
    assert.equal(bad.byId.get('linkerd-existence.cluster-networks-pods')?.error, 'clusterNetworks in linkerd-config holds "banana", which is not a CIDR')
  })
})
