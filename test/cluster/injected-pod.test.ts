// The simulated injector against Linkerd's own goldens and the webhook's annotation rules:
// opaque-ports replaces the default list, port overrides use Linkerd's annotation names, the
// namespace's config annotations are inherited, and the listen addresses match the injector's.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {parseAllDocuments} from 'yaml'

import {linkerd2Testdata} from '../helpers/testdata.js'
import {buildCluster} from './build.js'
import {injectPod, type InjectInput} from './injected-pod.js'
import {normalizeScenario} from './scenario.js'

type Json = Record<string, unknown>

const LINKERD = normalizeScenario({linkerd: {}, namespaces: []}).linkerd
assert.ok(LINKERD)
const APP = [{name: 'web-svc', ports: [{containerPort: 8080, name: 'http'}, {containerPort: 3306, name: 'mysql'}]}]

function inject(annotations: Record<string, string>, extra: Partial<InjectInput> = {}) {
  assert.ok(LINKERD)
  return injectPod({annotations, containers: APP, linkerd: LINKERD, namespace: 'emojivoto', ownerKind: 'deployment', ownerName: 'web', trustAnchorPem: 'PEM', ...extra})
}
const container = (initContainers: Json[], name: string): Json => {
  const found = initContainers.find((c) => c.name === name)
  assert.ok(found, `${name} container`)
  return found
}
/** The env values of the proxy, by name (undefined when the injector leaves the variable out). */
const envOf = (initContainers: Json[]): Map<string, unknown> => new Map((container(initContainers, 'linkerd-proxy').env as Json[]).map((e) => [String(e.name), e.value]))
const initArg = (initContainers: Json[], flag: string): string | undefined => {
  const args = container(initContainers, 'linkerd-init').args as string[]
  const at = args.indexOf(flag)
  return at < 0 ? undefined : args[at + 1]
}

/** The proxy sidecar and init container of a golden's first pod template. */
function goldenInit(file: string): Json[] {
  const doc = parseAllDocuments(readFileSync(linkerd2Testdata(`inject/${file}`), 'utf8'))[0]?.toJS() as Json
  const spec = ((doc.spec as Json).template as Json).spec as Json
  return spec.initContainers as Json[]
}

const LISTEN_ADDRS = ['LINKERD2_PROXY_CONTROL_LISTEN_ADDR', 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR', 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR', 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS', 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR']

describe('simulated injector vs Linkerd goldens', () => {
  test('defaults: listen addresses, default opaque list and ignored ports as inject_emojivoto_deployment', () => {
    const golden = goldenInit('inject_emojivoto_deployment.golden.yml')
    const ours = inject({}).initContainers
    for (const name of [...LISTEN_ADDRS, 'LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION']) assert.equal(envOf(ours).get(name), envOf(golden).get(name), name)
    for (const flag of ['--incoming-proxy-port', '--outgoing-proxy-port', '--inbound-ports-to-ignore', '--outbound-ports-to-ignore']) assert.equal(initArg(ours, flag), initArg(golden, flag), flag)
  })

  test('admin-port and skip-port annotations as inject_emojivoto_deployment_config_overrides', () => {
    const golden = goldenInit('inject_emojivoto_deployment_config_overrides.golden.yml')
    const ours = inject({'config.linkerd.io/admin-port': '9998', 'config.linkerd.io/skip-inbound-ports': '7777,8888', 'config.linkerd.io/skip-outbound-ports': '9999'}).initContainers
    for (const name of LISTEN_ADDRS) assert.equal(envOf(ours).get(name), envOf(golden).get(name), name)
    for (const flag of ['--inbound-ports-to-ignore', '--outbound-ports-to-ignore']) assert.equal(initArg(ours, flag), initArg(golden, flag), flag)
    const ports = (c: Json[]) => (container(c, 'linkerd-proxy').ports as Json[]).map((p) => [p.name, p.containerPort])
    assert.deepEqual(ports(ours), ports(golden))
  })

  test('opaque-ports replaces the default list in the proxy env, as inject_emojivoto_deployment_opaque_ports', () => {
    const golden = envOf(goldenInit('inject_emojivoto_deployment_opaque_ports.golden.yml')).get('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION')
    assert.equal(golden, '3000,5000-6000,mysql')
    // The webhook resolves a named port against the containers (manual inject passes it through).
    const ours = envOf(inject({'config.linkerd.io/opaque-ports': '3000,5000-6000,mysql'}).initContainers)
    assert.equal(ours.get('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION'), '3000,5000-6000,3306')
  })
})

describe('simulated injector annotations', () => {
  test('inbound-, outbound-, control-port use Linkerd names; proxy-inbound-port is not one', () => {
    const overridden = inject({'config.linkerd.io/control-port': '5190', 'config.linkerd.io/inbound-port': '5143', 'config.linkerd.io/outbound-port': '5140'}).initContainers
    const env = envOf(overridden)
    assert.equal(env.get('LINKERD2_PROXY_INBOUND_LISTEN_ADDR'), '0.0.0.0:5143')
    assert.equal(env.get('LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR'), '127.0.0.1:5140')
    assert.equal(env.get('LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS'), '127.0.0.1:5140')
    assert.equal(env.get('LINKERD2_PROXY_CONTROL_LISTEN_ADDR'), '0.0.0.0:5190')
    assert.equal(initArg(overridden, '--incoming-proxy-port'), '5143')
    assert.equal(initArg(overridden, '--outgoing-proxy-port'), '5140')
    assert.equal(initArg(overridden, '--inbound-ports-to-ignore'), '5190,4191,4567,4568')
    assert.deepEqual((container(overridden, 'linkerd-proxy').ports as Json[]).map((p) => p.containerPort), [5143, 4191])
    const wrongName = inject({'config.linkerd.io/proxy-inbound-port': '5143'}).initContainers
    assert.equal(envOf(wrongName).get('LINKERD2_PROXY_INBOUND_LISTEN_ADDR'), '0.0.0.0:4143')
  })

  test('an empty opaque-ports list leaves the env out', () => {
    assert.equal(envOf(inject({'config.linkerd.io/opaque-ports': ''}).initContainers).has('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION'), false)
  })

  test("the namespace's config annotations apply and are copied onto the pod; the pod's own win", () => {
    const ns = {'config.linkerd.io/admin-port': '9990', 'config.linkerd.io/opaque-ports': '9000', 'linkerd.io/inject': 'enabled'}
    const inherited = inject({}, {namespaceAnnotations: ns})
    assert.equal(envOf(inherited.initContainers).get('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION'), '9000')
    assert.equal(envOf(inherited.initContainers).get('LINKERD2_PROXY_ADMIN_LISTEN_ADDR'), '0.0.0.0:9990')
    assert.equal(inherited.annotations['config.linkerd.io/opaque-ports'], '9000')
    assert.equal(inherited.annotations['config.linkerd.io/admin-port'], '9990')
    assert.equal(inherited.annotations['linkerd.io/inject'], undefined, 'only config annotations are inherited')
    const own = inject({'config.linkerd.io/opaque-ports': '8080'}, {namespaceAnnotations: ns})
    assert.equal(envOf(own.initContainers).get('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION'), '8080')
    assert.equal(own.annotations['config.linkerd.io/opaque-ports'], undefined, "the pod's own annotation is already there")
  })

  test('without any opaque-ports, the webhook annotates the default opaque ports the pod exposes', () => {
    assert.equal(inject({}).annotations['config.linkerd.io/opaque-ports'], '3306')
    assert.equal(inject({}, {containers: [{name: 'app', ports: [{containerPort: 8080}]}]}).annotations['config.linkerd.io/opaque-ports'], undefined)
  })

  test('built pods carry the override: env, annotations and admin port from the namespace', () => {
    const cluster = buildCluster(
      normalizeScenario({
        linkerd: {},
        namespaces: [
          {annotations: {'config.linkerd.io/admin-port': '9995', 'config.linkerd.io/opaque-ports': '9000'}, name: 'data', workloads: [{containers: [{name: 'app', ports: [9000]}], name: 'queue'}]},
          {name: 'plain', workloads: [{annotations: {'config.linkerd.io/opaque-ports': '8080'}, name: 'api'}]},
        ],
      }),
    )
    const pods = [...cluster.pods.values()]
    const queue = pods.find((p) => p.namespace === 'data')
    const api = pods.find((p) => p.namespace === 'plain')
    assert.ok(queue && api)
    assert.equal(queue.adminPort, 9995)
    const annotations = (p: typeof queue) => (p.object.metadata as Json).annotations as Record<string, string>
    const podInit = (p: typeof queue) => (p.object.spec as Json).initContainers as Json[]
    assert.equal(annotations(queue)['config.linkerd.io/opaque-ports'], '9000')
    assert.equal(envOf(podInit(queue)).get('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION'), '9000')
    assert.equal(envOf(podInit(api)).get('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION'), '8080')
  })
})
