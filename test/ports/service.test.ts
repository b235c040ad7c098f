import assert from 'node:assert/strict'
import {test} from 'node:test'

import {analyzeService, isOffClusterService} from '../../src/ports/index.js'

test('off-cluster Services: ExternalName or no selector', () => {
  assert.ok(isOffClusterService({spec: {type: 'ExternalName', externalName: 'db.example.com'}}))
  assert.ok(isOffClusterService({spec: {ports: [{port: 3306}]}}))
  assert.ok(!isOffClusterService({spec: {selector: {app: 'db'}}}))
})

test('ports.opaque-off-cluster on an ExternalName Service, and no double report for the same port', () => {
  const a = analyzeService({metadata: {name: 'billing-db', namespace: 'shop', annotations: {'config.linkerd.io/opaque-ports': '5432'}}, spec: {type: 'ExternalName', externalName: 'billing.example.com', ports: [{port: 5432}]}})
  assert.deepEqual(a.problems.map((p) => `${p.rule}:${p.subject.port}`), ['ports.opaque-off-cluster:5432'])
  assert.match(a.problems[0]?.message ?? '', /ExternalName billing\.example\.com/)
  assert.match(a.problems[0]?.fix ?? '', /skip-outbound-ports: "5432" on the clients/)
  assert.equal(a.problems[0]?.subject.kind, 'Service')
})

test('ports.off-cluster-server-speaks-first by number or name; in-cluster Services and HTTP ports are fine', () => {
  const a = analyzeService({metadata: {name: 'legacy'}, spec: {ports: [{port: 13306, name: 'mysql'}, {port: 587}, {port: 8080, name: 'http'}, {port: 53, protocol: 'UDP'}]}})
  assert.deepEqual(a.problems.map((p) => `${p.rule}:${p.subject.port}`), ['ports.off-cluster-server-speaks-first:13306', 'ports.off-cluster-server-speaks-first:587'])
  const inCluster = analyzeService({metadata: {name: 'db'}, spec: {selector: {app: 'db'}, ports: [{port: 3306}]}})
  assert.deepEqual(inCluster.problems, [])
  assert.equal(inCluster.offCluster, false)
})
