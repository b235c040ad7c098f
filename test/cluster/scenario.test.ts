import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {FAULTS, loadScenario, normalizeScenario, scaleScenario, ScenarioError} from './scenario.js'

describe('scenario files', () => {
  test('bundled scenarios load', () => {
    const healthy = loadScenario('healthy')
    assert.equal(healthy.linkerd?.namespace, 'linkerd')
    assert.equal(healthy.namespaces.find((n) => n.name === 'emojivoto')?.workloads.find((w) => w.name === 'web')?.traffic?.rps, 10)
    const broken = loadScenario('broken')
    const faults = new Set(broken.namespaces.flatMap((n) => n.workloads.flatMap((w) => w.faults)))
    for (const fault of FAULTS) assert.ok(faults.has(fault), `broken.yaml has ${fault}`)
    assert.ok((broken.linkerd?.issuerCertValidHours ?? 0) < 0)
    const scale = loadScenario('scale')
    assert.equal(scale.namespaces.flatMap((n) => n.workloads).reduce((s, w) => s + w.replicas, 0), 500)
  })

  test('defaults', () => {
    const s = normalizeScenario({namespaces: [{name: 'a', workloads: [{name: 'w'}]}]})
    assert.equal(s.linkerd, undefined)
    const w = s.namespaces[0]?.workloads[0]
    assert.equal(w?.kind, 'Deployment')
    assert.equal(w?.meshed, true)
    assert.equal(w?.replicas, 1)
    assert.deepEqual(w?.containers, [{name: 'w', ports: [8080]}])
    assert.equal(scaleScenario(25).namespaces[0]?.workloads.length, 3)
  })

  const bad: Array<[string, unknown, RegExp]> = [
    ['unknown fault', {namespaces: [{name: 'a', workloads: [{faults: ['explode'], name: 'w'}]}]}, /faults\[0\]: "explode" is not one of/],
    ['unknown kind', {namespaces: [{name: 'a', workloads: [{kind: 'Rollout', name: 'w'}]}]}, /kind: "Rollout"/],
    ['bad name', {namespaces: [{name: 'A_B'}]}, /not a valid Kubernetes name/],
    ['success rate > 1', {namespaces: [{name: 'a', workloads: [{name: 'w', traffic: {rps: 1, successRate: 2}}]}]}, /successRate: 2 is outside/],
    ['p95 < p50', {namespaces: [{name: 'a', workloads: [{name: 'w', traffic: {latencyMs: {p50: 50, p95: 10}, rps: 1}}]}]}, /p95: 10 is outside/],
    ['bad component state', {linkerd: {components: {identity: 'sad'}}, namespaces: []}, /ready or notReady/],
    ['unknown traffic client', {namespaces: [{name: 'a', workloads: [{name: 'w', traffic: {clients: ['ghost'], rps: 1}}]}]}, /no workload a\/ghost/],
    ['linkerd namespace declared', {linkerd: {}, namespaces: [{name: 'linkerd'}]}, /Linkerd's own/],
  ]
  for (const [name, doc, message] of bad) {
    test(`rejects ${name}`, () => {
      assert.throws(() => normalizeScenario(doc), (err: unknown) => err instanceof ScenarioError && message.test(err.message))
    })
  }
})

describe('scenario objects', () => {
  test('a raw object with forbidden rules is checked and defaulted like a file', () => {
    const s = loadScenario({forbidden: [{resource: 'secrets', verbs: ['get', 'list']}], linkerd: {}, namespaces: [{name: 'a', workloads: [{name: 'w'}]}]})
    assert.deepEqual(s.forbidden, [{resource: 'secrets', verbs: ['get', 'list']}])
    assert.equal(s.linkerd?.trustDomain, 'cluster.local')
    assert.equal(s.namespaces[0]?.workloads[0]?.replicas, 1)
    assert.throws(() => loadScenario({forbidden: [{verbs: ['get']}], namespaces: []}), (err: unknown) => err instanceof ScenarioError && /forbidden\[0\]\.resource: required/.test(err.message))
    assert.throws(() => loadScenario({forbidden: {resource: 'secrets'}, namespaces: []}), (err: unknown) => err instanceof ScenarioError && /forbidden: expected a list/.test(err.message))
  })

  test('a copy of a loaded scenario and a generate object load too', () => {
    const copy = loadScenario(structuredClone(loadScenario('broken')))
    assert.deepEqual(copy, loadScenario('broken'))
    assert.equal(loadScenario({generate: {pods: 20}}).namespaces[0]?.workloads.length, 2)
  })
})
