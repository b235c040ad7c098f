import assert from 'node:assert/strict'
import {test} from 'node:test'

import {crdProblems, LINKERD_CRDS} from '../../src/checks/linkerd.js'

const serving = (name: string, version: string, served = true) => ({metadata: {name}, spec: {versions: [{name: version, served}]}})
const all = () => LINKERD_CRDS.map((c) => serving(c.name, c.version))

test('crdProblems: a complete set has no problems, before or after install', () => {
  assert.deepEqual(crdProblems(all(), false), [])
  assert.deepEqual(crdProblems(all(), true), [])
})

test('crdProblems: a missing CRD is a problem after install, fine before it', () => {
  const crds = all().filter((c) => c.metadata.name !== 'servers.policy.linkerd.io')
  assert.deepEqual(crdProblems(crds, false), ['missing servers.policy.linkerd.io'])
  assert.deepEqual(crdProblems(crds, true), [])
})

test('crdProblems: a CRD that does not serve the needed version is a problem either way', () => {
  const crds = all().map((c) => (c.metadata.name === 'servers.policy.linkerd.io' ? serving(c.metadata.name, 'v1beta3', false) : c))
  assert.deepEqual(crdProblems(crds, false), ['CRD servers.policy.linkerd.io is missing version v1beta3'])
  assert.deepEqual(crdProblems(crds, true), ['CRD servers.policy.linkerd.io exists but does not serve v1beta3'])
})
