import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {buildEdges, edgeIdentities, edgeMessage, type EdgeRecord} from '../../src/metrics/edges.js'
import {noTlsMessage, parseIdentity, podIdentity, shortIdentity} from '../../src/mesh/identity.js'

const ID = (sa: string, ns: string): string => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`

function client(src: string, dst: string, extra: Partial<EdgeRecord> = {}): EdgeRecord {
  const [srcNs = '', srcName = ''] = src.split('/')
  const [dstNs = '', dstName = ''] = dst.split('/')
  return {clientId: ID(srcName, srcNs), connections: 1, dst: {name: dstName, namespace: dstNs}, noTlsReason: '', serverId: ID(dstName, dstNs), side: 'client', src: {name: srcName, namespace: srcNs}, tls: 'true', ...extra}
}

function server(src: string | undefined, dst: string, extra: Partial<EdgeRecord> = {}): EdgeRecord {
  const [dstNs = '', dstName = ''] = dst.split('/')
  const [srcNs = '', srcName = ''] = (src ?? '').split('/')
  const meshed = src !== undefined
  return {
    clientId: meshed ? ID(srcName, srcNs) : '',
    connections: 1,
    dst: {name: dstName, namespace: dstNs},
    noTlsReason: meshed ? '' : 'no_tls_from_remote',
    serverId: '',
    side: 'server',
    src: meshed ? {name: srcName, namespace: srcNs} : undefined,
    tls: meshed ? 'true' : 'no_identity',
    ...extra,
  }
}

describe('viz edges from connection gauges', () => {
  test('one edge per pair, merged over series and sides; zero gauges dropped', () => {
    const edges = buildEdges([
      client('shop/web', 'shop/api', {connections: 2}),
      client('shop/web', 'shop/api', {connections: 3}),
      server('shop/web', 'shop/api', {connections: 4}),
      client('shop/web', 'shop/db', {connections: 0}),
    ])
    assert.equal(edges.length, 1)
    const [edge] = edges
    assert.deepEqual(edge?.seenBy, {client: true, server: true})
    // The clients' count when they reported it (the server sees the same connections).
    assert.equal(edge?.connections, 5)
    assert.equal(edge?.secured, true)
    assert.deepEqual(edge && edgeIdentities(edge), {client: 'web.shop', server: 'api.shop'})
  })

  test('a server-side report alone gives the connections, and unmeshed clients have no source', () => {
    const edges = buildEdges([server(undefined, 'shop/web', {connections: 2}), server(undefined, 'shop/web', {connections: 1}), server('ops/bot', 'shop/web')])
    assert.equal(edges.length, 2)
    const unmeshed = edges.find((e) => e.src === undefined)
    assert.equal(unmeshed?.connections, 3)
    assert.equal(unmeshed?.secured, false)
    assert.equal(unmeshed && edgeMessage(unmeshed), 'No TLS From Remote')
    assert.equal(unmeshed?.clientId, '')
    assert.equal(edges.find((e) => e.src?.name === 'bot')?.secured, true)
  })

  test('secured only if every connection is mTLS with the peer identity', () => {
    const plain = {noTlsReason: 'not_provided_by_service_discovery', serverId: '', tls: 'no_identity'}
    const [mixed] = buildEdges([client('shop/api', 'shop/db'), client('shop/api', 'shop/db', plain)])
    assert.equal(mixed?.secured, false)
    assert.equal(mixed?.noTlsReason, 'not_provided_by_service_discovery')
    assert.equal(mixed && edgeMessage(mixed), 'Not Provided By Service Discovery')
    // TLS without a peer identity, and TLS turned off, are not secure either.
    assert.equal(buildEdges([client('a/x', 'a/y', {serverId: ''})])[0]?.noTlsReason, 'no_server_identity')
    assert.equal(buildEdges([server('a/x', 'a/y', {clientId: ''})])[0]?.noTlsReason, 'no_client_identity')
    assert.equal(buildEdges([client('a/x', 'a/y', {serverId: '', tls: 'disabled'})])[0]?.noTlsReason, 'disabled')
  })

  test('-n keeps edges that start or end in the namespace; viz order', () => {
    const records = [client('shop/web', 'billing/ledger'), client('ops/bot', 'ops/db'), client('billing/ledger', 'shop/web'), client('shop/web', 'shop/api'), server(undefined, 'shop/web'), client('shop/api', 'shop/api')]
    const order = (ns?: string): string[] => buildEdges(records, {namespace: ns}).map((e) => `${e.src?.namespace ?? '-'}/${e.src?.name ?? 'unmeshed'}>${e.dst.namespace}/${e.dst.name}`)
    assert.deepEqual(order('shop'), ['-/unmeshed>shop/web', 'billing/ledger>shop/web', 'shop/web>billing/ledger', 'shop/api>shop/api', 'shop/web>shop/api'])
    assert.deepEqual(order('ops'), ['ops/bot>ops/db'])
    assert.equal(order().length, 6)
  })
})

describe('identities and TLS reasons', () => {
  test('parse, shorten, and read a pod identity as Linkerd does', () => {
    assert.deepEqual(parseIdentity(ID('web', 'shop')), {namespace: 'shop', serviceAccount: 'web'})
    assert.equal(parseIdentity('spiffe://cluster.local/ns/shop/sa/web'), undefined)
    assert.equal(shortIdentity(ID('web', 'shop')), 'web.shop')
    assert.equal(shortIdentity(''), '')
    const pod = {
      metadata: {namespace: 'shop'},
      spec: {initContainers: [{env: [{name: 'LINKERD2_PROXY_IDENTITY_LOCAL_NAME', value: '$(_pod_sa).$(_pod_ns).serviceaccount.identity.linkerd.cluster.local'}], name: 'linkerd-proxy'}], serviceAccountName: 'web'},
    }
    assert.equal(podIdentity(pod), ID('web', 'shop'))
    assert.equal(podIdentity({metadata: {namespace: 'shop'}, spec: {containers: [{name: 'app'}]}}), undefined)
  })

  test("viz's words for every reason it knows; others in the same style", () => {
    assert.equal(noTlsMessage('not_provided_by_service_discovery'), 'Not Provided By Service Discovery')
    assert.equal(noTlsMessage('no_authority_in_http_request'), 'No Authority In HTTP Request')
    assert.equal(noTlsMessage('loopback'), 'Loopback')
    assert.equal(noTlsMessage('no_tls_from_remote'), 'No TLS From Remote')
    assert.equal(noTlsMessage('some_new_http_reason'), 'Some New HTTP Reason')
  })
})
