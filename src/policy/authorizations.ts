// Which policy objects apply to a workload's pods, with Linkerd's rules (linkerd/linkerd2
// pkg/k8s/policy.go AuthorizationsForResource, the policy controller's targets): a Server selects
// pods by `podSelector` and one port by number or container port name; an AuthorizationPolicy
// admits clients to a Server it targets, to every Server of its namespace (a Namespace target),
// or to an HTTPRoute whose parent is such a Server; a ServerAuthorization names its Server or
// selects Servers by label. Ports no Server covers get the pod's default policy. Pure.
import {matchesLabelSelector, type LabelSelectorObject} from '../kube/selectors.js'
import type {CustomObject} from '../kube/types.js'
import {ANNOTATION, CONTAINER} from '../mesh/names.js'
import {POLICY_GROUP, type PolicyObjects} from './objects.js'

interface PortLike {
  containerPort?: number
  name?: string
}
interface ContainerLike {
  name: string
  ports?: PortLike[] | null
}
export interface PolicyPodLike {
  metadata?: {name?: string; namespace?: string; labels?: Record<string, string> | null; annotations?: Record<string, string> | null} | null
  spec?: {containers?: ContainerLike[] | null; initContainers?: ContainerLike[] | null} | null
}

/** One way a client may be admitted to the pods, as `linkerd authz` lists it. */
export interface Authorization {
  /** The HTTPRoute the authorization is scoped to; '' for every route of the Server. */
  route: string
  server: string
  authorizationPolicy: string
  serverAuthorization: string
}

const nameOf = (o: CustomObject): string => o.metadata?.name ?? ''
const namespaceOf = (o: CustomObject): string => o.metadata?.namespace ?? ''
const specOf = (o: CustomObject): Record<string, unknown> => (o.spec ?? {}) as Record<string, unknown>

function containerPorts(pod: PolicyPodLike, appOnly: boolean): PortLike[] {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
  return containers.filter((c) => !appOnly || (c.name !== CONTAINER.proxy && c.name !== CONTAINER.init)).flatMap((c) => c.ports ?? [])
}

/** The pod's container ports a Server covers (none when it does not select the pod). */
export function coveredPorts(server: CustomObject, pod: PolicyPodLike): number[] {
  const spec = specOf(server)
  if (namespaceOf(server) !== (pod.metadata?.namespace ?? '') || spec.podSelector === undefined || spec.podSelector === null) return []
  if (!matchesLabelSelector(spec.podSelector, pod.metadata?.labels)) return []
  const port = spec.port
  return containerPorts(pod, false)
    .filter((p) => (typeof port === 'number' ? p.containerPort === port : typeof port === 'string' && p.name === port))
    .map((p) => p.containerPort as number)
}

/** Servers that select any of the pods on one of their ports. */
export function serversFor(pods: readonly PolicyPodLike[], servers: readonly CustomObject[]): CustomObject[] {
  return servers.filter((server) => pods.some((pod) => coveredPorts(server, pod).length > 0))
}

/** The application ports of a pod that no Server covers: the default policy decides there. */
export function uncoveredPorts(pod: PolicyPodLike, servers: readonly CustomObject[]): number[] {
  const covered = new Set(servers.flatMap((s) => coveredPorts(s, pod)))
  const ports = containerPorts(pod, true)
    .map((p) => p.containerPort)
    .filter((p): p is number => typeof p === 'number' && !covered.has(p))
  return [...new Set(ports)].sort((a, b) => a - b)
}

function targetRef(o: CustomObject): {group: string; kind: string; name: string} {
  const ref = (specOf(o).targetRef ?? {}) as Record<string, unknown>
  const text = (value: unknown): string => (typeof value === 'string' ? value : '')
  return {group: text(ref.group), kind: text(ref.kind), name: text(ref.name)}
}

/** Every authorization that admits clients to these pods, as `linkerd authz TYPE/NAME` lists them. */
export function authorizationsFor(pods: readonly PolicyPodLike[], objects: PolicyObjects): Authorization[] {
  const selected = new Set(serversFor(pods, objects.servers))
  const serversIn = (namespace: string): CustomObject[] => [...selected].filter((s) => namespaceOf(s) === namespace)
  const serverNamed = (namespace: string, name: string): CustomObject | undefined => [...selected].find((s) => namespaceOf(s) === namespace && nameOf(s) === name)
  const out: Authorization[] = []
  for (const saz of objects.serverAuthorizations) {
    const target = (specOf(saz).server ?? {}) as {name?: string; selector?: LabelSelectorObject}
    const servers = target.name ? [serverNamed(namespaceOf(saz), target.name)].filter((s) => s !== undefined) : target.selector ? serversIn(namespaceOf(saz)).filter((s) => matchesLabelSelector(target.selector, s.metadata?.labels)) : []
    for (const server of servers) out.push({authorizationPolicy: '', route: '', server: nameOf(server), serverAuthorization: nameOf(saz)})
  }
  for (const policy of objects.authorizationPolicies) {
    const ref = targetRef(policy)
    const ns = namespaceOf(policy)
    const add = (server: CustomObject, route = ''): void => void out.push({authorizationPolicy: nameOf(policy), route, server: nameOf(server), serverAuthorization: ''})
    if (ref.kind === 'Namespace' && (ref.group === '' || ref.group === 'core')) {
      for (const server of serversIn(ns)) add(server)
    } else if (ref.kind === 'Server' && ref.group === POLICY_GROUP) {
      const server = serverNamed(ns, ref.name)
      if (server) add(server)
    } else if (ref.kind === 'HTTPRoute') {
      const route = objects.httpRoutes.find((r) => namespaceOf(r) === ns && nameOf(r) === ref.name)
      const parents = (route ? ((specOf(route).parentRefs ?? []) as Array<{group?: string; kind?: string; name?: string}>) : []).filter((p) => p.kind === 'Server' && p.group === POLICY_GROUP)
      for (const parent of parents) {
        const server = serverNamed(ns, parent.name ?? '')
        if (server) add(server, ref.name)
      }
    }
  }
  return out
}

/** Where a pod's default inbound policy comes from, most specific first. */
export interface DefaultPolicy {
  policy: string
  source: 'pod' | 'namespace' | 'cluster' | 'chart'
  /** The pod's annotation is its namespace's (the injector copies config annotations onto pods). */
  sameAsNamespace?: boolean
}

/**
 * The default policy the policy controller applies to a pod's uncovered ports: the pod's
 * `config.linkerd.io/default-inbound-policy` annotation, else its namespace's, else the cluster's
 * (linkerd-config `proxy.defaultInboundPolicy`), else the chart's `all-unauthenticated`.
 */
export function defaultPolicyOf(pod: PolicyPodLike, namespaceAnnotations: Record<string, string> | null | undefined, clusterDefault: string | undefined): DefaultPolicy {
  const key = ANNOTATION.defaultInboundPolicy
  const own = pod.metadata?.annotations?.[key]
  const inherited = namespaceAnnotations?.[key]
  if (own) return {policy: own, source: 'pod', ...(own === inherited ? {sameAsNamespace: true} : {})}
  if (inherited) return {policy: inherited, source: 'namespace'}
  if (clusterDefault) return {policy: clusterDefault, source: 'cluster'}
  return {policy: 'all-unauthenticated', source: 'chart'}
}
