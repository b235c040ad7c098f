import assert from 'node:assert/strict'
import {test} from 'node:test'

import {adminPort} from '../../src/mesh/admin-port.js'

test('admin port comes from the linkerd-admin named port, native sidecar or not', () => {
  const native = {initContainers: [{ports: [{containerPort: 4143, name: 'linkerd-proxy'}, {containerPort: 9991, name: 'linkerd-admin'}]}]}
  assert.equal(adminPort(native), 9991)
  const legacy = {containers: [{ports: [{containerPort: 8080, name: 'http'}]}, {ports: [{containerPort: 9995, name: 'linkerd-admin'}]}]}
  assert.equal(adminPort(legacy), 9995)
})

test('admin port defaults to 4191', () => {
  assert.equal(adminPort({containers: [{ports: [{containerPort: 8080}]}]}), 4191)
  assert.equal(adminPort(undefined), 4191)
})
