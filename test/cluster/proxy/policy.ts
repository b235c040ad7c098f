// Linkerd's inbound authorization as the policy controller hands it to a proxy, for the simulated
// proxies: which Server covers a pod's port, which AuthorizationPolicy admits a client, and the
// default policy where no Server does. Decided from the scenario's policy objects
// (policy.linkerd.io Server v1beta3, AuthorizationPolicy, MeshTLSAuthentication,
// NetworkAuthentication; linkerd/linkerd2 policy-controller), independently of meshport's code:
// the simulator is the ground truth its `viz authz` is checked against.
//
// Not simulated: HTTPRoute-level authorization (targetRef kind HTTPRoute), ServerAuthorization
// (the pre-2.12 resource), per-route rate limits, TCP (opaque) authorization metrics.
import {matchesLabelSelector, type LabelSelectorObject} from '../../../src/kube/selectors.js'
import type {Labels} from './metrics-text.js'

type Json = Record<string, unknown>

/** Linkerd's default cluster networks (values.yaml `clusterNetworks`), IPv4 ones. */
export const CLUSTER_NETWORKS = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16']

export const DEFAULT_POLICIES = ['all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny', 'audit'] as const

export interface PolicyPod {
  namespace: string
  labels: Record<string, string>
  /** Container ports with their names, for Servers that name their port. */
  ports: Array<{containerPort: number; name?: string}>
  /** The pod's default inbound policy (annotation on the pod, else its namespace, else the cluster's). */
  defaultPolicy: string
  /** The cluster's networks (linkerd-config `clusterNetworks`), for the cluster-* policies. */
  clusterNetworks?: readonly string[]
}

export interface PolicyClient {
  /** mTLS identity; undefined for an unmeshed client. */
  identity: string | undefined
  /** The client's address, for NetworkAuthentication and the cluster-* defaults. */
  ip: string | undefined
}

export interface InboundPolicy {
  /** srv_group, srv_kind, srv_name (the caller adds srv_port). */
  server: Labels
  /** authz_group, authz_kind, authz_name of what admitted the client; undefined when it is denied. */
  authz: Labels | undefined
}

const GROUP = 'policy.linkerd.io'

/** A string field, or the fallback when it is missing or not a string. */
function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback
}

function meta(o: Json): {name: string; namespace: string; created: string} {
  const m = (o.metadata ?? {}) as Json
  return {created: text(m.creationTimestamp), name: text(m.name), namespace: text(m.namespace, 'default')}
}

function spec(o: Json): Json {
  return (o.spec ?? {}) as Json
}

function ofKind(objects: readonly Json[], kind: string): Json[] {
  return objects.filter((o) => o.kind === kind && text(o.apiVersion).startsWith(`${GROUP}/`))
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let value = 0
  for (const p of parts) {
    const n = Number(p)
    if (!/^\d{1,3}$/.test(p) || n > 255) return undefined
    value = value * 256 + n
  }
  return value
}

/** IPv4 CIDR containment; IPv6 networks never contain the simulator's IPv4 addresses. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = '32'] = cidr.split('/')
  const address = ipv4(ip)
  const network = ipv4(base)
  const bits = Number(bitsText)
  if (address === undefined || network === undefined || !(bits >= 0 && bits <= 32)) return false
  const size = 2 ** (32 - bits)
  return Math.floor(address / size) === Math.floor(network / size)
}

/** `<sa>.<ns>.serviceaccount.identity.…` → its service account and namespace. */
function identityParts(identity: string): {serviceAccount: string; namespace: string} | undefined {
  const match = /^([^.]+)\.([^.]+)\.serviceaccount\.identity\./.exec(identity)
  return match ? {namespace: match[2] as string, serviceAccount: match[1] as string} : undefined
}

function identityMatches(pattern: string, identity: string): boolean {
  if (pattern === '*') return true
  if (pattern.startsWith('*.')) return identity.endsWith(pattern.slice(1))
  return pattern === identity
}

/** Does a MeshTLSAuthentication admit this identity? */
function meshTlsAdmits(authn: Json, identity: string | undefined): boolean {
  if (identity === undefined) return false
  const s = spec(authn)
  const own = meta(authn).namespace
  if (((s.identities ?? []) as string[]).some((p) => identityMatches(p, identity))) return true
  const parts = identityParts(identity)
  return ((s.identityRefs ?? []) as Json[]).some((ref) => {
    if (!parts) return false
    const namespace = text(ref.namespace, own)
    if (ref.kind === 'ServiceAccount') return (ref.name === '*' || ref.name === parts.serviceAccount) && namespace === parts.namespace
    if (ref.kind === 'Namespace') return ref.name === '*' || ref.name === parts.namespace
    return false
  })
}

/** Does a NetworkAuthentication admit this address? */
function networkAdmits(authn: Json, ip: string | undefined): boolean {
  if (ip === undefined) return false
  return ((spec(authn).networks ?? []) as Json[]).some((n) => inCidr(ip, text(n.cidr)) && !((n.except ?? []) as string[]).some((e) => inCidr(ip, e)))
}

/** Whether a default policy admits the client. */
export function defaultAdmits(policy: string, client: PolicyClient, networks: readonly string[] = CLUSTER_NETWORKS): boolean {
  const inCluster = client.ip !== undefined && networks.some((n) => inCidr(client.ip as string, n))
  switch (policy) {
    case 'all-unauthenticated':
    case 'audit':
      return true
    case 'all-authenticated':
      return client.identity !== undefined
    case 'cluster-unauthenticated':
      return inCluster
    case 'cluster-authenticated':
      return inCluster && client.identity !== undefined
    default:
      return false
  }
}

/** The Server that covers the pod's port: the oldest one when several do (Linkerd flags the others). */
export function serverFor(objects: readonly Json[], pod: PolicyPod, port: number): Json | undefined {
  const names = new Set(pod.ports.filter((p) => p.containerPort === port && p.name).map((p) => p.name as string))
  const matching = ofKind(objects, 'Server').filter((server) => {
    const s = spec(server)
    if (meta(server).namespace !== pod.namespace) return false
    if (!matchesLabelSelector(s.podSelector as LabelSelectorObject | undefined, pod.labels)) return false
    return typeof s.port === 'number' ? s.port === port : names.has(String(s.port))
  })
  return matching.sort((a, b) => (meta(a).created < meta(b).created ? -1 : meta(a).created > meta(b).created ? 1 : meta(a).name < meta(b).name ? -1 : 1))[0]
}

function admittedBy(objects: readonly Json[], policy: Json, client: PolicyClient): boolean {
  const own = meta(policy).namespace
  const refs = (spec(policy).requiredAuthenticationRefs ?? []) as Json[]
  return refs.every((ref) => {
    const namespace = text(ref.namespace, own)
    const named = (kind: string): Json | undefined => ofKind(objects, kind).find((o) => meta(o).name === ref.name && meta(o).namespace === namespace)
    if (ref.kind === 'MeshTLSAuthentication') {
      const authn = named('MeshTLSAuthentication')
      return authn !== undefined && meshTlsAdmits(authn, client.identity)
    }
    if (ref.kind === 'NetworkAuthentication') {
      const authn = named('NetworkAuthentication')
      return authn !== undefined && networkAdmits(authn, client.ip)
    }
    if (ref.kind === 'ServiceAccount') {
      const parts = client.identity === undefined ? undefined : identityParts(client.identity)
      return parts !== undefined && parts.serviceAccount === ref.name && parts.namespace === namespace
    }
    return false
  })
}

/** What the pod's proxy decides for a client on a port. */
export function inboundPolicy(objects: readonly Json[], pod: PolicyPod, port: number, client: PolicyClient): InboundPolicy {
  const server = serverFor(objects, pod, port)
  if (!server) {
    const name = pod.defaultPolicy
    return {
      authz: defaultAdmits(name, client, pod.clusterNetworks) ? [['authz_group', ''], ['authz_kind', 'default'], ['authz_name', name]] : undefined,
      server: [['srv_group', ''], ['srv_kind', 'default'], ['srv_name', name]],
    }
  }
  const {name: serverName, namespace} = meta(server)
  const serverLabels: Labels = [['srv_group', GROUP], ['srv_kind', 'server'], ['srv_name', serverName]]
  const policies = ofKind(objects, 'AuthorizationPolicy')
    .filter((p) => {
      const target = (spec(p).targetRef ?? {}) as Json
      if (meta(p).namespace !== namespace) return false
      if (target.kind === 'Server') return (target.group ?? GROUP) === GROUP && target.name === serverName
      // A Namespace target means every Server of the policy's own namespace (its name is not read).
      return target.kind === 'Namespace'
    })
    .sort((a, b) => (meta(a).name < meta(b).name ? -1 : 1))
  const admitting = policies.find((p) => admittedBy(objects, p, client))
  if (admitting) return {authz: [['authz_group', GROUP], ['authz_kind', 'authorizationpolicy'], ['authz_name', meta(admitting).name]], server: serverLabels}
  // A v1beta3 Server's accessPolicy applies to clients no AuthorizationPolicy admits (default deny).
  const access = text(spec(server).accessPolicy, 'deny')
  return {authz: defaultAdmits(access, client, pod.clusterNetworks) ? [['authz_group', ''], ['authz_kind', 'default'], ['authz_name', access]] : undefined, server: serverLabels}
}
