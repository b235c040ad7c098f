// End to end: the install-level checks `linkerd check` runs and meshport added for issue 19
// (Gateway API CRDs, cluster networks, HA, CNI, ...), each on a simulated cluster where it fails
// for a planted reason and on one where it passes.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, before, describe, test} from 'node:test'

import {parse} from 'yaml'

import {SCENARIO_DIR} from '../cluster/scenario.js'
import {runCli} from '../helpers/run-cli.js'
import {startSim, withSim, type Sim} from '../helpers/sim.js'

interface JsonCheck {
  id: string
  result: string
  error?: string
  detail?: string
  hint?: string
}
interface JsonReport {
  success: boolean
  stoppedBy?: string
  categories: Array<{id: string; name: string; checks: JsonCheck[]}>
}

async function checkJson(sim: Sim, ...args: string[]): Promise<{code: number | null; byId: Map<string, JsonCheck>; report: JsonReport; stderr: string}> {
  const r = await runCli(['check', '--offline', '-o', 'json', '--kubeconfig', sim.kubeconfigPath, ...args])
  assert.ok(r.stdout.trim(), `no JSON (exit ${r.code}): ${r.stderr}`)
  const report = JSON.parse(r.stdout) as JsonReport
  return {code: r.code, byId: new Map(report.categories.flatMap((c) => c.checks).map((c) => [c.id, c])), report, stderr: r.stderr}
}

/** The healthy scenario file with some top-level keys or linkerd keys changed (defaults still apply). */
function healthyWith(top: Record<string, unknown>, linkerd: Record<string, unknown> = {}): object {
  const base = parse(readFileSync(`${SCENARIO_DIR}healthy.yaml`, 'utf8')) as {linkerd: Record<string, unknown>}
  return {...base, ...top, linkerd: {...base.linkerd, ...linkerd}}
}

describe('check: install-level checks (simulated cluster)', () => {
  let healthy: Sim
  before(async () => {
    healthy = await startSim({scenario: 'healthy'})
  })
  after(async () => {
    await healthy?.stop()
  })

  test('healthy: the new checks pass', async () => {
    const {code, byId} = await checkJson(healthy, '--proxy')
    assert.equal(code, 0)
    assert.equal(byId.get('gateway-api-crd.crds-installed')?.result, 'success')
    assert.equal(byId.get('gateway-api-crd.crds-installed')?.detail, 'installed outside Linkerd (Gateway API v1.2.1)')
    for (const id of ['cluster-networks-node-cidrs', 'cluster-networks-pods', 'cluster-networks-services']) assert.equal(byId.get(`linkerd-existence.${id}`)?.result, 'success', id)
  })

  test('gateway-api-crd: absent CRDs stop the run, an unsupported release names the CRD', async () => {
    await withSim(healthyWith({gatewayApi: 'absent'}), async (sim) => {
      const {code, byId, report} = await checkJson(sim)
      assert.equal(code, 1)
      assert.match(byId.get('gateway-api-crd.crds-installed')?.error ?? '', /The Gateway API CRDs must be installed prior to installing Linkerd/)
      assert.equal(report.stoppedBy, 'gateway-api-crd.crds-installed')
      const pre = await runCli(['check', '--pre', '--kubeconfig', sim.kubeconfigPath])
      assert.equal(pre.code, 1)
      assert.match(pre.stdout, /× Gateway API CRDs are installed\n/)
    })
    await withSim(healthyWith({gatewayApi: 'unsupported'}), async (sim) => {
      const {code, byId} = await checkJson(sim)
      assert.equal(code, 1)
      assert.equal(
        byId.get('gateway-api-crd.crds-installed')?.error,
        'the httproutes.gateway.networking.k8s.io CRD serves v1beta1, v1alpha2 but not v1; upgrade to Gateway API v1.1.1 or later\nthe grpcroutes.gateway.networking.k8s.io CRD serves v1alpha2 but not v1; upgrade to Gateway API v1.1.1 or later',
      )
    })
    await withSim(healthyWith({gatewayApi: 'linkerd'}), async (sim) => {
      const {byId} = await checkJson(sim, '--only', 'gateway-api-crd')
      assert.equal(byId.get('gateway-api-crd.crds-installed')?.detail, 'installed by Linkerd (linkerd/helm edge-26.8.3) (Gateway API v1.1.1)')
    })
  })

  test('cluster networks: node ranges, pod IPs and service IPs outside clusterNetworks are named', async () => {
    await withSim(healthyWith({}, {clusterNetworks: '10.42.0.0/16'}), async (sim) => {
      const {code, byId} = await checkJson(sim)
      assert.equal(code, 1)
      assert.equal(byId.get('linkerd-existence.cluster-networks-node-cidrs')?.result, 'success')
      assert.equal(byId.get('linkerd-existence.cluster-networks-pods')?.result, 'success')
      const services = byId.get('linkerd-existence.cluster-networks-services')
      assert.equal(services?.result, 'error')
      assert.match(services?.error ?? '', /^the Linkerd clusterNetworks \[10\.42\.0\.0\/16\] do not include \d+ services?:\n\t\* service\/\S+ in \S+ \(10\.43\.\d+\.\d+\)/)
      assert.match(services?.error ?? '', /service\/web in emojivoto/)
    })
    await withSim(healthyWith({}, {clusterNetworks: '10.43.0.0/16'}), async (sim) => {
      const {byId} = await checkJson(sim)
      assert.match(byId.get('linkerd-existence.cluster-networks-node-cidrs')?.error ?? '', /node\/sim-node-0 \(10\.42\.0\.0\/24\)\n\t\* node\/sim-node-1 \(10\.42\.1\.0\/24\)\nTry installing linkerd via --set clusterNetworks="10\.42\.0\.0\/24\\,10\.42\.1\.0\/24"$/)
      const web = sim.cluster.podsOf('emojivoto', 'web')[0]
      assert.ok(web)
      assert.match(byId.get('linkerd-existence.cluster-networks-pods')?.error ?? '', new RegExp(`pod/${web.name} in emojivoto \\(${web.ip?.replaceAll('.', '\\.')}\\)`))
      assert.equal(byId.get('linkerd-existence.cluster-networks-services')?.result, 'success')
    })
  })
  test('issuer chain: an issuer signed by an intermediate passes with the intermediate in tls.crt, fails without it', async () => {
    await withSim(healthyWith({}, {issuerIntermediate: 'bundled'}), async (sim) => {
      const {code, byId} = await checkJson(sim, '--only', 'linkerd-identity')
      assert.equal(code, 0)
      const chained = byId.get('linkerd-identity.issuer-cert-signed-by-anchor')
      assert.equal(chained?.result, 'success')
      assert.equal(chained?.detail, 'through intermediate.linkerd.cluster.local')
      assert.equal(byId.get('linkerd-identity.cert-config-valid')?.result, 'success')
    })
    await withSim(healthyWith({}, {issuerIntermediate: 'missing'}), async (sim) => {
      const {code, byId} = await checkJson(sim, '--only', 'linkerd-identity')
      assert.equal(code, 1)
      assert.equal(
        byId.get('linkerd-identity.issuer-cert-signed-by-anchor')?.error,
        'issuer in secret/linkerd-identity-issuer in linkerd (tls.crt): certificate identity.linkerd.cluster.local is not signed by the trust anchor in secret/linkerd-identity-issuer in linkerd (ca.crt)',
      )
    })
  })
  test('--pre: an existing control-plane namespace fails even when empty, as in Linkerd', async () => {
    await withSim({name: 'empty-ns', namespaces: [{name: 'linkerd', workloads: []}]}, async (sim) => {
      const {code, byId} = await checkJson(sim, '--pre')
      assert.equal(code, 1)
      assert.match(byId.get('pre-kubernetes-setup.namespace-absent')?.error ?? '', /^The "linkerd" namespace already exists \(it is empty: .*--skip pre-kubernetes-setup\.namespace-absent\)$/)
      const elsewhere = await checkJson(sim, '--pre', '-L', 'linkerd-next')
      assert.equal(elsewhere.code, 0)
      assert.equal(elsewhere.byId.get('pre-kubernetes-setup.namespace-absent')?.result, 'success')
    })
  })
  test('linkerd-ha-checks: an HA install with one available replica warns and names the Deployments', async () => {
    const healthyRun = await checkJson(healthy, '--only', 'linkerd-ha-checks')
    assert.equal(healthyRun.byId.get('linkerd-ha-checks.control-plane-replicas')?.result, 'skipped')
    await withSim(healthyWith({}, {highAvailability: true}), async (sim) => {
      const {code, byId} = await checkJson(sim, '--only', 'linkerd-ha-checks')
      assert.equal(code, 0)
      assert.equal(byId.get('linkerd-ha-checks.control-plane-replicas')?.result, 'success')
    })
    await withSim(healthyWith({}, {highAvailability: true, replicas: 1}), async (sim) => {
      const {code, byId} = await checkJson(sim, '--only', 'linkerd-ha-checks', '--fail-on', 'warning')
      assert.equal(code, 1)
      const ha = byId.get('linkerd-ha-checks.control-plane-replicas')
      assert.equal(ha?.result, 'warning')
      assert.match(ha?.error ?? '', /deployment\/linkerd-destination has 1 available replica \(of 1\)\n\t\* deployment\/linkerd-identity has 1/)
    })
  })
  test('linkerd-cni-plugin: checked when linkerd-config enables CNI, in --cni-namespace', async () => {
    const ids = ['config-map-exists', 'cluster-role-exists', 'cluster-role-binding-exists', 'service-account-exists', 'daemon-set-exists', 'pods-ready'].map((c) => `linkerd-cni-plugin.${c}`)
    await withSim(healthyWith({}, {cni: {namespace: 'cni-system'}}), async (sim) => {
      const ok = await checkJson(sim, '--only', 'linkerd-cni-plugin', '--cni-namespace', 'cni-system')
      assert.equal(ok.code, 0)
      for (const id of ids) assert.equal(ok.byId.get(id)?.result, 'success', id)
      const wrong = await checkJson(sim, '--only', 'linkerd-cni-plugin')
      assert.equal(wrong.code, 1)
      assert.equal(wrong.byId.get('linkerd-cni-plugin.daemon-set-exists')?.error, 'missing DaemonSet: linkerd-cni in linkerd-cni')
    })
    await withSim(healthyWith({}, {cni: {daemonSet: 'notReady'}}), async (sim) => {
      const {code, byId} = await checkJson(sim, '--only', 'linkerd-cni-plugin')
      assert.equal(code, 1)
      const ready = byId.get('linkerd-cni-plugin.pods-ready')
      assert.match(ready?.error ?? '', /^number ready: 0, number scheduled: 2:\n\t\* pod\/linkerd-cni-\S+ in linkerd-cni on node sim-node-\d is not ready/)
      assert.equal(byId.get('linkerd-cni-plugin.config-map-exists')?.result, 'success')
    })
  })
  test('data-plane metadata: Linkerd keys in the wrong place and opaque-ports mismatches warn', async () => {
    const healthyRun = await checkJson(healthy, '--proxy', '--only', 'data-plane')
    for (const id of ['pod-labels', 'service-labels', 'service-annotations', 'opaque-ports-annotated']) assert.equal(healthyRun.byId.get(`data-plane.${id}`)?.result, 'success', id)
    const shop = {
      name: 'shop',
      annotations: {'linkerd.io/inject': 'enabled'},
      workloads: [
        {name: 'web', labels: {'config.linkerd.io/skip-inbound-ports': '9000'}, serviceLabels: {'linkerd.io/inject': 'enabled'}, serviceAnnotations: {'mirror.linkerd.io/exported': 'true'}, containers: [{name: 'web', ports: [8080]}]},
        {name: 'db', annotations: {'config.linkerd.io/opaque-ports': '3306'}, containers: [{name: 'mysql', ports: [3306]}]},
      ],
    }
    await withSim({name: 'metadata', linkerd: {namespace: 'linkerd'}, namespaces: [shop]}, async (sim) => {
      const {code, byId} = await checkJson(sim, '--proxy', '-n', 'shop', '--only', 'linkerd-data-plane')
      assert.equal(code, 0)
      const web = sim.cluster.podsOf('shop', 'web')[0]
      assert.equal(byId.get('data-plane.pod-labels')?.error, `Some labels on data plane pods should be annotations:\n\t* pod/${web?.name} in shop: config.linkerd.io/skip-inbound-ports`)
      assert.equal(byId.get('data-plane.service-labels')?.error, 'Some labels on data plane services should be annotations:\n\t* service/web in shop: linkerd.io/inject')
      assert.equal(byId.get('data-plane.service-annotations')?.error, 'Some annotations on data plane services should be labels:\n\t* service/web in shop: mirror.linkerd.io/exported')
      assert.equal(byId.get('data-plane.opaque-ports-annotated')?.error, '1 Service/pod opaque-ports mismatch(es):\n\t* service db targets the opaque port 3306 through 3306; add 3306 to its config.linkerd.io/opaque-ports annotation')
      const alias = await checkJson(sim, '--proxy', '-n', 'shop', '--only', 'linkerd-opaque-ports-definition')
      assert.deepEqual([...alias.byId.keys()], ['data-plane.opaque-ports-annotated'])
    })
  })
  test('linkerd-extension-checks: a label on two namespaces, or extension pods in an unlabelled one', async () => {
    assert.equal((await checkJson(healthy)).byId.get('linkerd-extension-checks.namespace-labels')?.result, 'success')
    const namespaces = [
      {name: 'viz-a', labels: {'linkerd.io/extension': 'viz'}},
      {name: 'viz-b', labels: {'linkerd.io/extension': 'viz'}},
      {name: 'tracing', workloads: [{name: 'collector', labels: {'linkerd.io/extension': 'jaeger'}}]},
    ]
    await withSim({name: 'extensions', linkerd: {namespace: 'linkerd'}, namespaces}, async (sim) => {
      const {code, byId} = await checkJson(sim, '--only', 'linkerd-extension-checks')
      assert.equal(code, 0)
      const check = byId.get('linkerd-extension-checks.namespace-labels')
      assert.equal(check?.result, 'warning')
      assert.match(check?.error ?? '', /label "linkerd\.io\/extension=viz" is present on more than one namespace:\n\t\t\* viz-a\n\t\t\* viz-b\n/)
      assert.match(check?.error ?? '', /namespace tracing holds pods of the jaeger extension but is not labelled/)
    })
  })

  test('--crds: passes on an installed cluster, names the missing CRDs on a bare one (retried under --wait)', async () => {
    const ok = await checkJson(healthy, '--crds')
    assert.equal(ok.code, 0)
    assert.deepEqual(ok.report.categories.map((c) => c.id), ['kubernetes-api', 'kubernetes-version', 'gateway-api-crd', 'linkerd-crd'])
    await withSim({name: 'bare', namespaces: []}, async (sim) => {
      const started = Date.now()
      const {code, byId} = await checkJson(sim, '--crds', '--wait', '2s')
      assert.equal(code, 1)
      assert.ok(Date.now() - started >= 2000, 'retried until --wait ran out')
      assert.match(byId.get('linkerd-crd.crds-exist')?.error ?? '', /^missing authorizationpolicies\.policy\.linkerd\.io\n.*missing serviceprofiles\.linkerd\.io$/s)
      assert.equal((await runCli(['check', '--crds', '--pre'])).code, 2)
    })
  })
  test('proxy-init-run-as-root: nodes on the docker runtime need proxyInit.runAsRoot', async () => {
    assert.equal((await checkJson(healthy, '--only', 'linkerd-config')).byId.get('linkerd-config.proxy-init-run-as-root')?.result, 'success')
    await withSim(healthyWith({containerRuntime: 'docker://24.0.7'}), async (sim) => {
      const {code, byId} = await checkJson(sim, '--only', 'linkerd-config')
      assert.equal(code, 1)
      assert.match(byId.get('linkerd-config.proxy-init-run-as-root')?.error ?? '', /^there are nodes using the docker container runtime and proxy-init container must run as root user \(node\/sim-node-0, node\/sim-node-1\)\./)
    })
  })
})
