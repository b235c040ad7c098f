// `meshport inject --manual` end to end (bin/run.js): --from-cluster against the simulated
// cluster, the trust-anchor error, --set, and the user's comments kept in manual mode.
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {describe, test} from 'node:test'
import {parse, parseAllDocuments} from 'yaml'
import {runCli} from '../../helpers/run-cli.js'
import {startSim} from '../../helpers/sim.js'
import {baseValuesFile} from './golden.js'

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: emojivoto
spec:
  template:
    metadata:
      labels:
        app: web # the selector label
    spec:
      # the application container
      containers:
      - name: web
        image: web:v1 # pinned
        ports:
        - containerPort: 8080
`

describe('inject --manual on the command line', () => {
  test('--from-cluster reads linkerd-config and Namespace settings through the kube layer', async () => {
    const sim = await startSim({scenario: 'healthy'})
    try {
      const result = await runCli(['inject', '--manual', '--from-cluster', '--kubeconfig', sim.kubeconfigPath, '-'], {stdin: DEPLOYMENT})
      assert.equal(result.code, 0, result.stderr)
      const out = parse(result.stdout)
      const configMap = sim.cluster.store.get('', 'ConfigMap', 'linkerd', 'linkerd-config') as {data: {values: string}}
      const values = parse(configMap.data.values) as {identityTrustAnchorsPEM: string; linkerdVersion: string}
      const annotations = out.spec.template.metadata.annotations
      assert.equal(annotations['linkerd.io/trust-root-sha256'], createHash('sha256').update(values.identityTrustAnchorsPEM).digest('hex'))
      assert.equal(annotations['linkerd.io/proxy-version'], values.linkerdVersion)
      const proxy = out.spec.template.spec.initContainers[1]
      assert.equal(proxy.name, 'linkerd-proxy')
      assert.equal(proxy.image, `cr.l5d.io/linkerd/proxy:${values.linkerdVersion}`)

      // Pods inherit the proxy settings annotated on their Namespace, as with the webhook.
      sim.cluster.addObject({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop', annotations: {'config.linkerd.io/proxy-cpu-limit': '2'}}})
      const inShop = await runCli(['inject', '--manual', '--from-cluster', '--kubeconfig', sim.kubeconfigPath, '-'], {stdin: DEPLOYMENT.replace('namespace: emojivoto', 'namespace: shop')})
      assert.equal(inShop.code, 0, inShop.stderr)
      const shop = parse(inShop.stdout)
      assert.equal(shop.spec.template.metadata.annotations['config.linkerd.io/proxy-cpu-limit'], '2')
      const env = shop.spec.template.spec.initContainers[1].env as {name: string; value?: string}[]
      assert.equal(env.find((e) => e.name === 'LINKERD2_PROXY_CORES_MAX')?.value, '2')
    } finally {
      await sim.stop()
    }
  })

  test('--from-cluster with a wrong -L says where it looked', async () => {
    const sim = await startSim({scenario: 'healthy'})
    try {
      const result = await runCli(['inject', '--manual', '--from-cluster', '--kubeconfig', sim.kubeconfigPath, '-L', 'nowhere', '-'], {stdin: DEPLOYMENT})
      assert.equal(result.code, 1)
      assert.match(result.stderr, /linkerd-config not found in namespace nowhere/)
      assert.equal(result.stdout, '')
    } finally {
      await sim.stop()
    }
  })

  test('without trust anchors --manual fails with a hint, and writes nothing', async () => {
    const result = await runCli(['inject', '--manual', '-'], {stdin: DEPLOYMENT})
    assert.equal(result.code, 2)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^Error: --manual needs the identity trust anchors/)
    assert.match(result.stderr, /Hint: .*--values FILE.*--from-cluster/)
  })

  test('comments and order of the user containers survive; --set writes its annotation', async () => {
    const result = await runCli(['inject', '--manual', '--values', baseValuesFile('uninject-then-inject'), '--set', 'proxy.accessLog=json', '-'], {stdin: DEPLOYMENT})
    assert.equal(result.code, 0, result.stderr)
    for (const kept of ['app: web # the selector label', '# the application container', 'image: web:v1 # pinned']) assert.ok(result.stdout.includes(kept), kept)
    assert.ok(result.stdout.indexOf('name: web\n') < result.stdout.indexOf('initContainers:'), 'user containers stay first')
    const out = parseAllDocuments(result.stdout)[0]?.toJS()
    assert.equal(out.spec.template.metadata.annotations['config.linkerd.io/access-log'], 'json')
    const env = out.spec.template.spec.initContainers[1].env as {name: string; value?: string}[]
    assert.equal(env.find((e) => e.name === 'LINKERD2_PROXY_ACCESS_LOG')?.value, 'json')
    assert.equal(env.find((e) => e.name === 'LINKERD2_PROXY_INBOUND_PORTS')?.value, '8080')
    assert.equal(out.spec.template.metadata.annotations['linkerd.io/created-by'], 'meshport/cli 0.1.0')
  })

  test('--no-native-sidecar: the legacy layout (proxy first in containers, linkerd-init after app init containers)', async () => {
    const result = await runCli(['inject', '--manual', '--no-native-sidecar', '--values', baseValuesFile('uninject-then-inject'), '-'], {stdin: DEPLOYMENT})
    assert.equal(result.code, 0, result.stderr)
    const spec = parse(result.stdout).spec.template.spec
    assert.deepEqual(spec.containers.map((c: {name: string}) => c.name), ['linkerd-proxy', 'web'])
    assert.deepEqual(spec.initContainers.map((c: {name: string}) => c.name), ['linkerd-init'])
    assert.deepEqual(spec.containers[0].lifecycle.postStart.exec.command, ['/usr/lib/linkerd/linkerd-await', '--timeout=2m', '--port=4191'])
    assert.equal(parse(result.stdout).spec.template.metadata.annotations['config.linkerd.io/proxy-enable-native-sidecar'], 'false')
  })
})
