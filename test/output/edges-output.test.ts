import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {buildEdges, type EdgeRecord} from '../../src/metrics/edges.js'
import {edgesJson} from '../../src/output/edges-json.js'
import {renderEdgesTable} from '../../src/output/edges-table.js'
import {terminalSafe} from '../../src/output/terminal.js'
import {linkerd2Testdata} from '../helpers/testdata.js'

const golden = (name: string): string => readFileSync(linkerd2Testdata(`output/${name}`), 'utf8')
// Linkerd's tabwriter pads the last column; meshport's tables end lines without trailing spaces.
const trimLines = (text: string): string => text.replace(/ +$/gm, '')

// The edges behind Linkerd's goldens (viz/metrics-api GenEdgesResponse): vote-bot runs as the
// default service account.
const ID = (sa: string, ns: string): string => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`
const edge = (src: string, dst: string, ns: string, clientSa = src): EdgeRecord => ({
  clientId: ID(clientSa, ns),
  connections: 1,
  dst: {name: dst, namespace: ns},
  noTlsReason: '',
  serverId: ID(dst, ns),
  side: 'client',
  src: {name: src, namespace: ns},
  tls: 'true',
})
const edges = buildEdges([edge('linkerd-identity', 'linkerd-prometheus', 'linkerd'), edge('web', 'voting', 'emojivoto'), edge('vote-bot', 'web', 'emojivoto', 'default'), edge('web', 'emoji', 'emojivoto')])

describe('viz edges output matches Linkerd goldens', () => {
  test('edges_one_output: table', () => {
    assert.equal(renderEdgesTable(edges, {color: false, wide: false}), trimLines(golden('edges_one_output.golden')))
  })

  test('edges_wide_output: -o wide, with TCP_CONN added last', () => {
    const ours = renderEdgesTable(edges, {color: false, wide: true}).split('\n')
    const theirs = trimLines(golden('edges_wide_output.golden')).split('\n')
    assert.equal(ours.length, theirs.length)
    theirs.forEach((line, i) => assert.ok(ours[i]?.startsWith(line), `line ${i}: ${ours[i]} starts with ${line}`))
    assert.match(ours[0] ?? '', /SECURED {3}TCP_CONN$/)
    assert.match(ours[1] ?? '', /√ {9}1$/)
  })

  test('edges_one_output_json: the same fields in the edges list of the document', () => {
    const doc = edgesJson(edges, {namespace: undefined, source: {kind: 'direct'}, time: '2026-12-01T00:00:00.000Z', type: 'deployment'}) as {schemaVersion: number; edges: Array<Record<string, unknown>>}
    assert.equal(doc.schemaVersion, 1)
    const theirs = JSON.parse(golden('edges_one_output_json.golden')) as Array<Record<string, unknown>>
    assert.deepEqual(
      doc.edges.map((e) => Object.fromEntries(Object.keys(theirs[0] ?? {}).map((k) => [k, e[k]]))),
      theirs,
    )
    assert.equal(doc.edges[0]?.secured, true)
    assert.equal(doc.edges[0]?.tcp_open_connections, 1)
  })

  test('unsecured edges and unmeshed sources; colour only when asked; no control bytes', () => {
    const records: EdgeRecord[] = [
      {clientId: '', connections: 3, dst: {name: 'web', namespace: 'shop'}, noTlsReason: 'no_tls_from_remote', serverId: '', side: 'server', src: undefined, tls: 'no_identity'},
      {clientId: ID('api', 'shop'), connections: 1, dst: {name: 'legacy\u001b[31m', namespace: 'shop'}, noTlsReason: 'not_provided_by_service_discovery', serverId: '', side: 'client', src: {name: 'api', namespace: 'shop'}, tls: 'no_identity'},
    ]
    const text = renderEdgesTable(buildEdges(records), {color: false, wide: false})
    assert.equal(
      text,
      ['SRC        DST            SRC_NS   DST_NS   SECURED', 'unmeshed   web            -        shop     × No TLS From Remote', 'api        legacy^[[31m   shop     shop     × Not Provided By Service Discovery', ''].join('\n'),
    )
    const colored = renderEdgesTable(buildEdges(records.slice(0, 1)), {color: true, wide: false})
    // Colour is meshport's own sequence: real once written through the terminal-safe writer.
    assert.ok(terminalSafe(colored).includes('\u001b[1m\u001b[31m×\u001b[39m\u001b[22m No TLS From Remote'), colored)
    const json = edgesJson(buildEdges(records), {namespace: 'shop', source: {kind: 'direct'}, time: 't', type: 'deployment'}) as {edges: Array<Record<string, unknown>>}
    assert.deepEqual(json.edges[0], {
      src: null,
      src_namespace: null,
      dst: 'web',
      dst_namespace: 'shop',
      client_id: '',
      server_id: '',
      no_tls_reason: 'No TLS From Remote',
      secured: false,
      no_tls_reason_label: 'no_tls_from_remote',
      client_identity: '',
      server_identity: '',
      tcp_open_connections: 3,
      seen_by: ['server'],
    })
  })
})
