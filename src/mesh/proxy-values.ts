// The chart values the proxy injector renders from, typed the way Linkerd's Go `Values` struct
// holds them: a value missing from the YAML is Go's zero value, and keys the struct does not know
// are dropped (so, like Linkerd, a values file cannot switch on template paths the CLI never sets).
import {InputError} from '../errors.js'
import type {ChartValues} from './values.js'

export interface Constraints {
  limit: string
  request: string
}
export interface Resources {
  cpu: Constraints
  memory: Constraints
  'ephemeral-storage': Constraints
}
export interface Capabilities {
  add: string[]
  drop: string[]
}
export interface VolumeMountPath {
  mountPath: string
  name: string
  readOnly: boolean
}
export interface ImageValues {
  name: string
  pullPolicy: string
  version: string
}
export type EnvVar = {[key: string]: unknown}
/** proxy.inbound / proxy.outbound: scope → protocol → parameter → value. */
export type ProxyParams = {[scope: string]: {[proto: string]: {[param: string]: unknown}}}

export interface TracingValues {
  enabled: boolean
  protocol: string
  labels: {[key: string]: string}
  traceServiceName: string
  collector: {endpoint: string; meshIdentity: {serviceAccountName: string; namespace: string}}
}

export interface ProxyValues {
  capabilities: Capabilities | null
  enableExternalProfiles: boolean
  image: ImageValues
  enableShutdownEndpoint: boolean
  logLevel: string
  logFormat: string
  logHTTPHeaders: string
  saMountPath: VolumeMountPath | null
  ports: {admin: number; control: number; inbound: number; outbound: number}
  resources: Resources | null
  uid: number
  gid: number
  waitBeforeExitSeconds: number
  isGateway: boolean
  isIngress: boolean
  requireIdentityOnInboundPorts: string
  outboundConnectTimeout: string
  inboundConnectTimeout: string
  outboundDiscoveryCacheUnusedTimeout: string
  inboundDiscoveryCacheUnusedTimeout: string
  disableOutboundProtocolDetectTimeout: boolean
  disableInboundProtocolDetectTimeout: boolean
  podInboundPorts: string
  opaquePorts: string
  await: boolean
  defaultInboundPolicy: string
  accessLog: string
  shutdownGracePeriod: string
  nativeSidecar: boolean
  startupProbe: {initialDelaySeconds: number; periodSeconds: number; failureThreshold: number}
  readinessProbe: {initialDelaySeconds: number; timeoutSeconds: number}
  livenessProbe: {initialDelaySeconds: number; timeoutSeconds: number}
  control: {streams: {initialTimeout: string; idleTimeout: string; lifetime: string}}
  metrics: {hostnameLabels: boolean}
  tracing: TracingValues | null
  additionalEnv: EnvVar[]
  experimentalEnv: EnvVar[]
  inbound: ProxyParams
  outbound: ProxyParams
  cores: number
  runtime: {workers: {maximum: number; minimum: number; maximumCPURatio: number}}
  securityContext: {[key: string]: unknown}
}

export interface ProxyInitValues {
  capabilities: Capabilities | null
  ignoreInboundPorts: string
  ignoreOutboundPorts: string
  skipSubnets: string
  logLevel: string
  logFormat: string
  saMountPath: VolumeMountPath | null
  xtMountPath: VolumeMountPath
  closeWaitTimeoutSecs: number
  privileged: boolean
  runAsRoot: boolean
  runAsUser: number
  runAsGroup: number
  iptablesMode: string
}

export interface NetworkValidatorValues {
  logLevel: string
  logFormat: string
  connectAddr: string
  listenAddr: string
  timeout: string
  securityContext: {[key: string]: unknown}
}

/** Everything the injector's templates read. */
export interface InjectValues {
  clusterDomain: string
  clusterNetworks: string
  imagePullPolicy: string
  cniEnabled: boolean
  disableIPv6: boolean
  identityTrustAnchorsPEM: string
  identityTrustDomain: string
  linkerdVersion: string
  proxy: ProxyValues
  proxyInit: ProxyInitValues
  networkValidator: NetworkValidatorValues
  debugContainer: {image: ImageValues}
  identity: {serviceAccountTokenProjection: boolean}
}

type Raw = {[key: string]: unknown}

class Reader {
  constructor(
    private readonly raw: Raw,
    private readonly path: string,
    private readonly source: string,
  ) {}

  private fail(key: string, want: string): never {
    throw new InputError({source: this.source}, `${this.path}${key} must be ${want}`, {
      hint: 'check the --values file (or the linkerd-config ConfigMap) against the linkerd-control-plane chart',
    })
  }

  child(key: string): Reader {
    const value = this.raw[key]
    if (value === null || value === undefined) return new Reader({}, `${this.path}${key}.`, this.source)
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(key, 'a mapping')
    return new Reader(value as Raw, `${this.path}${key}.`, this.source)
  }

  has(key: string): boolean {
    const value = this.raw[key]
    return value !== null && value !== undefined
  }

  str(key: string): string {
    const value = this.raw[key]
    if (value === null || value === undefined) return ''
    if (typeof value === 'string') return value
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
    return this.fail(key, 'a string')
  }

  num(key: string): number {
    const value = this.raw[key]
    if (value === null || value === undefined || value === '') return 0
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
    if (!Number.isFinite(n)) this.fail(key, 'a number')
    return n
  }

  bool(key: string): boolean {
    const value = this.raw[key]
    if (value === null || value === undefined) return false
    if (typeof value === 'boolean') return value
    if (value === 'true' || value === 'false') return value === 'true'
    return this.fail(key, 'true or false')
  }

  strings(key: string): string[] {
    const value = this.raw[key]
    if (value === null || value === undefined) return []
    if (!Array.isArray(value)) this.fail(key, 'a list')
    return value.map((v) => String(v))
  }

  map(key: string): {[key: string]: unknown} {
    const value = this.raw[key]
    if (value === null || value === undefined) return {}
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(key, 'a mapping')
    return structuredClone(value as Raw)
  }

  list(key: string): EnvVar[] {
    const value = this.raw[key]
    if (value === null || value === undefined) return []
    if (!Array.isArray(value)) this.fail(key, 'a list')
    return structuredClone(value as EnvVar[])
  }
}

function constraints(r: Reader): Constraints {
  return {limit: r.str('limit'), request: r.str('request')}
}

function resources(r: Reader): Resources {
  return {cpu: constraints(r.child('cpu')), memory: constraints(r.child('memory')), 'ephemeral-storage': constraints(r.child('ephemeral-storage'))}
}

function capabilities(r: Reader, key: string): Capabilities | null {
  if (!r.has(key)) return null
  const c = r.child(key)
  return {add: c.strings('add'), drop: c.strings('drop')}
}

function mountPath(r: Reader, key: string): VolumeMountPath | null {
  if (!r.has(key)) return null
  const m = r.child(key)
  return {mountPath: m.str('mountPath'), name: m.str('name'), readOnly: m.bool('readOnly')}
}

function image(r: Reader): ImageValues {
  return {name: r.str('name'), pullPolicy: r.str('pullPolicy'), version: r.str('version')}
}

function tracing(r: Reader): TracingValues | null {
  if (!r.has('tracing')) return null
  const t = r.child('tracing')
  const collector = t.child('collector')
  const identity = collector.child('meshIdentity')
  const labels: {[key: string]: string} = {}
  for (const [k, v] of Object.entries(t.map('labels'))) labels[k] = String(v)
  return {
    enabled: t.bool('enabled'),
    protocol: t.str('protocol'),
    labels,
    traceServiceName: t.str('traceServiceName'),
    collector: {endpoint: collector.str('endpoint'), meshIdentity: {serviceAccountName: identity.str('serviceAccountName'), namespace: identity.str('namespace')}},
  }
}

/** Types chart values (already merged over the defaults) into what the injector renders from. */
export function toInjectValues(values: ChartValues, source = 'chart values'): InjectValues {
  const root = new Reader(values, '', source)
  const p = root.child('proxy')
  const pi = root.child('proxyInit')
  const nv = root.child('networkValidator')
  const workers = p.child('runtime').child('workers')
  const ports = p.child('ports')
  const control = p.child('control').child('streams')
  return {
    clusterDomain: root.str('clusterDomain'),
    clusterNetworks: root.str('clusterNetworks'),
    imagePullPolicy: root.str('imagePullPolicy'),
    cniEnabled: root.bool('cniEnabled'),
    disableIPv6: root.bool('disableIPv6'),
    identityTrustAnchorsPEM: root.str('identityTrustAnchorsPEM'),
    identityTrustDomain: root.str('identityTrustDomain'),
    linkerdVersion: root.str('linkerdVersion'),
    proxy: {
      capabilities: capabilities(p, 'capabilities'),
      enableExternalProfiles: p.bool('enableExternalProfiles'),
      image: image(p.child('image')),
      enableShutdownEndpoint: p.bool('enableShutdownEndpoint'),
      logLevel: p.str('logLevel'),
      logFormat: p.str('logFormat'),
      logHTTPHeaders: p.str('logHTTPHeaders'),
      saMountPath: mountPath(p, 'saMountPath'),
      ports: {admin: ports.num('admin'), control: ports.num('control'), inbound: ports.num('inbound'), outbound: ports.num('outbound')},
      resources: p.has('resources') ? resources(p.child('resources')) : null,
      uid: p.num('uid'),
      gid: p.num('gid'),
      waitBeforeExitSeconds: p.num('waitBeforeExitSeconds'),
      isGateway: p.bool('isGateway'),
      isIngress: p.bool('isIngress'),
      requireIdentityOnInboundPorts: p.str('requireIdentityOnInboundPorts'),
      outboundConnectTimeout: p.str('outboundConnectTimeout'),
      inboundConnectTimeout: p.str('inboundConnectTimeout'),
      outboundDiscoveryCacheUnusedTimeout: p.str('outboundDiscoveryCacheUnusedTimeout'),
      inboundDiscoveryCacheUnusedTimeout: p.str('inboundDiscoveryCacheUnusedTimeout'),
      disableOutboundProtocolDetectTimeout: p.bool('disableOutboundProtocolDetectTimeout'),
      disableInboundProtocolDetectTimeout: p.bool('disableInboundProtocolDetectTimeout'),
      podInboundPorts: p.str('podInboundPorts'),
      opaquePorts: p.str('opaquePorts'),
      await: p.bool('await'),
      defaultInboundPolicy: p.str('defaultInboundPolicy'),
      accessLog: p.str('accessLog'),
      shutdownGracePeriod: p.str('shutdownGracePeriod'),
      nativeSidecar: p.bool('nativeSidecar'),
      startupProbe: {
        initialDelaySeconds: p.child('startupProbe').num('initialDelaySeconds'),
        periodSeconds: p.child('startupProbe').num('periodSeconds'),
        failureThreshold: p.child('startupProbe').num('failureThreshold'),
      },
      readinessProbe: {initialDelaySeconds: p.child('readinessProbe').num('initialDelaySeconds'), timeoutSeconds: p.child('readinessProbe').num('timeoutSeconds')},
      livenessProbe: {initialDelaySeconds: p.child('livenessProbe').num('initialDelaySeconds'), timeoutSeconds: p.child('livenessProbe').num('timeoutSeconds')},
      control: {streams: {initialTimeout: control.str('initialTimeout'), idleTimeout: control.str('idleTimeout'), lifetime: control.str('lifetime')}},
      metrics: {hostnameLabels: p.child('metrics').bool('hostnameLabels')},
      tracing: tracing(p),
      additionalEnv: p.list('additionalEnv'),
      experimentalEnv: p.list('experimentalEnv'),
      inbound: p.map('inbound') as ProxyParams,
      outbound: p.map('outbound') as ProxyParams,
      cores: p.num('cores'),
      runtime: {workers: {maximum: workers.num('maximum'), minimum: workers.num('minimum'), maximumCPURatio: workers.num('maximumCPURatio')}},
      securityContext: p.map('securityContext'),
    },
    proxyInit: {
      capabilities: capabilities(pi, 'capabilities'),
      ignoreInboundPorts: pi.str('ignoreInboundPorts'),
      ignoreOutboundPorts: pi.str('ignoreOutboundPorts'),
      skipSubnets: pi.str('skipSubnets'),
      logLevel: pi.str('logLevel'),
      logFormat: pi.str('logFormat'),
      saMountPath: mountPath(pi, 'saMountPath'),
      xtMountPath: mountPath(pi, 'xtMountPath') ?? {mountPath: '', name: '', readOnly: false},
      closeWaitTimeoutSecs: pi.num('closeWaitTimeoutSecs'),
      privileged: pi.bool('privileged'),
      runAsRoot: pi.bool('runAsRoot'),
      runAsUser: pi.num('runAsUser'),
      runAsGroup: pi.num('runAsGroup'),
      iptablesMode: pi.str('iptablesMode'),
    },
    networkValidator: {
      logLevel: nv.str('logLevel'),
      logFormat: nv.str('logFormat'),
      connectAddr: nv.str('connectAddr'),
      listenAddr: nv.str('listenAddr'),
      timeout: nv.str('timeout'),
      securityContext: nv.map('securityContext'),
    },
    debugContainer: {image: image(root.child('debugContainer').child('image'))},
    identity: {serviceAccountTokenProjection: root.child('identity').bool('serviceAccountTokenProjection')},
  }
}
