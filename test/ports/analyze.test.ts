import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {analyzePorts, type ContainerLike, type PodLike, type PortAnalysis} from '../../src/ports/index.js'

function pod(annotations: Record<string, string>, containers: ContainerLike[], extra: {initContainers?: ContainerLike[]; hostNetwork?: boolean} = {}): PodLike {
  return {metadata: {name: 'web-1', namespace: 'shop', annotations}, spec: {containers, ...extra}}
}

const enabled = {'linkerd.io/inject': 'enabled'}
const rules = (a: PortAnalysis): string[] => a.problems.map((p) => `${p.rule}@${p.subject.port ?? '-'}`)
const rowMode = (a: PortAnalysis, port: number): string | undefined => a.ports.find((r) => r.port === port)?.mode

// An injected native-sidecar pod as Linkerd's injector writes it (ports, env, init args).
function injectedProxy(env: Record<string, string> = {}): {init: ContainerLike; proxy: ContainerLike} {
  const base: Record<string, string> = {
    LINKERD2_PROXY_INBOUND_LISTEN_ADDR: '0.0.0.0:4143',
    LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS: '127.0.0.1:4140',
    LINKERD2_PROXY_ADMIN_LISTEN_ADDR: '0.0.0.0:4191',
    LINKERD2_PROXY_CONTROL_LISTEN_ADDR: '0.0.0.0:4190',
    LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION: '25,587,3306,4444,5432,6379,9300,11211',
    ...env,
  }
  return {
    init: {name: 'linkerd-init', args: ['--incoming-proxy-port', '4143', '--inbound-ports-to-ignore', '4190,4191,4567,4568', '--outbound-ports-to-ignore', '4567,4568']},
    proxy: {
      name: 'linkerd-proxy',
      restartPolicy: 'Always',
      ports: [{containerPort: 4143, name: 'linkerd-proxy'}, {containerPort: 4191, name: 'linkerd-admin'}],
      env: Object.entries(base).map(([name, value]) => ({name, value})),
    },
  }
}

describe('port table', () => {
  test('every port of every container with what the mesh does to it', () => {
    const {init, proxy} = injectedProxy()
    const a = analyzePorts(
      pod({...enabled, 'config.linkerd.io/skip-inbound-ports': '9000-9100'}, [
        {name: 'app', ports: [{containerPort: 8080, name: 'http'}, {containerPort: 3306}, {containerPort: 9050}, {containerPort: 53, protocol: 'UDP'}]},
      ], {initContainers: [init, proxy]}),
    )
    assert.equal(a.mesh, 'injected')
    assert.equal(rowMode(a, 8080), 'proxied')
    assert.equal(rowMode(a, 3306), 'opaque')
    assert.equal(rowMode(a, 53), 'not-proxied')
    assert.equal(rowMode(a, 4143), 'proxy')
    assert.equal(rowMode(a, 4191), 'proxy')
    assert.equal(a.ports.find((r) => r.port === 4191)?.init, true)
    // The running init container's args win over the pod annotation (re-inject to apply a change).
    assert.equal(a.skipInboundPorts.source, 'init-args')
    assert.equal(a.skipInboundPorts.value, '4567,4568')
    assert.equal(rowMode(a, 9050), 'proxied')
    assert.equal(a.ports.find((r) => r.port === 3306)?.detected, 'MySQL')
  })

  test('before injection the pod annotation wins over the namespace, which wins over the defaults', () => {
    const containers = [{name: 'app', ports: [{containerPort: 9050}, {containerPort: 3306}]}]
    const viaPod = analyzePorts(pod({'config.linkerd.io/skip-inbound-ports': '9000-9100'}, containers), {namespaceAnnotations: {...enabled, 'config.linkerd.io/skip-inbound-ports': '1-10'}})
    assert.equal(viaPod.mesh, 'annotated')
    assert.equal(rowMode(viaPod, 9050), 'skipped')
    assert.equal(viaPod.skipInboundPorts.source, 'pod-annotation')
    const viaNs = analyzePorts(pod({}, containers), {namespaceAnnotations: {...enabled, 'config.linkerd.io/opaque-ports': '9050'}})
    assert.equal(rowMode(viaNs, 9050), 'opaque')
    assert.equal(viaNs.opaquePorts.source, 'namespace-annotation')
  })

  test('unmeshed pods get rows but no problems', () => {
    const containers = [{name: 'db', ports: [{containerPort: 4143}, {containerPort: 4222}]}]
    for (const a of [
      analyzePorts(pod({'linkerd.io/inject': 'disabled'}, containers), {namespaceAnnotations: enabled}),
      analyzePorts(pod({}, containers), {namespaceAnnotations: {}}),
      analyzePorts(pod(enabled, containers, {hostNetwork: true})),
    ]) {
      assert.notEqual(a.mesh, 'injected')
      assert.equal(rowMode(a, 4143), 'unmeshed')
      assert.deepEqual(a.problems, [])
    }
  })

  test('offline (namespace unknown) still runs every rule', () => {
    const a = analyzePorts(pod({}, [{name: 'db', ports: [{containerPort: 4222}]}]))
    assert.equal(a.mesh, 'unknown')
    assert.deepEqual(rules(a), ['ports.server-speaks-first@4222'])
  })
})

describe('rules', () => {
  test('ports.proxy-port-conflict: app port on a default proxy port', () => {
    const a = analyzePorts(pod(enabled, [{name: 'dovecot', ports: [{containerPort: 4190, name: 'sieve'}, {containerPort: 4140}]}]))
    assert.deepEqual(rules(a), ['ports.proxy-port-conflict@4140', 'ports.proxy-port-conflict@4190'])
    assert.equal(rowMode(a, 4190), 'conflict')
    assert.equal(a.problems[0]?.severity, 'error')
    assert.match(a.problems[0]?.fix ?? '', /config\.linkerd\.io\/outbound-port/)
    assert.equal(a.problems[1]?.subject.container, 'dovecot')
  })

  test('ports.proxy-port-conflict: app port on an overridden proxy port, and the default is then free', () => {
    const a = analyzePorts(pod({...enabled, 'config.linkerd.io/admin-port': '9990'}, [{name: 'app', ports: [{containerPort: 9990}, {containerPort: 4191}]}]))
    assert.deepEqual(rules(a), ['ports.proxy-port-conflict@9990'])
    assert.equal(a.proxyPorts.admin.port, 9990)
    assert.equal(a.proxyPorts.admin.source, 'pod-annotation')
  })

  test('ports.proxy-port-conflict: the running proxy env decides for injected pods', () => {
    const {init, proxy} = injectedProxy({LINKERD2_PROXY_INBOUND_LISTEN_ADDR: '0.0.0.0:5143'})
    const a = analyzePorts(pod(enabled, [{name: 'app', ports: [{containerPort: 5143}, {containerPort: 4143}]}], {initContainers: [init, proxy]}))
    assert.deepEqual(rules(a), ['ports.proxy-port-conflict@5143'])
  })

  test('ports.proxy-ports-overlap', () => {
    const a = analyzePorts(pod({...enabled, 'config.linkerd.io/inbound-port': '4191'}, []))
    assert.deepEqual(rules(a), ['ports.proxy-ports-overlap@4191'])
    assert.match(a.problems[0]?.fix ?? '', /inbound-port/)
  })

  test('ports.annotation-invalid: bad list items and bad proxy port overrides', () => {
    const a = analyzePorts(
      pod({...enabled, 'config.linkerd.io/skip-inbound-ports': '8000-7000,metrics', 'config.linkerd.io/control-port': 'x'}, [{name: 'app', ports: [{containerPort: 8080, name: 'metrics'}]}]),
    )
    const invalid = a.problems.filter((p) => p.rule === 'ports.annotation-invalid')
    assert.equal(invalid.length, 3)
    assert.ok(invalid.some((p) => /only accepted in opaque-ports/.test(p.message)))
    assert.ok(invalid.some((p) => /control-port/.test(p.message)))
    assert.equal(a.proxyPorts.control.port, 4190)
  })

  test('ports.annotation-name-unresolved', () => {
    const a = analyzePorts(pod({...enabled, 'config.linkerd.io/opaque-ports': 'mysql,amqp'}, [{name: 'db', ports: [{containerPort: 3306, name: 'mysql'}]}]))
    assert.deepEqual(rules(a), ['ports.annotation-name-unresolved@-'])
    assert.match(a.problems[0]?.message ?? '', /"amqp"/)
    assert.equal(rowMode(a, 3306), 'opaque')
  })

  test('ports.annotation-port-undeclared: skip-inbound and opaque items, single ports and ranges', () => {
    const a = analyzePorts(
      pod({...enabled, 'config.linkerd.io/skip-inbound-ports': '9999,7000-7100,8080', 'config.linkerd.io/opaque-ports': '5000-5100', 'config.linkerd.io/skip-outbound-ports': '1234'}, [
        {name: 'app', ports: [{containerPort: 8080}]},
      ]),
    )
    assert.deepEqual(rules(a).sort(), ['ports.annotation-port-undeclared@-', 'ports.annotation-port-undeclared@-', 'ports.annotation-port-undeclared@9999'])
    assert.equal(a.problems[0]?.severity, 'warning')
  })

  test('ports.annotation-port-undeclared does not fire for namespace-wide lists', () => {
    const a = analyzePorts(pod({}, [{name: 'app', ports: [{containerPort: 8080}]}]), {namespaceAnnotations: {...enabled, 'config.linkerd.io/opaque-ports': '5000-5100'}})
    assert.deepEqual(rules(a), [])
  })

  test('ports.opaque-http: by name, by appProtocol, and through the default list', () => {
    const a = analyzePorts(
      pod({...enabled, 'config.linkerd.io/opaque-ports': '8080,9090,3306'}, [
        {name: 'app', ports: [{containerPort: 8080, name: 'http'}, {containerPort: 9090, appProtocol: 'kubernetes.io/h2c'}, {containerPort: 3306}]},
      ]),
    )
    assert.deepEqual(rules(a), ['ports.opaque-http@8080', 'ports.opaque-http@9090'])
    assert.match(a.problems[0]?.fix ?? '', /opaque-ports: "9090,3306"/)
    const viaDefault = analyzePorts(pod(enabled, [{name: 'app', ports: [{containerPort: 4444, name: 'http-admin'}]}]))
    assert.deepEqual(rules(viaDefault), ['ports.opaque-http@4444'])
    assert.match(viaDefault.problems[0]?.message ?? '', /default opaque list/)
    assert.match(viaDefault.problems[0]?.fix ?? '', /"25,587,3306,5432,6379,9300,11211"/)
  })

  test('ports.opaque-http splits a range to drop one port', () => {
    const a = analyzePorts(pod({...enabled, 'config.linkerd.io/opaque-ports': '8000-8100'}, [{name: 'app', ports: [{containerPort: 8080, name: 'http'}]}]))
    assert.match(a.problems[0]?.fix ?? '', /"8000-8079,8081-8100"/)
  })

  test('ports.opaque-off-cluster: a client lists a database port it does not serve', () => {
    const a = analyzePorts(pod({...enabled, 'config.linkerd.io/opaque-ports': '5432'}, [{name: 'api', ports: [{containerPort: 8080}]}]))
    assert.deepEqual(rules(a), ['ports.opaque-off-cluster@5432'])
    assert.match(a.problems[0]?.fix ?? '', /skip-outbound-ports: "5432"/)
  })

  test('ports.server-speaks-first: not in the defaults (NATS), and removed by an override that replaces them', () => {
    const nats = analyzePorts(pod(enabled, [{name: 'nats', ports: [{containerPort: 4222, name: 'client'}]}]))
    assert.deepEqual(rules(nats), ['ports.server-speaks-first@4222'])
    assert.match(nats.problems[0]?.fix ?? '', /opaque-ports: "25,587,3306,4222,4444,5432,6379,9300,11211"/)
    const replaced = analyzePorts(pod({...enabled, 'config.linkerd.io/opaque-ports': '8443'}, [{name: 'db', ports: [{containerPort: 3306}, {containerPort: 8443}]}]))
    assert.deepEqual(rules(replaced), ['ports.server-speaks-first@3306'])
    assert.match(replaced.problems[0]?.message ?? '', /replaced Linkerd's default list/)
  })

  test('ports.server-speaks-first: by port name on a non-standard number; skipped or opaque is fine', () => {
    const byName = analyzePorts(pod(enabled, [{name: 'db', ports: [{containerPort: 13306, name: 'mysql'}]}]))
    assert.deepEqual(rules(byName), ['ports.server-speaks-first@13306'])
    const ok = analyzePorts(pod({...enabled, 'config.linkerd.io/skip-inbound-ports': '4222'}, [{name: 'db', ports: [{containerPort: 3306}, {containerPort: 4222}]}]))
    assert.deepEqual(rules(ok), [])
  })

  test('ports.server-speaks-first honours the cluster defaults from linkerd-config', () => {
    const a = analyzePorts(pod(enabled, [{name: 'db', ports: [{containerPort: 3306}, {containerPort: 4222}]}]), {defaults: {opaquePorts: '4222'}})
    assert.deepEqual(rules(a), ['ports.server-speaks-first@3306'])
    assert.equal(a.opaquePorts.source, 'cluster-config')
  })

  test('ports.skip-and-opaque', () => {
    const a = analyzePorts(pod({...enabled, 'config.linkerd.io/opaque-ports': '7000', 'config.linkerd.io/skip-inbound-ports': '7000'}, [{name: 'app', ports: [{containerPort: 7000}]}]))
    assert.deepEqual(rules(a), ['ports.skip-and-opaque@7000'])
    assert.equal(a.problems[0]?.severity, 'info')
  })

  test('ports.udp-not-proxied', () => {
    const a = analyzePorts(pod(enabled, [{name: 'dns', ports: [{containerPort: 53, protocol: 'UDP'}]}]))
    assert.deepEqual(rules(a), ['ports.udp-not-proxied@53'])
  })

  test('problems name the subject given by the caller, errors first', () => {
    const a = analyzePorts(pod(enabled, [{name: 'app', ports: [{containerPort: 53, protocol: 'UDP'}, {containerPort: 4143}]}]), {
      subject: {kind: 'Deployment', name: 'web', source: 'web.yaml (document 1)'},
    })
    assert.deepEqual(a.problems.map((p) => p.severity), ['error', 'info'])
    assert.equal(a.problems[0]?.subject.kind, 'Deployment')
    assert.equal(a.problems[0]?.subject.source, 'web.yaml (document 1)')
  })
})

test('ports.opaque-http: when the override held only that port, the fix removes the annotation', () => {
  const a = analyzePorts(pod({...enabled, 'config.linkerd.io/opaque-ports': '8080'}, [{name: 'app', ports: [{containerPort: 8080, name: 'http'}]}]))
  assert.match(a.problems[0]?.fix ?? '', /^remove config\.linkerd\.io\/opaque-ports on the pod template/)
})

test('a namespace-wide opaque-ports name that this pod does not declare is not a problem', () => {
  const a = analyzePorts(pod({}, [{name: 'web', ports: [{containerPort: 8080, name: 'http'}]}]), {namespaceAnnotations: {...enabled, 'config.linkerd.io/opaque-ports': 'mysql,8000-7000'}})
  assert.deepEqual(rules(a), ['ports.annotation-invalid@-'])
  assert.match(a.problems[0]?.message ?? '', /on the namespace/)
})

test('a live pod that is annotated but has no proxy says the modes apply once it is recreated', () => {
  const a = analyzePorts(pod(enabled, [{name: 'app', ports: [{containerPort: 8080}]}]), {live: true})
  assert.equal(a.mesh, 'annotated')
  assert.match(a.meshReason, /no proxy yet: the modes below apply once it is recreated/)
})
