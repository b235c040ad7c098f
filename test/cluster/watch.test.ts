// Watches on the simulated API server: initial ADDED events, changes made through the test hooks
// (updateObject, deleteObject, addObject), resourceVersion resumption and 410, selectors,
// bookmarks, Table events, timeouts and shutdown.
import assert from 'node:assert/strict'
import {request} from 'node:https'
import {after, before, describe, test} from 'node:test'

import {startSim, type Sim} from '../helpers/sim.js'
import {openH2, type H2Client} from './support/h2-client.js'

interface Event {
  object: {kind?: string; metadata: {annotations?: Record<string, string>; name?: string; resourceVersion: string}; [key: string]: unknown}
  type: string
}

/** Opens a watch and collects its events; `next(n)` waits until n have arrived. */
function watch(h2: H2Client, path: string, headers: Record<string, string> = {}) {
  const events: Event[] = []
  let buffer = ''
  const waiters: Array<() => void> = []
  const w = h2.stream(
    path,
    (chunk) => {
      buffer += chunk
      let nl
      while ((nl = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, nl)) as Event)
        buffer = buffer.slice(nl + 1)
      }
      for (const wake of waiters.splice(0)) wake()
    },
    headers,
  )
  const next = async (n: number, ms = 5000): Promise<Event[]> => {
    const deadline = Date.now() + ms
    while (events.length < n) {
      if (Date.now() > deadline) throw new Error(`${events.length} of ${n} events after ${ms} ms: ${JSON.stringify(events.map((e) => e.type))}`)
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, 50)
      })
    }
    return events.slice(0, n)
  }
  return {...w, events, next}
}

describe('watch', () => {
  let sim: Sim
  let h2: H2Client
  before(async () => {
    sim = await startSim({bookmarkIntervalMs: 100, scenario: 'healthy'})
    h2 = openH2(sim.cluster.server, sim.cluster.pki.ca.certPem, sim.cluster.token)
  })
  after(async () => {
    await h2.close()
    await sim.stop()
  })

  test('current objects as ADDED, then what the test hooks change, until timeoutSeconds', async () => {
    const w = watch(h2, '/api/v1/namespaces/emojivoto/pods?watch=true&timeoutSeconds=3')
    assert.equal(await w.status, 200)
    const pods = sim.cluster.podsOf('emojivoto', 'web')
    const initial = await w.next(5)
    assert.deepEqual(initial.map((e) => e.type), ['ADDED', 'ADDED', 'ADDED', 'ADDED', 'ADDED'])
    assert.ok(initial.every((e) => e.object.kind === 'Pod' && e.object.apiVersion === 'v1'))
    const web = pods[0]
    assert.ok(web)
    const updated = sim.cluster.updateObject('v1', 'Pod', 'emojivoto', web.name, (o) => ((o.metadata as {labels: Record<string, string>}).labels.stage = 'canary'))
    assert.equal(sim.cluster.deleteObject('v1', 'Pod', 'emojivoto', web.name), true)
    sim.cluster.addObject({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'extra', namespace: 'emojivoto'}, spec: {containers: []}, status: {phase: 'Pending'}})
    // Other namespaces and kinds are not this watch's business.
    sim.cluster.addObject({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'elsewhere', namespace: 'booksapp'}, spec: {containers: []}})
    sim.cluster.addObject({apiVersion: 'v1', data: {}, kind: 'ConfigMap', metadata: {name: 'noise', namespace: 'emojivoto'}})
    const changes = (await w.next(8)).slice(5)
    assert.deepEqual(changes.map((e) => [e.type, e.object.metadata.name]), [['MODIFIED', web.name], ['DELETED', web.name], ['ADDED', 'extra']])
    assert.equal(changes[0]?.object.metadata.resourceVersion, (updated.metadata as {resourceVersion: string}).resourceVersion)
    assert.ok(Number(changes[1]?.object.metadata.resourceVersion) > Number(changes[0]?.object.metadata.resourceVersion))
    assert.equal((await h2.get(`/api/v1/namespaces/emojivoto/pods/${web.name}`)).status, 404)
    const started = Date.now()
    await w.done
    assert.ok(Date.now() - started < 3500, 'closed at timeoutSeconds')
  })

  test('from a resourceVersion: only later changes; a revision no longer kept is 410 Expired', async () => {
    const list = JSON.parse((await h2.get('/apis/apps/v1/namespaces/emojivoto/deployments')).text) as {metadata: {resourceVersion: string}}
    sim.cluster.updateObject('apps/v1', 'Deployment', 'emojivoto', 'emoji', (o) => ((o.metadata as {annotations: Record<string, string>}).annotations = {note: 'before the watch'}))
    const w = watch(h2, `/apis/apps/v1/namespaces/emojivoto/deployments?watch=1&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=5`)
    sim.cluster.updateObject('apps/v1', 'Deployment', 'emojivoto', 'voting', () => {})
    const events = await w.next(2)
    assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['MODIFIED', 'emoji'], ['MODIFIED', 'voting']])
    w.close()
    const old = watch(h2, '/apis/apps/v1/deployments?watch=true&resourceVersion=1')
    const [expired] = await old.next(1)
    assert.deepEqual(expired?.type, 'ERROR')
    assert.deepEqual({...expired?.object, message: undefined}, {apiVersion: 'v1', code: 410, kind: 'Status', message: undefined, metadata: {}, reason: 'Expired', status: 'Failure'})
    assert.match(String(expired?.object.message), /^too old resource version: 1 \(\d+\)$/)
    await old.done
  })

  test('selectors: an object that stops matching is DELETED, one that starts matching ADDED', async () => {
    const w = watch(h2, '/api/v1/namespaces/emojivoto/pods?watch=true&labelSelector=app%3Dvoting&timeoutSeconds=5')
    const [voting] = await w.next(1)
    const name = String(voting?.object.metadata.name)
    const relabel = (app: string) => sim.cluster.updateObject('v1', 'Pod', 'emojivoto', name, (o) => ((o.metadata as {labels: Record<string, string>}).labels.app = app))
    relabel('voting-old')
    relabel('voting')
    const events = await w.next(3)
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'DELETED', 'ADDED'])
    w.close()
  })

  test('bookmarks, the initial-events-end bookmark, and the legacy /watch/ path with a name', async () => {
    const w = watch(h2, '/api/v1/namespaces/linkerd/configmaps?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=5')
    const configMaps = sim.cluster.store.list('', 'ConfigMap', 'linkerd').length
    const events = await w.next(configMaps + 2)
    assert.ok(events.slice(0, configMaps).every((e) => e.type === 'ADDED'))
    const end = events[configMaps]
    assert.equal(end?.type, 'BOOKMARK')
    assert.equal(end?.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true')
    assert.deepEqual(Object.keys(end?.object ?? {}).sort(), ['apiVersion', 'kind', 'metadata'])
    assert.equal(events[configMaps + 1]?.type, 'BOOKMARK')
    w.close()
    const one = watch(h2, '/api/v1/watch/namespaces/linkerd/configmaps/linkerd-config?timeoutSeconds=5')
    assert.deepEqual((await one.next(1)).map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'linkerd-config']])
    one.close()
  })

  test('Table events for kubectl get -w: the column definitions only in the first', async () => {
    const w = watch(h2, '/apis/apps/v1/namespaces/emojivoto/deployments?watch=true&timeoutSeconds=5', {accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'})
    const events = await w.next(4)
    const tables = events.map((e) => e.object as unknown as {columnDefinitions: unknown[] | null; kind: string; rows: Array<{cells: unknown[]}>})
    assert.ok(tables.every((t) => t.kind === 'Table' && t.rows.length === 1))
    assert.ok(Array.isArray(tables[0]?.columnDefinitions) && (tables[0]?.columnDefinitions.length ?? 0) > 0)
    assert.ok(tables.slice(1).every((t) => t.columnDefinitions === null))
    w.close()
  })

  test('over HTTP/1.1 too (chunked); 403 from a watch rule; 405 where there is nothing to watch', async () => {
    const lines = await new Promise<string[]>((resolve, reject) => {
      const req = request(new URL('/api/v1/namespaces?watch=true&timeoutSeconds=1', sim.cluster.server), {ca: sim.cluster.pki.ca.certPem, headers: {authorization: `Bearer ${sim.cluster.token}`}}, (res) => {
        assert.equal(res.headers['transfer-encoding'], 'chunked')
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve(body.trim().split('\n')))
      })
      req.on('error', reject)
      req.end()
    })
    assert.equal(lines.length, sim.cluster.store.list('', 'Namespace').length)
    const review = await h2.get('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews?watch=true')
    assert.equal(review.status, 405)
    const locked = await startSim({scenario: {forbidden: [{resource: 'pods', verbs: ['watch']}], linkerd: {}, namespaces: []}})
    try {
      const client = openH2(locked.cluster.server, locked.cluster.pki.ca.certPem, locked.cluster.token)
      const denied = await client.get('/api/v1/pods?watch=true')
      assert.equal(denied.status, 403)
      assert.match(JSON.parse(denied.text).message, /cannot watch resource "pods"/)
      assert.equal((await client.get('/api/v1/pods')).status, 200)
      // Stopping the cluster ends the watches still open.
      const open = watch(client, '/api/v1/namespaces?watch=true')
      await open.next(1)
      await locked.stop()
      await open.done
      await client.close()
    } finally {
      await locked.stop()
    }
  })
})
