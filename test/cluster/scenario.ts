// A scenario declares a simulated cluster and its ground truth (docs/simulated-cluster.md).
// This module reads and checks the YAML and fills in defaults; build.ts turns it into objects.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {parse} from 'yaml'

import {GATEWAY_API_MODES, type GatewayApiMode} from './gateway-api.js'
import {parseMulticluster, type MulticlusterSpec} from './multicluster.js'

export const FAULTS = ['proxyNotReady', 'adminUnreachable', 'adminDeniesApiServer', 'metricsGarbage', 'counterReset', 'podPending', 'podCrashLooping'] as const
export type Fault = (typeof FAULTS)[number]
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'] as const
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number]
export type ComponentState = 'ready' | 'notReady'

export interface Latency {
  p50: number
  p95: number
  p99: number
}

export interface Traffic {
  /** Workloads (`name` in the same namespace or `ns/name`) that send this traffic; their pods get the outbound series. */
  clients: string[]
  latencyMs: Latency
  /** `grpc`: responses are HTTP 200 with grpc-status 0, failures grpc-status 14 (Unavailable). */
  protocol: 'http' | 'grpc'
  requestBytes: number
  responseBytes: number
  rps: number
  successRate: number
  tcpConnections: number
}

export interface ContainerSpec {
  name: string
  ports: number[]
}

export interface Workload {
  annotations: Record<string, string>
  containers: ContainerSpec[]
  faults: Fault[]
  kind: WorkloadKind
  labels: Record<string, string>
  meshed: boolean
  name: string
  replicas: number
  serviceAccount: string
  /** Annotations and labels on the workload's Service (beside its selector's). */
  serviceAnnotations: Record<string, string>
  serviceLabels: Record<string, string>
  traffic: Traffic | undefined
}

export interface NamespaceSpec {
  annotations: Record<string, string>
  labels: Record<string, string>
  name: string
  workloads: Workload[]
}

export interface CniSpec {
  /** `absent` leaves the DaemonSet out; `notReady`: its pods are not ready. */
  daemonSet: 'ready' | 'notReady' | 'absent'
  namespace: string
}

export interface LinkerdSpec {
  clusterDomain: string
  /** `clusterNetworks` in linkerd-config's values (the chart default unless set). */
  clusterNetworks: string
  /** The linkerd-cni plugin (cniEnabled in the values), or none. */
  cni: CniSpec | undefined
  components: Record<string, ComponentState>
  /** The cluster-wide default inbound policy (values `proxy.defaultInboundPolicy`). */
  defaultInboundPolicy: string
  /** `highAvailability` in the values; the control-plane Deployments then default to 3 replicas. */
  highAvailability: boolean
  issuerCertValidHours: number
  /** `bundled`: the issuer is signed by an intermediate CA that follows it in tls.crt; `missing`: the intermediate is left out. */
  issuerIntermediate: 'none' | 'bundled' | 'missing'
  namespace: string
  /** Replicas of each control-plane Deployment. */
  replicas: number
  trustDomain: string
  version: string
}

function oneOf<T extends string>(value: unknown, where: string, allowed: readonly T[], fallback: T): T {
  const text = str(value, where, fallback) as T
  if (!allowed.includes(text)) throw new ScenarioError(`${where}: "${text}" is not one of ${allowed.join(', ')}`)
  return text
}

const INBOUND_POLICIES = ['all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny', 'audit'] as const

const DEFAULT_CLUSTER_NETWORKS = '10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8'

function parseCni(value: unknown): CniSpec | undefined {
  if (value === undefined || value === null || value === false) return undefined
  const raw = value === true ? {} : obj(value, 'linkerd.cni')
  const daemonSet = oneOf(raw.daemonSet, 'linkerd.cni.daemonSet', ['ready', 'notReady', 'absent'] as const, 'ready')
  return {daemonSet, namespace: dnsName(raw.namespace ?? 'linkerd-cni', 'linkerd.cni.namespace')}
}

/** Requests every user is denied (403), e.g. `{resource: secrets, verbs: [get, list], namespace: linkerd}`. */
export interface ForbiddenRule {
  namespace?: string
  resource: string
  verbs: string[]
}

/** `extensions.viz`: the viz extension as `linkerd viz install` leaves it (test/cluster/viz.ts). */
export interface VizSpec {
  components: Record<string, ComponentState>
  namespace: string
}

export const VIZ_COMPONENTS = ['metrics-api', 'prometheus', 'tap', 'tap-injector', 'web'] as const

export interface Scenario {
  /** The nodes' container runtime (status.nodeInfo.containerRuntimeVersion). */
  containerRuntime: string
  /** Linkerd extensions installed on top of the control plane. */
  extensions: {viz?: VizSpec}
  forbidden: ForbiddenRule[]
  /** Which Gateway API CRDs the cluster holds (test/cluster/gateway-api.ts). */
  gatewayApi: GatewayApiMode
  kubernetesVersion: string
  linkerd: LinkerdSpec | undefined
  /** The multicluster extension and its Links (test/cluster/multicluster.ts). */
  multicluster: MulticlusterSpec | undefined
  name: string
  namespaces: NamespaceSpec[]
  nodes: number
  /** Extra objects added verbatim (custom resources such as Rollouts or Servers, extra ConfigMaps). */
  objects: Array<Record<string, unknown>>
}

export const LINKERD_COMPONENTS = ['destination', 'identity', 'proxy-injector'] as const

export class ScenarioError extends Error {}

type Raw = Record<string, unknown>

function obj(value: unknown, where: string): Raw {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new ScenarioError(`${where}: expected a mapping`)
  return value as Raw
}
function arr(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new ScenarioError(`${where}: expected a list`)
  return value
}
function str(value: unknown, where: string, fallback?: string): string {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback
    throw new ScenarioError(`${where}: required`)
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new ScenarioError(`${where}: expected a string`)
  return String(value)
}
function num(value: unknown, where: string, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ScenarioError(`${where}: expected a number`)
  if (value < min || value > max) throw new ScenarioError(`${where}: ${value} is outside ${min}..${max}`)
  return value
}
function strMap(value: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(obj(value, where))) out[k] = str(v, `${where}.${k}`)
  return out
}
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
function dnsName(value: unknown, where: string): string {
  const name = str(value, where)
  if (!NAME.test(name) || name.length > 63) throw new ScenarioError(`${where}: "${name}" is not a valid Kubernetes name`)
  return name
}

function protocolOf(value: unknown, where: string): 'http' | 'grpc' {
  const protocol = str(value, where, 'http')
  if (protocol !== 'http' && protocol !== 'grpc') throw new ScenarioError(`${where}: expected http or grpc`)
  return protocol
}

function parseTraffic(value: unknown, where: string): Traffic | undefined {
  if (value === undefined || value === null) return undefined
  const raw = obj(value, where)
  const latency = obj(raw.latencyMs, `${where}.latencyMs`)
  const p50 = num(latency.p50, `${where}.latencyMs.p50`, 10, 0)
  const p95 = num(latency.p95, `${where}.latencyMs.p95`, Math.max(p50, 50), p50)
  const p99 = num(latency.p99, `${where}.latencyMs.p99`, Math.max(p95, 100), p95)
  return {
    clients: arr(raw.clients, `${where}.clients`).map((c, i) => str(c, `${where}.clients[${i}]`)),
    latencyMs: {p50, p95, p99},
    protocol: protocolOf(raw.protocol, `${where}.protocol`),
    requestBytes: num(raw.requestBytes, `${where}.requestBytes`, 220, 0),
    responseBytes: num(raw.responseBytes, `${where}.responseBytes`, 1400, 0),
    rps: num(raw.rps, `${where}.rps`, 0, 0),
    successRate: num(raw.successRate, `${where}.successRate`, 1, 0, 1),
    tcpConnections: Math.round(num(raw.tcpConnections, `${where}.tcpConnections`, 1, 0)),
  }
}

function parseWorkload(value: unknown, where: string): Workload {
  const raw = obj(value, where)
  const kind = str(raw.kind, `${where}.kind`, 'Deployment') as WorkloadKind
  if (!WORKLOAD_KINDS.includes(kind)) throw new ScenarioError(`${where}.kind: "${kind}" is not one of ${WORKLOAD_KINDS.join(', ')}`)
  const name = dnsName(raw.name, `${where}.name`)
  const faults = arr(raw.faults, `${where}.faults`).map((f, i) => {
    const fault = str(f, `${where}.faults[${i}]`) as Fault
    if (!FAULTS.includes(fault)) throw new ScenarioError(`${where}.faults[${i}]: "${fault}" is not one of ${FAULTS.join(', ')}`)
    return fault
  })
  const containers = arr(raw.containers, `${where}.containers`).map((c, i) => {
    const container = obj(c, `${where}.containers[${i}]`)
    return {
      name: dnsName(container.name, `${where}.containers[${i}].name`),
      ports: arr(container.ports, `${where}.containers[${i}].ports`).map((p, j) => num(p, `${where}.containers[${i}].ports[${j}]`, 0, 1, 65535)),
    }
  })
  return {
    annotations: strMap(raw.annotations, `${where}.annotations`),
    containers: containers.length > 0 ? containers : [{name, ports: [8080]}],
    faults,
    kind,
    labels: strMap(raw.labels, `${where}.labels`),
    meshed: raw.meshed === undefined ? true : raw.meshed === true,
    name,
    replicas: kind === 'Pod' ? 1 : Math.round(num(raw.replicas, `${where}.replicas`, 1, 0, 100_000)),
    serviceAccount: str(raw.serviceAccount, `${where}.serviceAccount`, name),
    serviceAnnotations: strMap(raw.serviceAnnotations, `${where}.serviceAnnotations`),
    serviceLabels: strMap(raw.serviceLabels, `${where}.serviceLabels`),
    traffic: parseTraffic(raw.traffic, `${where}.traffic`),
  }
}

const normalized = new WeakSet<object>()

/** True for what normalizeScenario returned (a raw document with the same keys is not). */
export function isNormalizedScenario(value: unknown): value is Scenario {
  return typeof value === 'object' && value !== null && normalized.has(value)
}

/** Validates a parsed scenario document and fills in every default. */
export function normalizeScenario(doc: unknown, name = 'scenario'): Scenario {
  const raw = obj(doc, name)
  let linkerd: LinkerdSpec | undefined
  if (raw.linkerd !== undefined && raw.linkerd !== null && raw.linkerd !== false) {
    const l = obj(raw.linkerd, 'linkerd')
    const components: Record<string, ComponentState> = {}
    const declared = obj(l.components, 'linkerd.components')
    for (const component of LINKERD_COMPONENTS) {
      const state = str(declared[component], `linkerd.components.${component}`, 'ready')
      if (state !== 'ready' && state !== 'notReady') throw new ScenarioError(`linkerd.components.${component}: expected ready or notReady`)
      components[component] = state
    }
    for (const key of Object.keys(declared)) {
      if (!(LINKERD_COMPONENTS as readonly string[]).includes(key)) throw new ScenarioError(`linkerd.components.${key}: unknown component`)
    }
    const highAvailability = l.highAvailability === true
    linkerd = {
      clusterDomain: str(l.clusterDomain, 'linkerd.clusterDomain', 'cluster.local'),
      clusterNetworks: str(l.clusterNetworks, 'linkerd.clusterNetworks', DEFAULT_CLUSTER_NETWORKS),
      cni: parseCni(l.cni),
      components,
      defaultInboundPolicy: oneOf(l.defaultInboundPolicy, 'linkerd.defaultInboundPolicy', INBOUND_POLICIES, 'all-unauthenticated'),
      highAvailability,
      issuerCertValidHours: num(l.issuerCertValidHours, 'linkerd.issuerCertValidHours', 8760),
      issuerIntermediate: oneOf(l.issuerIntermediate, 'linkerd.issuerIntermediate', ['none', 'bundled', 'missing'] as const, 'none'),
      namespace: dnsName(l.namespace ?? 'linkerd', 'linkerd.namespace'),
      replicas: Math.round(num(l.replicas, 'linkerd.replicas', highAvailability ? 3 : 1, 0, 100)),
      trustDomain: str(l.trustDomain, 'linkerd.trustDomain', 'cluster.local'),
      version: str(l.version, 'linkerd.version', 'edge-26.8.3'),
    }
  }
  const namespaces = arr(raw.namespaces, 'namespaces').map((n, i) => {
    const ns = obj(n, `namespaces[${i}]`)
    const nsName = dnsName(ns.name, `namespaces[${i}].name`)
    return {
      annotations: strMap(ns.annotations, `namespaces[${i}].annotations`),
      labels: strMap(ns.labels, `namespaces[${i}].labels`),
      name: nsName,
      workloads: arr(ns.workloads, `namespaces[${i}].workloads`).map((w, j) => parseWorkload(w, `${nsName}.workloads[${j}]`)),
    }
  })
  const workloads = new Set(namespaces.flatMap((ns) => ns.workloads.map((w) => `${ns.name}/${w.name}`)))
  for (const ns of namespaces) {
    for (const w of ns.workloads) {
      for (const client of w.traffic?.clients ?? []) {
        const key = client.includes('/') ? client : `${ns.name}/${client}`
        if (!workloads.has(key)) throw new ScenarioError(`${ns.name}.${w.name}.traffic.clients: no workload ${key} in the scenario`)
      }
    }
  }
  const seen = new Set<string>()
  for (const ns of namespaces) {
    if (seen.has(ns.name)) throw new ScenarioError(`namespace ${ns.name} is declared twice`)
    seen.add(ns.name)
    if (linkerd && ns.name === linkerd.namespace) throw new ScenarioError(`namespace ${ns.name} is Linkerd's own; the simulator creates it`)
    if (ns.name === linkerd?.cni?.namespace) throw new ScenarioError(`namespace ${ns.name} is linkerd-cni's; the simulator creates it`)
  }
  const forbidden = arr(raw.forbidden, 'forbidden').map((f, i) => {
    const rule = obj(f, `forbidden[${i}]`)
    const out: ForbiddenRule = {resource: str(rule.resource, `forbidden[${i}].resource`), verbs: arr(rule.verbs, `forbidden[${i}].verbs`).map((v, j) => str(v, `forbidden[${i}].verbs[${j}]`))}
    if (rule.namespace !== undefined) out.namespace = str(rule.namespace, `forbidden[${i}].namespace`)
    return out
  })
  const objects = arr(raw.objects, 'objects').map((o, i) => {
    const object = obj(o, `objects[${i}]`)
    if (typeof object.kind !== 'string' || typeof object.apiVersion !== 'string' || typeof obj(object.metadata, `objects[${i}].metadata`).name !== 'string') {
      throw new ScenarioError(`objects[${i}]: needs apiVersion, kind and metadata.name`)
    }
    return object
  })
  const gatewayApi: GatewayApiMode = oneOf(raw.gatewayApi, 'gatewayApi', GATEWAY_API_MODES, 'external')
  const multicluster = parseMulticluster(raw.multicluster, {arr, dnsName, obj, oneOf, str})
  if (multicluster) {
    if (!linkerd) throw new ScenarioError('multicluster: needs linkerd')
    if (seen.has(multicluster.namespace)) throw new ScenarioError(`namespace ${multicluster.namespace} is the multicluster extension's; the simulator creates it`)
    for (const m of [...multicluster.links.flatMap((l) => l.mirrors), ...multicluster.orphans]) {
      if (!seen.has(m.namespace)) throw new ScenarioError(`multicluster: mirror service ${m.service} is in namespace ${m.namespace}, which the scenario does not declare`)
    }
  }
  const scenario: Scenario = {
    containerRuntime: str(raw.containerRuntime, 'containerRuntime', 'containerd://1.7.27'),
    extensions: parseExtensions(raw.extensions, linkerd, namespaces),
    forbidden,
    gatewayApi,
    kubernetesVersion: str(raw.kubernetesVersion, 'kubernetesVersion', 'v1.32.4'),
    linkerd,
    multicluster,
    name: str(raw.name, 'name', name),
    namespaces,
    nodes: Math.round(num(raw.nodes, 'nodes', 2, 1, 1000)),
    objects,
  }
  normalized.add(scenario)
  return scenario
}

function componentStates(value: unknown, where: string, names: readonly string[]): Record<string, ComponentState> {
  const declared = obj(value, where)
  const out: Record<string, ComponentState> = {}
  for (const component of names) {
    const state = str(declared[component], `${where}.${component}`, 'ready')
    if (state !== 'ready' && state !== 'notReady') throw new ScenarioError(`${where}.${component}: expected ready or notReady`)
    out[component] = state
  }
  for (const key of Object.keys(declared)) if (!names.includes(key)) throw new ScenarioError(`${where}.${key}: unknown component`)
  return out
}

function parseExtensions(value: unknown, linkerd: LinkerdSpec | undefined, namespaces: NamespaceSpec[]): Scenario['extensions'] {
  const raw = obj(value, 'extensions')
  for (const key of Object.keys(raw)) if (key !== 'viz') throw new ScenarioError(`extensions.${key}: unknown extension (only viz)`)
  if (raw.viz === undefined || raw.viz === null || raw.viz === false) return {}
  if (!linkerd) throw new ScenarioError('extensions.viz: needs linkerd')
  const viz = raw.viz === true ? {} : obj(raw.viz, 'extensions.viz')
  const namespace = dnsName(viz.namespace ?? 'linkerd-viz', 'extensions.viz.namespace')
  if (namespace === linkerd.namespace || namespaces.some((n) => n.name === namespace)) throw new ScenarioError(`extensions.viz.namespace: ${namespace} is already used`)
  return {viz: {components: componentStates(viz.components, 'extensions.viz.components', VIZ_COMPONENTS), namespace}}
}

export const SCENARIO_DIR = fileURLToPath(new URL('./scenarios/', import.meta.url))

/** A bundled scenario by name (`healthy`, `broken`), a file path, or an already-parsed object. */
export function loadScenario(source: string | object): Scenario {
  if (isNormalizedScenario(source)) return source
  // Objects go through the same checks and defaults as files (a raw `forbidden` list included).
  if (typeof source === 'object') return fromDocument(source, 'scenario')
  const path = /^[a-z0-9-]+$/.test(source) ? `${SCENARIO_DIR}${source}.yaml` : source
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(err as Error).message}`)
  }
  return fromDocument(parse(text) as unknown, path)
}

function fromDocument(doc: unknown, name: string): Scenario {
  const generate = (doc as {generate?: {pods?: unknown}} | null)?.generate
  if (generate && typeof generate.pods === 'number') return scaleScenario(generate.pods)
  return normalizeScenario(doc, name)
}

/** The `scale` scenario: Linkerd plus `pods` meshed pods spread over deployments of 10 replicas. */
export function scaleScenario(pods: number): Scenario {
  const workloads: Raw[] = []
  for (let i = 0; pods > 0; i++) {
    const replicas = Math.min(10, pods)
    pods -= replicas
    workloads.push({
      containers: [{name: 'app', ports: [8080]}],
      kind: 'Deployment',
      name: `app-${i}`,
      replicas,
      traffic: {latencyMs: {p50: 5, p95: 40, p99: 90}, rps: 5, successRate: 0.99, tcpConnections: 2},
    })
  }
  return normalizeScenario(
    {
      linkerd: {namespace: 'linkerd', version: 'edge-26.8.3'},
      name: 'scale',
      namespaces: [{annotations: {'linkerd.io/inject': 'enabled'}, name: 'scale', workloads}],
      nodes: 10,
    },
    'scale',
  )
}
