import assert from 'node:assert/strict'
import {test} from 'node:test'

import {UsageError} from '../../src/errors.js'
import {parseQuantity, PROXY_FLAGS, proxyOverrides, validLogLevel, validPortList} from '../../src/mesh/inject-flags.js'

test('flags equal to the baseline write nothing; others write their annotation in table order', () => {
  assert.deepEqual(proxyOverrides({flags: {'admin-port': '4191', 'proxy-log-level': 'warn,linkerd=info,hickory=error', 'native-sidecar': true}}), [])
  assert.deepEqual(proxyOverrides({flags: {'proxy-uid': '1000', 'admin-port': '1234', 'native-sidecar': false, 'wait-before-exit-seconds': '10'}}), [
    ['config.linkerd.io/admin-port', '1234'],
    ['config.linkerd.io/proxy-uid', '1000'],
    ['config.linkerd.io/proxy-enable-native-sidecar', 'false'],
    ['config.alpha.linkerd.io/proxy-wait-before-exit-seconds', '10'],
  ])
})

test('deprecated spellings, durations, gid and registry map as Linkerd does', () => {
  assert.deepEqual(proxyOverrides({flags: {'proxy-cpu': '250m'}}), [['config.linkerd.io/proxy-cpu-request', '250m']])
  assert.deepEqual(proxyOverrides({flags: {'proxy-cpu': '250m', 'proxy-cpu-request': '300m'}}), [['config.linkerd.io/proxy-cpu-request', '300m']])
  assert.deepEqual(proxyOverrides({flags: {'close-wait-timeout': '90s'}}), [['config.linkerd.io/close-wait-timeout', '1m30s']])
  assert.deepEqual(proxyOverrides({flags: {'proxy-gid': '-1'}}), [])
  assert.deepEqual(proxyOverrides({flags: {'proxy-gid': '2103'}}), [['config.linkerd.io/proxy-gid', '2103']])
  assert.deepEqual(proxyOverrides({flags: {registry: 'my.registry/l5d'}}), [
    ['config.linkerd.io/proxy-image', 'my.registry/l5d/proxy'],
    ['config.linkerd.io/debug-image', 'my.registry/l5d/debug'],
  ])
  assert.deepEqual(proxyOverrides({flags: {}, registryEnv: 'env.registry/x'})[0], ['config.linkerd.io/proxy-image', 'env.registry/x/proxy'])
  assert.deepEqual(proxyOverrides({flags: {'enable-debug-sidecar': true, 'opaque-ports': '3000,5000-6000,mysql'}}), [
    ['config.linkerd.io/opaque-ports', '3000,5000-6000,mysql'],
    ['config.linkerd.io/enable-debug-sidecar', 'true'],
  ])
})

test('invalid values are usage errors naming the flag', () => {
  const bad: Array<Record<string, unknown>> = [
    {'admin-port': '70000'},
    {'admin-port': 'abc'},
    {'skip-inbound-ports': '22,9000-8000'},
    {'skip-outbound-ports': '1,x'},
    {'proxy-cpu-request': '1 core'},
    {'proxy-cpu-request': '500m', 'proxy-cpu-limit': '100m'},
    {'proxy-memory-request': '128Mi', 'proxy-memory-limit': '64Mi'},
    {'image-pull-policy': 'Sometimes'},
    {'default-inbound-policy': 'allow-all'},
    {'proxy-log-level': 'warn,linkerd=loud'},
    {'close-wait-timeout': 'soon'},
    {'wait-before-exit-seconds': '-5'},
    {'proxy-cpu-ratio-limit': '1.5'},
    {'skip-subnets': '10.0.0.0/33'},
    {'disable-identity': true},
    {registry: 'bad registry'},
  ]
  for (const flags of bad) {
    assert.throws(() => proxyOverrides({flags}), (error: unknown) => error instanceof UsageError && error.exitCode === 2 && /--/.test(error.message), JSON.stringify(flags))
  }
})

test('validators follow Kubernetes and env_logger grammar', () => {
  assert.equal(parseQuantity('100m'), 0.1)
  assert.equal(parseQuantity('64Mi'), 64 * 2 ** 20)
  assert.equal(parseQuantity('1e3'), 1000)
  assert.equal(parseQuantity('x'), undefined)
  assert.ok(validPortList('22,8100-8102, 4567'))
  assert.ok(!validPortList('65536'))
  assert.ok(validLogLevel('warn,linkerd=info,hickory=error'))
  assert.ok(validLogLevel('linkerd_proxy::inbound=trace'))
  assert.ok(!validLogLevel('=info'))
})

test('every flag has a distinct name and an annotation under Linkerd prefixes', () => {
  const names = PROXY_FLAGS.map((f) => f.flag)
  assert.equal(new Set(names).size, names.length)
  for (const f of PROXY_FLAGS) assert.match(f.annotation, /^config\.(alpha\.)?linkerd\.io\//)
})
