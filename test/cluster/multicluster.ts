// The multicluster extension for scenarios with a `multicluster` key: the extension's namespace,
// the Link CRD, and per Link what `linkerd multicluster link` and the service mirror leave in the
// source cluster: the Link, its credentials Secret (a kubeconfig for a second simulated API
// server, which SimulatedCluster starts first), RBAC, the controller Deployment (meshed, its
// admin port serving gateway_alive), the probe Service, the Lease of the lead controller, and
// mirror Services with or without endpoints.
//
//   multicluster:
//     namespace: linkerd-multicluster
//     links:
//     - name: east                 # the target cluster's name
//       credentials: valid         # badToken | unreachable | forbidden (the remote denies Services)
//       trustAnchor: shared        # other: the remote cluster has its own trust anchor
//       controller: ready          # notReady | absent | legacy (a pre-chart service-mirror Deployment)
//       gateway: alive             # down (probes fail: gateway_alive 0) | none (linked without a gateway)
//       rbac: complete             # missing: the controller's Role is absent
//       version: edge-26.8.3       # the CLI version in the Link's linkerd.io/created-by
//       mirrors: [{service: web, namespace: emojivoto, endpoints: true}]
//     orphans: [{service: web, namespace: emojivoto, cluster: west}]   # mirrors of no Link
import {timestamp, uid} from './names.js'

type Json = Record<string, unknown>
type Raw = Record<string, unknown>

export interface MirrorSpec {
  endpoints: boolean
  namespace: string
  service: string
}

export interface LinkSpec {
  controller: 'ready' | 'notReady' | 'absent' | 'legacy'
  credentials: 'valid' | 'badToken' | 'unreachable' | 'forbidden'
  gateway: 'alive' | 'down' | 'none'
  mirrors: MirrorSpec[]
  name: string
  rbac: 'complete' | 'missing'
  trustAnchor: 'shared' | 'other'
  version: string | undefined
}

export interface MulticlusterSpec {
  links: LinkSpec[]
  namespace: string
  orphans: Array<MirrorSpec & {cluster: string}>
}

/** Validation helpers of scenario.ts, handed in to keep one error style. */
export interface Parsers {
  arr(value: unknown, where: string): unknown[]
  dnsName(value: unknown, where: string): string
  obj(value: unknown, where: string): Raw
  oneOf<T extends string>(value: unknown, where: string, allowed: readonly T[], fallback: T): T
  str(value: unknown, where: string, fallback?: string): string
}

export function parseMulticluster(value: unknown, p: Parsers): MulticlusterSpec | undefined {
  if (value === undefined || value === null || value === false) return undefined
  const raw = p.obj(value, 'multicluster')
  const mirror = (m: unknown, where: string): MirrorSpec => {
    const r = p.obj(m, where)
    return {endpoints: r.endpoints !== false, namespace: p.dnsName(r.namespace, `${where}.namespace`), service: p.dnsName(r.service, `${where}.service`)}
  }
  const links = p.arr(raw.links, 'multicluster.links').map((l, i): LinkSpec => {
    const where = `multicluster.links[${i}]`
    const r = p.obj(l, where)
    return {
      controller: p.oneOf(r.controller, `${where}.controller`, ['ready', 'notReady', 'absent', 'legacy'] as const, 'ready'),
      credentials: p.oneOf(r.credentials, `${where}.credentials`, ['valid', 'badToken', 'unreachable', 'forbidden'] as const, 'valid'),
      gateway: p.oneOf(r.gateway, `${where}.gateway`, ['alive', 'down', 'none'] as const, 'alive'),
      mirrors: p.arr(r.mirrors, `${where}.mirrors`).map((m, j) => mirror(m, `${where}.mirrors[${j}]`)),
      name: p.dnsName(r.name, `${where}.name`),
      rbac: p.oneOf(r.rbac, `${where}.rbac`, ['complete', 'missing'] as const, 'complete'),
      trustAnchor: p.oneOf(r.trustAnchor, `${where}.trustAnchor`, ['shared', 'other'] as const, 'shared'),
      version: r.version === undefined ? undefined : p.str(r.version, `${where}.version`),
    }
  })
  const orphans = p.arr(raw.orphans, 'multicluster.orphans').map((o, i) => ({...mirror(o, `multicluster.orphans[${i}]`), cluster: p.dnsName(p.obj(o, `multicluster.orphans[${i}]`).cluster, `multicluster.orphans[${i}].cluster`)}))
  return {links, namespace: p.dnsName(raw.namespace ?? 'linkerd-multicluster', 'multicluster.namespace'), orphans}
}

/** The scenario of a Link's target cluster: Linkerd and nothing else. */
export function remoteScenario(link: LinkSpec, linkerdVersion: string): object {
  return {
    forbidden: link.credentials === 'forbidden' ? [{resource: 'services', verbs: ['get', 'list', 'watch']}] : [],
    linkerd: {namespace: 'linkerd', version: linkerdVersion},
    name: `remote-${link.name}`,
    namespaces: [],
  }
}

export const CONTROLLER_ADMIN_PORT = 9999
const GATEWAY_IP = '172.20.0.10'
const EXTENSION = {'linkerd.io/extension': 'multicluster'}

/** What one Link's controller Deployment is, for build.ts to create with its pods. */
export interface ControllerWorkload {
  component: 'controller' | 'service-mirror'
  link: LinkSpec
  name: string
  serviceAccount: string
}

export function controllerWorkload(link: LinkSpec): ControllerWorkload | undefined {
  if (link.controller === 'absent') return undefined
  const legacy = link.controller === 'legacy'
  return {component: legacy ? 'service-mirror' : 'controller', link, name: legacy ? `linkerd-service-mirror-${link.name}` : `controller-${link.name}`, serviceAccount: legacy ? `linkerd-service-mirror-${link.name}` : `controller-${link.name}`}
}

/** The controller's /metrics on its admin port: the gateway probe gauge per target. */
export function controllerMetrics(link: LinkSpec): string {
  if (link.gateway === 'none') return '# EOF\n'
  const value = link.gateway === 'alive' ? 1 : 0
  return `# HELP gateway_alive A gauge which is 1 if the gateway is alive and 0 if it is not.\n# TYPE gateway_alive gauge\ngateway_alive{gateway_name="linkerd-gateway",gateway_namespace="linkerd-multicluster",target_cluster_name="${link.name}"} ${value}\n# EOF\n`
}

/** A kubeconfig for a target no simulator serves (in-memory builds without running remotes). */
const unservedKubeconfig = (target: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: ${target}\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: ${target}\n  context: {cluster: ${target}, user: ${target}}\ncurrent-context: ${target}\nusers:\n- name: ${target}\n  user: {token: none}\n`

export interface LinkRuntime {
  /** The kubeconfig of the target cluster's simulated API server, as the credentials Secret holds it (none: a cluster nothing serves). */
  kubeconfig: string | undefined
  /** The lead controller pod (the Lease holder), when the controller runs. */
  leader: string | undefined
}

export function multiclusterObjects(spec: MulticlusterSpec, linkerdVersion: string, runtimes: ReadonlyMap<string, LinkRuntime>, created: number, serviceIp: () => string): Json[] {
  const ns = spec.namespace
  const meta = (name: string, namespace: string | undefined, extra: Json = {}): Json => ({creationTimestamp: timestamp(created), name, ...(namespace ? {namespace} : {}), resourceVersion: '1', uid: uid(`${namespace ?? ''}/${name}/multicluster`), ...extra})
  const objects: Json[] = [
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: meta('links.multicluster.linkerd.io', undefined, {labels: {...EXTENSION}}),
      spec: {
        group: 'multicluster.linkerd.io',
        names: {kind: 'Link', listKind: 'LinkList', plural: 'links', singular: 'link'},
        scope: 'Namespaced',
        versions: ['v1alpha1', 'v1alpha2', 'v1alpha3'].map((v) => ({name: v, schema: {openAPIV3Schema: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}}, served: true, storage: v === 'v1alpha3'})),
      },
      status: {acceptedNames: {kind: 'Link', plural: 'links'}, conditions: [{lastTransitionTime: timestamp(created), status: 'True', type: 'Established'}], storedVersions: ['v1alpha3']},
    },
    {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta('linkerd-multicluster-controller-access-local-resources', undefined, {labels: {...EXTENSION, component: 'controller'}}), rules: [{apiGroups: [''], resources: ['endpoints', 'services'], verbs: ['list', 'get', 'watch', 'create', 'delete', 'update']}]},
  ]
  const mirrorService = (m: MirrorSpec, cluster: string): Json[] => {
    const name = `${m.service}-${cluster}`
    const labels = {'mirror.linkerd.io/cluster-name': cluster, 'mirror.linkerd.io/mirrored-service': 'true'}
    return [
      {apiVersion: 'v1', kind: 'Service', metadata: meta(name, m.namespace, {annotations: {'mirror.linkerd.io/remote-svc-fq-name': `${m.service}.${m.namespace}.svc.cluster.local`}, labels}), spec: {clusterIP: serviceIp(), ports: [{name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080}], type: 'ClusterIP'}},
      {apiVersion: 'v1', kind: 'Endpoints', metadata: meta(name, m.namespace, {labels}), subsets: m.endpoints ? [{addresses: [{ip: GATEWAY_IP}], ports: [{name: 'http', port: 4143, protocol: 'TCP'}]}] : []},
    ]
  }
  for (const link of spec.links) {
    const target = link.name
    const labels = {...EXTENSION, component: 'controller', 'mirror.linkerd.io/cluster-name': target}
    const runtime = runtimes.get(target)
    const secret = `cluster-credentials-${target}`
    objects.push({
      apiVersion: 'multicluster.linkerd.io/v1alpha3',
      kind: 'Link',
      metadata: meta(target, ns, {annotations: {'linkerd.io/created-by': `linkerd/cli ${link.version ?? linkerdVersion}`}, labels: {...EXTENSION}}),
      spec: {
        clusterCredentialsSecret: secret,
        gatewayAddress: link.gateway === 'none' ? '' : GATEWAY_IP,
        gatewayIdentity: link.gateway === 'none' ? '' : `linkerd-gateway.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local`,
        gatewayPort: link.gateway === 'none' ? '' : '4143',
        probeSpec: link.gateway === 'none' ? {} : {failureThreshold: '3', path: '/ready', period: '3s', port: '4191', timeout: '30s'},
        selector: {matchLabels: {'mirror.linkerd.io/exported': 'true'}},
        targetClusterDomain: 'cluster.local',
        targetClusterLinkerdNamespace: 'linkerd',
        targetClusterName: target,
      },
    })
    objects.push({apiVersion: 'v1', data: {kubeconfig: Buffer.from(runtime?.kubeconfig ?? unservedKubeconfig(target)).toString('base64')}, kind: 'Secret', metadata: meta(secret, ns, {labels: {...EXTENSION}}), type: 'mirror.linkerd.io/remote-kubeconfig'})
    const controller = controllerWorkload(link)
    const account = controller?.serviceAccount ?? `controller-${target}`
    objects.push({apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(account, ns, {labels})})
    objects.push({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(`linkerd-multicluster-controller-access-local-resources-${target}`, undefined, {labels}), roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'linkerd-multicluster-controller-access-local-resources'}, subjects: [{kind: 'ServiceAccount', name: account, namespace: ns}]})
    if (link.rbac === 'complete') objects.push({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(`controller-read-remote-creds-${target}`, ns, {labels}), rules: [{apiGroups: [''], resourceNames: [secret], resources: ['secrets'], verbs: ['list', 'get', 'watch']}]})
    objects.push({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(`controller-read-remote-creds-${target}`, ns, {labels}), roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `controller-read-remote-creds-${target}`}, subjects: [{kind: 'ServiceAccount', name: account, namespace: ns}]})
    if (link.gateway !== 'none') {
      const probeLabels = {...EXTENSION, 'mirror.linkerd.io/cluster-name': target, 'mirror.linkerd.io/mirrored-gateway': 'true'}
      objects.push({apiVersion: 'v1', kind: 'Service', metadata: meta(`probe-${target}`, ns, {labels: probeLabels}), spec: {clusterIP: serviceIp(), ports: [{name: 'mc-probe', port: 4191, protocol: 'TCP', targetPort: 4191}], type: 'ClusterIP'}})
      objects.push({apiVersion: 'v1', kind: 'Endpoints', metadata: meta(`probe-${target}`, ns, {labels: probeLabels}), subsets: [{addresses: [{ip: GATEWAY_IP}], ports: [{name: 'mc-probe', port: 4191, protocol: 'TCP'}]}]})
    }
    if (runtime?.leader) {
      objects.push({apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta(`service-mirror-write-${target}`, ns, {labels}), spec: {acquireTime: `${timestamp(created)}`, holderIdentity: runtime.leader, leaseDurationSeconds: 30, leaseTransitions: 0, renewTime: timestamp(Date.now())}})
    }
    for (const m of link.mirrors) objects.push(...mirrorService(m, target))
  }
  for (const o of spec.orphans) objects.push(...mirrorService(o, o.cluster))
  return objects
}
