// What the mesh will do with a pod's traffic, resolved the way the injector resolves it: an
// injected proxy's own environment and linkerd-init's arguments are what actually runs; before
// injection the pod's config.linkerd.io annotations win over the namespace's, which win over the
// cluster's chart values, which default to Linkerd's. Every setting remembers where it came from,
// because "your override replaced the default list" is half of most fixes.
import {ANNOTATION, CONTAINER} from '../mesh/names.js'
import {PROXY_PORT_NAMES, PROXY_PORTS} from '../mesh/ports.js'
import {LINKERD_DEFAULTS} from './chart-defaults.js'
import {parsePortList, type PortList, type PortRange} from './port-list.js'
import type {ContainerLike, PodLike} from './pod-like.js'

export type SettingSource = 'proxy-env' | 'init-args' | 'pod-annotation' | 'namespace-annotation' | 'cluster-config' | 'linkerd-default'

/** injected: a proxy runs in the pod; annotated: the injector will add one; disabled/none: it will not; unknown: namespace not known (offline). */
export type MeshState = 'injected' | 'annotated' | 'disabled' | 'none' | 'unknown'

export type ProxyPortRole = 'inbound' | 'outbound' | 'admin' | 'control'

export const PROXY_PORT_ANNOTATION: Record<ProxyPortRole, string> = {
  inbound: ANNOTATION.inboundPort,
  outbound: ANNOTATION.outboundPort,
  admin: ANNOTATION.adminPort,
  control: ANNOTATION.controlPort,
}

/** Cluster-wide defaults (from linkerd-config's values when known, else Linkerd's chart defaults). */
export interface MeshDefaults {
  proxyPorts: Record<ProxyPortRole, number>
  opaquePorts: string
  skipInboundPorts: string
  skipOutboundPorts: string
}

export const DEFAULT_MESH: MeshDefaults = {
  proxyPorts: {...PROXY_PORTS},
  opaquePorts: LINKERD_DEFAULTS.opaquePorts,
  skipInboundPorts: LINKERD_DEFAULTS.skipInboundPorts,
  skipOutboundPorts: LINKERD_DEFAULTS.skipOutboundPorts,
}

export interface ListSetting {
  list: PortList
  source: SettingSource
  /** The annotation the value came from (or that would override it). */
  annotation: string
}

export interface ProxyPortSetting {
  port: number
  source: SettingSource
  /** Set when an override could not be parsed and the default was used instead. */
  invalid?: string
}

export interface MeshConfig {
  mesh: MeshState
  meshReason: string
  proxyPorts: Record<ProxyPortRole, ProxyPortSetting>
  opaque: ListSetting
  skipInbound: ListSetting
  skipOutbound: ListSetting
  /** Container port name -> number, used to resolve named opaque ports. */
  namedPorts: Map<string, number>
}

export interface ResolveOptions {
  /** The namespace's annotations; undefined when unknown (manifests on disk). */
  namespaceAnnotations?: Record<string, string> | undefined
  defaults?: Partial<MeshDefaults> | undefined
}

export function allContainers(pod: PodLike): Array<{container: ContainerLike; init: boolean}> {
  return [
    ...(pod.spec?.initContainers ?? []).map((container) => ({container, init: true})),
    ...(pod.spec?.containers ?? []).map((container) => ({container, init: false})),
  ]
}

export function proxyContainer(pod: PodLike): ContainerLike | undefined {
  return allContainers(pod).find(
    ({container}) => container.name === CONTAINER.proxy || (container.ports ?? []).some((p) => p.name === PROXY_PORT_NAMES.admin),
  )?.container
}

function envValue(container: ContainerLike | undefined, name: string): string | undefined {
  return container?.env?.find((e) => e.name === name)?.value
}

function portOfAddr(addr: string | undefined): number | undefined {
  const first = addr?.split(',')[0]?.trim()
  const match = first ? /:(\d+)$/.exec(first) : null
  return match ? Number(match[1]) : undefined
}

function argValue(args: readonly string[] | null | undefined, flag: string): string | undefined {
  if (!args) return undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === flag) return args[i + 1] ?? ''
    if (arg?.startsWith(`${flag}=`)) return arg.slice(flag.length + 1)
  }
  return undefined
}

function injectState(value: string | undefined): 'enabled' | 'disabled' | undefined {
  if (value === undefined) return undefined
  return value === 'enabled' || value === 'ingress' ? 'enabled' : 'disabled'
}

function meshStateOf(pod: PodLike, proxy: ContainerLike | undefined, nsAnnotations: Record<string, string> | undefined): {mesh: MeshState; reason: string} {
  if (proxy) return {mesh: 'injected', reason: 'the pod runs a linkerd-proxy container'}
  const podValue = pod.metadata?.annotations?.[ANNOTATION.inject]
  const pod_ = injectState(podValue)
  if (pod_ === 'disabled') return {mesh: 'disabled', reason: `the pod has ${ANNOTATION.inject}: ${podValue}`}
  if (pod.spec?.hostNetwork) return {mesh: 'disabled', reason: 'the pod uses hostNetwork, which Linkerd does not inject'}
  if (pod_ === 'enabled') return {mesh: 'annotated', reason: `the pod has ${ANNOTATION.inject}: ${podValue}`}
  if (nsAnnotations === undefined) return {mesh: 'unknown', reason: 'its namespace is not known, so whether it inherits linkerd.io/inject is unknown'}
  const nsValue = nsAnnotations[ANNOTATION.inject]
  const ns = injectState(nsValue)
  if (ns === 'enabled') return {mesh: 'annotated', reason: `its namespace has ${ANNOTATION.inject}: ${nsValue}`}
  if (ns === 'disabled') return {mesh: 'disabled', reason: `its namespace has ${ANNOTATION.inject}: ${nsValue}`}
  return {mesh: 'none', reason: `neither the pod nor its namespace has ${ANNOTATION.inject}`}
}

export function resolveMeshConfig(pod: PodLike, options: ResolveOptions = {}): MeshConfig {
  const defaults: MeshDefaults = {...DEFAULT_MESH, ...options.defaults, proxyPorts: {...DEFAULT_MESH.proxyPorts, ...options.defaults?.proxyPorts}}
  const podAnn = pod.metadata?.annotations ?? {}
  const nsAnn = options.namespaceAnnotations ?? {}
  const proxy = proxyContainer(pod)
  const init = allContainers(pod).find(({container}) => container.name === CONTAINER.init)?.container
  // A real injected proxy always carries its inbound listen address; a bare container named
  // linkerd-proxy without it (a hand-written fixture) tells us nothing, so annotations apply.
  const proxyEnvKnown = envValue(proxy, 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR') !== undefined

  const annotation = (key: string): {value: string; source: SettingSource} | undefined => {
    if (podAnn[key] !== undefined) return {value: podAnn[key], source: 'pod-annotation'}
    if (nsAnn[key] !== undefined) return {value: nsAnn[key], source: 'namespace-annotation'}
    return undefined
  }
  const defaultSource: SettingSource = options.defaults ? 'cluster-config' : 'linkerd-default'

  const namedPorts = new Map<string, number>()
  for (const {container} of allContainers(pod)) {
    for (const p of container.ports ?? []) if (p.name && typeof p.containerPort === 'number') namedPorts.set(p.name, p.containerPort)
  }

  const envPorts: Record<ProxyPortRole, string> = {
    inbound: 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR',
    outbound: 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS',
    admin: 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR',
    control: 'LINKERD2_PROXY_CONTROL_LISTEN_ADDR',
  }
  const proxyPorts = {} as Record<ProxyPortRole, ProxyPortSetting>
  for (const role of ['inbound', 'outbound', 'admin', 'control'] as const) {
    let envPort = portOfAddr(envValue(proxy, envPorts[role]))
    if (envPort === undefined && role === 'outbound') envPort = portOfAddr(envValue(proxy, 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR'))
    if (proxyEnvKnown && envPort !== undefined) {
      proxyPorts[role] = {port: envPort, source: 'proxy-env'}
      continue
    }
    const ann = annotation(PROXY_PORT_ANNOTATION[role])
    if (ann) {
      const n = /^\d+$/.test(ann.value.trim()) ? Number(ann.value.trim()) : NaN
      if (n >= 1 && n <= 65535) proxyPorts[role] = {port: n, source: ann.source}
      else proxyPorts[role] = {port: defaults.proxyPorts[role], source: defaultSource, invalid: ann.value}
      continue
    }
    proxyPorts[role] = {port: defaults.proxyPorts[role], source: defaultSource}
  }

  const listSetting = (key: string, fallback: string, named: boolean, runtime?: {value: string | undefined; source: SettingSource}): ListSetting => {
    const names = named ? namedPorts : undefined
    if (runtime?.value !== undefined) return {list: parsePortList(runtime.value, names), source: runtime.source, annotation: key}
    const ann = annotation(key)
    if (ann) return {list: parsePortList(ann.value, names), source: ann.source, annotation: key}
    return {list: parsePortList(fallback, names), source: defaultSource, annotation: key}
  }

  // The injected proxy omits the opaque-ports variable when the list is empty.
  const opaqueRuntime = proxyEnvKnown ? {value: envValue(proxy, 'LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION') ?? '', source: 'proxy-env' as const} : undefined
  const initInbound = argValue(init?.args, '--inbound-ports-to-ignore')
  // A real linkerd-init always gets --inbound-ports-to-ignore; without --outbound-ports-to-ignore
  // beside it, nothing is skipped outbound (the injector leaves the flag out for an empty list).
  const initOutbound = argValue(init?.args, '--outbound-ports-to-ignore') ?? (argValue(init?.args, '--inbound-ports-to-ignore') === undefined ? undefined : '')
  // linkerd-init always prepends the control and admin ports; they are reported as proxy ports.
  const controlAdmin = new Set([String(proxyPorts.control.port), String(proxyPorts.admin.port)])
  const inboundFromInit = initInbound === undefined ? undefined : initInbound.split(',').filter((p) => !controlAdmin.has(p.trim())).join(',')

  const {mesh, reason} = meshStateOf(pod, proxy, options.namespaceAnnotations)
  return {
    mesh,
    meshReason: reason,
    proxyPorts,
    opaque: listSetting(ANNOTATION.opaquePorts, defaults.opaquePorts, true, opaqueRuntime),
    skipInbound: listSetting(ANNOTATION.skipInboundPorts, defaults.skipInboundPorts, false, inboundFromInit === undefined ? undefined : {value: inboundFromInit, source: 'init-args'}),
    skipOutbound: listSetting(ANNOTATION.skipOutboundPorts, defaults.skipOutboundPorts, false, initOutbound === undefined ? undefined : {value: initOutbound, source: 'init-args'}),
    namedPorts,
  }
}

export function isDefaultSource(source: SettingSource): boolean {
  return source === 'linkerd-default' || source === 'cluster-config'
}

export type {PortRange}
