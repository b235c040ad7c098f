import assert from 'node:assert/strict'
import {test} from 'node:test'

import {opaqueProtocolOf, saysHttp} from '../../src/ports/protocols.js'

test('well-known numbers and names map to protocols the proxy cannot detect', () => {
  assert.equal(opaqueProtocolOf({containerPort: 3306})?.protocol, 'MySQL')
  assert.equal(opaqueProtocolOf({containerPort: 4222})?.protocol, 'NATS')
  assert.equal(opaqueProtocolOf({containerPort: 587})?.protocol, 'SMTP')
  assert.equal(opaqueProtocolOf({containerPort: 13306, name: 'mysql'})?.protocol, 'MySQL')
  assert.equal(opaqueProtocolOf({containerPort: 7000, appProtocol: 'redis'})?.protocol, 'Redis')
  assert.equal(opaqueProtocolOf({containerPort: 8080}), undefined)
})

test('a port named for HTTP is HTTP even on a database number', () => {
  assert.equal(opaqueProtocolOf({containerPort: 3306, name: 'http-admin'}), undefined)
})

test('HTTP by name or appProtocol, but not https', () => {
  for (const p of [{name: 'http'}, {name: 'http-metrics'}, {name: 'metrics-http'}, {name: 'grpc'}, {appProtocol: 'kubernetes.io/h2c'}, {appProtocol: 'http'}]) {
    assert.ok(saysHttp(p), JSON.stringify(p))
  }
  for (const p of [{name: 'https'}, {name: 'mysql'}, {name: 'httpd-tls'}, {appProtocol: 'https'}, {}]) assert.ok(!saysHttp(p), JSON.stringify(p))
})
