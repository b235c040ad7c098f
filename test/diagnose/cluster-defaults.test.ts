import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {meshDefaultsFromValuesYaml} from '../../src/diagnose/cluster-defaults.js'

describe('meshDefaultsFromValuesYaml', () => {
  test('reads linkerd-config values YAML; refuses what is not a YAML mapping', () => {
    assert.deepEqual(meshDefaultsFromValuesYaml('proxy:\n  ports:\n    admin: 9991\n    control: "99999"\n  opaquePorts: "3306"\nproxyInit:\n  ignoreOutboundPorts: 443\n'), {
      opaquePorts: '3306',
      proxyPorts: {admin: 9991},
      skipOutboundPorts: '443',
    })
    assert.equal(meshDefaultsFromValuesYaml('proxy: [unclosed'), undefined)
    assert.equal(meshDefaultsFromValuesYaml('- a list'), undefined)
  })
})
