// End to end: `viz edges` against the simulated cluster's policy scenario. The expected edges are
// derived from the scenario's declared clients, not written out: each client of a workload is an
// edge, secured when both ends are meshed, from "unmeshed" when the client has no proxy (its
// server's proxy sees it), and absent when neither end has a proxy.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {loadScenario, type Scenario, type Workload} from '../cluster/scenario.js'
import {runCli, watchCli, type Watched} from '../helpers/run-cli.js'
import {simForSuite} from '../helpers/sim.js'

interface JsonEdge {
  src: string | null
  src_namespace: string | null
  dst: string
  dst_namespace: string
  client_id: string
  server_id: string
  no_tls_reason: string
  secured: boolean
  no_tls_reason_label: string
  tcp_open_connections: number
  seen_by: string[]
}

interface Expected {
  key: string
  secured: boolean
  clientId: string
  serverId: string
  reason: string
}

/** Edges between workloads of `kind` the scenario declares, keyed `srcNs/src>dstNs/dst`. */
function declaredEdges(scenario: Scenario, kind: string): Map<string, Expected> {
  const workloads = new Map<string, Workload & {namespace: string}>(scenario.namespaces.flatMap((ns) => ns.workloads.map((w) => [`${ns.name}/${w.name}`, {...w, namespace: ns.name}] as const)))
  const out = new Map<string, Expected>()
  for (const server of workloads.values()) {
    for (const name of server.traffic?.clients ?? []) {
      const client = workloads.get(name.includes('/') ? name : `${server.namespace}/${name}`)
      if (!client || (!client.meshed && !server.meshed) || server.kind !== kind) continue
      if (client.meshed && client.kind !== kind) continue
      const src = client.meshed ? `${client.namespace}/${client.name}` : '-/unmeshed'
      out.set(`${src}>${server.namespace}/${server.name}`, {
        clientId: client.meshed ? `${client.serviceAccount}.${client.namespace}` : '',
        key: `${src}>${server.namespace}/${server.name}`,
        reason: !client.meshed ? 'No TLS From Remote' : !server.meshed ? 'Not Provided By Service Discovery' : '',
        secured: client.meshed && server.meshed,
        serverId: client.meshed && server.meshed ? `${server.serviceAccount}.${server.namespace}` : '',
      })
    }
  }
  return out
}

const keyOf = (e: JsonEdge): string => `${e.src_namespace ?? '-'}/${e.src ?? 'unmeshed'}>${e.dst_namespace}/${e.dst}`

describe('meshport viz edges on the simulated cluster', () => {
  const scenario = loadScenario('policy')
  const live = simForSuite({scenario})

  const edgesOf = async (args: string[]): Promise<{edges: JsonEdge[]; doc: Record<string, unknown>; stderr: string}> => {
    const result = await runCli(['viz', 'edges', ...args, '-o', 'json', ...live.kube])
    assert.equal(result.code, 0, result.stderr)
    const doc = JSON.parse(result.stdout) as {edges: JsonEdge[]}
    return {doc, edges: doc.edges, stderr: result.stderr}
  }

  test('-A: every declared client edge with its SECURED value and identities, nothing else', async () => {
    for (const [type, kind] of [['deploy', 'Deployment'], ['sts', 'StatefulSet']] as const) {
      const {doc, edges} = await edgesOf([type, '-A'])
      assert.equal(doc.schemaVersion, 1)
      assert.equal((doc.source as {kind: string}).kind, 'direct')
      const expected = declaredEdges(scenario, kind)
      assert.deepEqual(edges.map(keyOf).sort(), [...expected.keys()].sort(), type)
      for (const edge of edges) {
        const want = expected.get(keyOf(edge)) as Expected
        assert.equal(edge.secured, want.secured, keyOf(edge))
        assert.equal(edge.no_tls_reason, want.reason, keyOf(edge))
        assert.equal(edge.client_id, want.clientId, keyOf(edge))
        assert.equal(edge.server_id, want.serverId, keyOf(edge))
        assert.ok(edge.tcp_open_connections > 0, keyOf(edge))
      }
    }
  })

  test('unmeshed clients are unsecured edges seen by the server; meshed clients report their own', async () => {
    const {edges} = await edgesOf(['deploy', '-n', 'shop'])
    const unmeshed = edges.find((e) => e.src === null && e.dst === 'web')
    assert.deepEqual([unmeshed?.src_namespace, unmeshed?.secured, unmeshed?.no_tls_reason_label, unmeshed?.seen_by], [null, false, 'no_tls_from_remote', ['server']])
    // gateway's share of web's 4 connections on each of 2 replicas.
    assert.equal(unmeshed?.tcp_open_connections, 4)
    assert.deepEqual(edges.find((e) => e.src === 'web' && e.dst === 'api')?.seen_by, ['client'])
    assert.deepEqual(edges.find((e) => e.dst === 'legacy')?.seen_by, ['client'])
  })

  test('-n: edges into the namespace from clients elsewhere come from those clients, scraped too', async () => {
    const {doc, edges} = await edgesOf(['po', '-n', 'billing'])
    const [api] = live.sim.cluster.podsOf('shop', 'api')
    const fromApi = edges.find((e) => e.src === api?.name)
    assert.deepEqual([fromApi?.src_namespace, fromApi?.dst, fromApi?.secured, fromApi?.client_id, fromApi?.server_id], ['shop', 'ledger-0', true, 'api.shop', 'ledger.billing'])
    assert.ok(fromApi?.seen_by.includes('client'), 'the client pod in shop was scraped')
    assert.ok(edges.every((e) => e.src_namespace === 'billing' || e.dst_namespace === 'billing'))
    // billing's own pod, then the client in shop its proxy named.
    assert.deepEqual(doc.pods, {failed: 0, scraped: 2, targeted: 2})
    const ingress = await runCli(['viz', 'edges', 'deploy', '-n', 'ingress', ...live.kube])
    assert.equal(ingress.code, 0, ingress.stderr)
    assert.equal(ingress.stdout, '')
    assert.match(ingress.stderr, /No edges found\./)
  })

  test('table and wide output in Linkerd layout, with × and the reason', async () => {
    const table = await runCli(['viz', 'edges', 'deploy', '-n', 'shop', ...live.kube])
    assert.equal(table.code, 0, table.stderr)
    const lines = table.stdout.trimEnd().split('\n')
    assert.deepEqual(lines[0]?.split(/ {3,}/), ['SRC', 'DST', 'SRC_NS', 'DST_NS', 'SECURED'])
    assert.ok(lines.includes('unmeshed   web      -        shop     × No TLS From Remote'), table.stdout)
    assert.ok(lines.some((l) => /^api +legacy +shop +shop +× Not Provided By Service Discovery$/.test(l)), table.stdout)
    assert.ok(lines.some((l) => /^web +api +shop +shop +√$/.test(l)), table.stdout)
    const wide = await runCli(['viz', 'edges', 'deploy', '-n', 'shop', '-o', 'wide', ...live.kube])
    assert.match(wide.stdout, /^SRC +DST +SRC_NS +DST_NS +CLIENT_ID +SERVER_ID +SECURED +TCP_CONN\n/)
    assert.match(wide.stdout, /\nweb +api +shop +shop +web\.shop +api\.shop +√ +2\n/)
  })

  test('--watch -o json: one document per line, every --interval', async () => {
    const out = await watchCli(['viz', 'edges', 'deploy', '-n', 'shop', '--watch', '--interval', '1s', '-o', 'json', ...live.kube], (o) => o.stdout.split('\n').length > 2)
    const lines = out.stdout.split('\n').slice(0, -1)
    assert.ok(lines.length >= 2, `got ${lines.length} documents: ${out.stderr}`)
    for (const line of lines) assert.ok((JSON.parse(line) as {edges: JsonEdge[]}).edges.some((e) => e.src === 'web' && e.dst === 'api'))
  })

  test('a namespace that does not exist is one error naming it, exit 1; an empty one has no edges', async () => {
    const [missing, json] = await Promise.all([runCli(['viz', 'edges', 'deploy', '-n', 'no-such-ns', ...live.kube]), runCli(['viz', 'edges', 'deploy', '-n', 'no-such-ns', '-o', 'json', ...live.kube])])
    assert.equal(missing.code, 1)
    assert.equal(missing.stdout, '')
    assert.equal(missing.stderr, 'Error: not found: namespace no-such-ns\nHint: check the namespace (-n no-such-ns), e.g. with kubectl get namespaces\n')
    assert.equal(json.code, 1)
    assert.equal((JSON.parse(json.stdout) as {error: {code: string}}).error.code, 'NOT_FOUND')
  })

  test('--watch rides out a failing API server, backing off, and carries on', async () => {
    const documents = (o: Watched): number => o.stdout.split('\n').filter((l) => l !== '').length
    let injected = false
    const out = await watchCli(['viz', 'edges', 'deploy', '-n', 'ingress', '--watch', '--interval', '1s', '-o', 'json', ...live.kube], (o) => {
      if (!injected && documents(o) >= 1) {
        // The next two pod lists fail: two rounds are lost, waited out for 1 s and then 2 s.
        live.sim.cluster.injectApiError({path: '/api/v1/pods', status: 500, times: 2})
        injected = true
      }
      return documents(o) >= 3
    })
    assert.ok(documents(out) >= 3, `documents: ${out.stdout}\n${out.stderr}`)
    for (const line of out.stdout.trim().split('\n')) assert.ok(Array.isArray((JSON.parse(line) as {edges: unknown}).edges), 'only edges documents on stdout')
    const warnings = out.stderr.split('\n').filter((l) => l.startsWith('Warning: '))
    assert.equal(warnings.length, 2, out.stderr)
    assert.match(warnings[0] ?? '', /^Warning: list pods in all namespaces: .*\(retrying in 1s\)$/)
    assert.match(warnings[1] ?? '', /^Warning: list pods in all namespaces: .*\(retrying in 2s\)$/)
  })

  test('-l keeps edges that touch a selected resource; usage errors exit 2', async () => {
    const {edges} = await edgesOf(['deploy', '-n', 'shop', '-l', 'app=legacy'])
    assert.deepEqual(edges.map(keyOf), ['shop/api>shop/legacy'])
    for (const args of [['deploy/web'], ['all'], [], ['deploy', 'sts'], ['deploy', '-A', '-n', 'shop'], ['deploy', '--interval', '10ms']]) {
      const result = await runCli(['viz', 'edges', ...args, ...live.kube])
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
    }
    const named = await runCli(['viz', 'edges', 'po/web-1', ...live.kube])
    assert.match(named.stderr, /Edges cannot be returned for a specific resource name; remove web-1 from query/)
  })
})
