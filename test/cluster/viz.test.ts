// The `extensions.viz` scenario key: the objects `linkerd viz install` leaves, with real readiness
// for notReady components (pods, Deployment status, endpoints, the tap APIService).
import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import {describe, test} from 'node:test'

import {createKubeClient} from '../../src/kube/index.js'
import {startSim} from '../helpers/sim.js'
import {loadScenario, ScenarioError} from './scenario.js'
import {openH2} from './support/h2-client.js'

type Json = Record<string, unknown>

describe('extensions.viz', () => {
  test('namespace, meshed Deployments, Services, accounts, RBAC, certificates, APIService and webhook', async () => {
    const sim = await startSim({scenario: {extensions: {viz: {namespace: 'linkerd-viz'}}, linkerd: {}, namespaces: []}})
    try {
      const kube = createKubeClient({context: undefined, kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000})
      const ns = await kube.getNamespace('linkerd-viz')
      assert.equal(ns?.metadata?.labels?.['linkerd.io/extension'], 'viz')
      const pods = await kube.listPods({labelSelector: 'linkerd.io/extension=viz', namespace: 'linkerd-viz'})
      assert.deepEqual(pods.map((p) => p.metadata?.labels?.component).sort(), ['metrics-api', 'prometheus', 'tap', 'tap-injector', 'web'])
      for (const pod of pods) {
        assert.equal(pod.status?.phase, 'Running')
        assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True')
        assert.ok(pod.spec?.initContainers?.some((c) => c.name === 'linkerd-proxy'), `${pod.metadata?.name} is meshed`)
        assert.equal(pod.metadata?.labels?.['linkerd.io/control-plane-ns'], 'linkerd')
      }
      const deployments = await kube.listDeployments({namespace: 'linkerd-viz'})
      assert.ok(deployments.every((d) => d.status?.readyReplicas === 1))
      const services = Object.fromEntries((await kube.listServices({namespace: 'linkerd-viz'})).map((s) => [s.metadata?.name, s.spec?.ports?.map((p) => p.port)]))
      assert.deepEqual(services, {'metrics-api': [8085], prometheus: [9090], tap: [8088, 443], 'tap-injector': [443], web: [8084, 9994]})
      const accounts = (await kube.listServiceAccounts({namespace: 'linkerd-viz'})).map((a) => a.metadata?.name).sort()
      assert.deepEqual(accounts, ['default', 'metrics-api', 'namespace-metadata', 'prometheus', 'tap', 'tap-injector', 'web'])
      // What `linkerd viz check` looks for.
      const roles = new Set((await kube.listClusterRoles()).map((r) => r.metadata?.name))
      for (const name of ['linkerd-linkerd-viz-tap', 'linkerd-linkerd-viz-metrics-api', 'linkerd-linkerd-viz-tap-admin', 'linkerd-tap-injector', 'linkerd-linkerd-viz-prometheus']) assert.ok(roles.has(name), name)
      const bindings = new Set((await kube.listClusterRoleBindings()).map((r) => r.metadata?.name))
      for (const name of ['linkerd-linkerd-viz-tap', 'linkerd-linkerd-viz-metrics-api', 'linkerd-linkerd-viz-tap-auth-delegator', 'linkerd-tap-injector', 'linkerd-linkerd-viz-prometheus']) assert.ok(bindings.has(name), name)
      const apiService = await kube.getAPIService('v1alpha1.tap.linkerd.io')
      assert.deepEqual(apiService?.status?.conditions?.map((c) => [c.type, c.status]), [['Available', 'True']])
      const service = apiService?.spec?.service
      assert.deepEqual([service?.name, service?.namespace, service?.port], ['tap', 'linkerd-viz', 443])
      const secret = await kube.getSecret('linkerd-viz', 'tap-k8s-tls')
      const cert = new X509Certificate(Buffer.from(secret?.data?.['tls.crt'] ?? '', 'base64'))
      assert.equal(cert.subjectAltName, 'DNS:tap.linkerd-viz.svc')
      assert.ok(cert.checkIssued(new X509Certificate(Buffer.from(String(apiService?.spec?.caBundle), 'base64'))), 'the caBundle verifies the tap certificate')
      assert.ok(new Date(cert.validTo).getTime() - Date.now() > 300 * 86_400_000)
      assert.ok(await kube.getMutatingWebhookConfiguration('linkerd-tap-injector-webhook-config'))
      assert.ok(await kube.getConfigMap('linkerd-viz', 'prometheus-config'))
    } finally {
      await sim.stop()
    }
  })

  test('a notReady component is unready everywhere: pod, Deployment, endpoints; tap also its APIService', async () => {
    const sim = await startSim({scenario: {extensions: {viz: {components: {prometheus: 'notReady', tap: 'notReady'}}}, linkerd: {}, namespaces: []}})
    const h2 = openH2(sim.cluster.server, sim.cluster.pki.ca.certPem, sim.cluster.token)
    try {
      const [prometheus] = sim.cluster.podsOf('linkerd-viz', 'prometheus')
      assert.ok(prometheus)
      const conditions = (prometheus.object.status as {conditions: Json[]}).conditions
      assert.equal(conditions.find((c) => c.type === 'Ready')?.status, 'False')
      const deployment = sim.cluster.store.get('apps', 'Deployment', 'linkerd-viz', 'prometheus') as {status: {availableReplicas: number; unavailableReplicas: number}}
      assert.deepEqual([deployment.status.availableReplicas, deployment.status.unavailableReplicas], [0, 1])
      const answer = await h2.get('/api/v1/namespaces/linkerd-viz/services/prometheus:9090/proxy/api/v1/query?query=up')
      assert.deepEqual([answer.status, JSON.parse(answer.text).message], [503, 'no endpoints available for service "prometheus:9090"'])
      // The proxy itself is up: its admin port answers.
      assert.equal((await h2.get(`/api/v1/namespaces/linkerd-viz/pods/${prometheus.name}:4191/proxy/ready`)).text, 'ready\n')
      const apiService = sim.cluster.store.get('apiregistration.k8s.io', 'APIService', undefined, 'v1alpha1.tap.linkerd.io') as {status: {conditions: Json[]}}
      assert.deepEqual(apiService.status.conditions[0], {lastTransitionTime: apiService.status.conditions[0]?.lastTransitionTime, message: 'endpoints for service/tap in "linkerd-viz" have no addresses with port name "apiserver"', reason: 'MissingEndpoints', status: 'False', type: 'Available'})
      assert.equal((sim.cluster.store.get('apps', 'Deployment', 'linkerd-viz', 'web') as {status: {readyReplicas: number}}).status.readyReplicas, 1)
    } finally {
      await h2.close()
      await sim.stop()
    }
  })

  test('scenario errors name the field', () => {
    const bad: Array<[object, RegExp]> = [
      [{extensions: {viz: {}}, namespaces: []}, /^extensions\.viz: needs linkerd$/],
      [{extensions: {viz: {components: {grafana: 'ready'}}}, linkerd: {}}, /^extensions\.viz\.components\.grafana: unknown component$/],
      [{extensions: {viz: {components: {web: 'broken'}}}, linkerd: {}}, /^extensions\.viz\.components\.web: expected ready or notReady$/],
      [{extensions: {viz: {namespace: 'linkerd'}}, linkerd: {}}, /^extensions\.viz\.namespace: linkerd is already used$/],
      [{extensions: {jaeger: {}}, linkerd: {}}, /^extensions\.jaeger: unknown extension/],
    ]
    for (const [doc, message] of bad) assert.throws(() => loadScenario(doc), (err: unknown) => err instanceof ScenarioError && message.test(err.message))
    assert.deepEqual(loadScenario({extensions: {viz: true}, linkerd: {}}).extensions.viz, {components: {'metrics-api': 'ready', prometheus: 'ready', tap: 'ready', 'tap-injector': 'ready', web: 'ready'}, namespace: 'linkerd-viz'})
  })
})
