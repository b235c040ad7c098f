// How per-workload `config.linkerd.io/*` annotations change the values the proxy is rendered from
// (Linkerd's ApplyAnnotationOverrides), and the reverse: which annotations describe the difference
// between the values of this run and the baseline (Linkerd's getOverrideAnnotations).
import {ANNOTATION} from './names.js'
import {goParseBool, goParseDuration, parseQuantity, wholeCores} from './proxy-go.js'
import type {EnvVar, InjectValues} from './proxy-values.js'

export const INBOUND_POLICIES = ['all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny', 'audit']

export type Annotations = {[key: string]: string}
export type Warn = (message: string) => void

function port(text: string): number | undefined {
  // strconv.ParseInt(text, 10, 32)
  if (!/^[+-]?\d+$/.test(text)) return undefined
  const n = Number(text)
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined
}

function int64(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined
}

/** Port list items: numbers, ranges `a-b`, or names of container ports (resolved). */
function opaquePorts(text: string, namedPorts: Map<string, number>, warn: Warn): string {
  const out: string[] = []
  for (const raw of text.replace(/,$/, '').split(',')) {
    const item = raw.trim()
    const named = namedPorts.get(item)
    if (named !== undefined) {
      out.push(String(named))
      continue
    }
    const bounds = item.split('-')
    const lower = Number(bounds[0])
    const upper = Number(bounds[1] ?? bounds[0])
    const valid = bounds.length <= 2 && bounds.every((b) => /^\d+$/.test(b)) && lower <= 65535 && upper <= 65535 && upper >= lower
    if (!valid) {
      warn(`Invalid port range [${item}]`)
      continue
    }
    out.push(lower === upper ? String(lower) : `${lower}-${upper}`)
  }
  return out.join(',')
}

function durationMs(value: string, warn: Warn, what: string): string | undefined {
  const seconds = goParseDuration(value)
  if (seconds === undefined) {
    warn(`unrecognized ${what} duration value found on pod annotation: time: invalid duration "${value}"`)
    return undefined
  }
  return `${Math.trunc(seconds * 1000)}ms`
}

function durationS(value: string, warn: Warn, what: string): string | undefined {
  const seconds = goParseDuration(value)
  if (seconds === undefined) {
    warn(`unrecognized duration value used on pod annotation ${what}: time: invalid duration "${value}"`)
    return undefined
  }
  return `${Math.trunc(seconds)}s`
}

function parseEnvList(text: string, warn: Warn): EnvVar[] | undefined {
  if (text === '') return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    if (Array.isArray(parsed)) return parsed as EnvVar[]
  } catch {
    // reported below
  }
  warn(`invalid JSON in ${ANNOTATION.additionalEnv} annotation`)
  return undefined
}

function mergeEnvByName(base: EnvVar[], extra: EnvVar[]): EnvVar[] {
  const out = [...base]
  for (const env of extra) {
    const i = out.findIndex((e) => e.name === env.name)
    if (i >= 0) out[i] = env
    else out.push(env)
  }
  return out
}

/**
 * Applies a pod template's own `config.linkerd.io/*` annotations (and the tracing labels) to the
 * values, as Linkerd's injector does before rendering. Invalid values are skipped with a warning.
 */
export function applyAnnotationOverrides(v: InjectValues, a: Annotations, labels: Annotations, namedPorts: Map<string, number>, warn: Warn): void {
  const p = v.proxy
  const has = (key: string): key is string => Object.hasOwn(a, key)
  const get = (key: string): string => a[key] ?? ''

  if (has(ANNOTATION.inject) && get(ANNOTATION.inject) === 'ingress') p.isIngress = true
  if (has(ANNOTATION.proxyImage)) p.image.name = get(ANNOTATION.proxyImage)
  if (has(ANNOTATION.proxyVersion)) p.image.version = get(ANNOTATION.proxyVersion)
  if (has(ANNOTATION.imagePullPolicy)) p.image.pullPolicy = get(ANNOTATION.imagePullPolicy)
  for (const [key, field] of [
    [ANNOTATION.controlPort, 'control'],
    [ANNOTATION.inboundPort, 'inbound'],
    [ANNOTATION.adminPort, 'admin'],
    [ANNOTATION.outboundPort, 'outbound'],
  ] as const) {
    const n = has(key) ? port(get(key)) : undefined
    if (n !== undefined) p.ports[field] = n
  }
  if (has(ANNOTATION.podInboundPorts)) p.podInboundPorts = get(ANNOTATION.podInboundPorts)
  if (has(ANNOTATION.adminShutdown)) {
    const value = get(ANNOTATION.adminShutdown)
    if (value === 'enabled' || value === 'disabled') p.enableShutdownEndpoint = value === 'enabled'
    else warn(`unrecognized value used for the ${ANNOTATION.adminShutdown} annotation, valid values are: [enabled, disabled]`)
  }
  if (has(ANNOTATION.logLevel)) p.logLevel = get(ANNOTATION.logLevel)
  if (has(ANNOTATION.logHTTPHeaders)) p.logHTTPHeaders = get(ANNOTATION.logHTTPHeaders)
  if (has(ANNOTATION.logFormat)) p.logFormat = get(ANNOTATION.logFormat)
  if (has(ANNOTATION.requireIdentityInboundPorts)) p.requireIdentityOnInboundPorts = get(ANNOTATION.requireIdentityInboundPorts)
  if (has(ANNOTATION.hostnameLabels)) {
    const b = goParseBool(get(ANNOTATION.hostnameLabels))
    if (b !== undefined) p.metrics.hostnameLabels = b
  }
  if (has(ANNOTATION.outboundConnectTimeout)) p.outboundConnectTimeout = durationMs(get(ANNOTATION.outboundConnectTimeout), warn, 'proxy-outbound-connect-timeout') ?? p.outboundConnectTimeout
  if (has(ANNOTATION.inboundConnectTimeout)) p.inboundConnectTimeout = durationMs(get(ANNOTATION.inboundConnectTimeout), warn, 'proxy-inbound-connect-timeout') ?? p.inboundConnectTimeout
  if (has(ANNOTATION.outboundDiscoveryCacheUnusedTimeout))
    p.outboundDiscoveryCacheUnusedTimeout = durationS(get(ANNOTATION.outboundDiscoveryCacheUnusedTimeout), warn, ANNOTATION.outboundDiscoveryCacheUnusedTimeout) ?? p.outboundDiscoveryCacheUnusedTimeout
  if (has(ANNOTATION.inboundDiscoveryCacheUnusedTimeout))
    p.inboundDiscoveryCacheUnusedTimeout = durationS(get(ANNOTATION.inboundDiscoveryCacheUnusedTimeout), warn, ANNOTATION.inboundDiscoveryCacheUnusedTimeout) ?? p.inboundDiscoveryCacheUnusedTimeout
  for (const [key, field] of [
    [ANNOTATION.disableOutboundProtocolDetectTimeout, 'disableOutboundProtocolDetectTimeout'],
    [ANNOTATION.disableInboundProtocolDetectTimeout, 'disableInboundProtocolDetectTimeout'],
  ] as const) {
    if (!has(key)) continue
    const b = goParseBool(get(key))
    if (b === undefined) warn(`unrecognised value used on pod annotation ${key}: ${get(key)}`)
    else p[field] = b
  }
  if (has(ANNOTATION.shutdownGracePeriod)) p.shutdownGracePeriod = durationMs(get(ANNOTATION.shutdownGracePeriod), warn, 'proxy-shutdown-grace-period') ?? p.shutdownGracePeriod
  if (has(ANNOTATION.enableGateway)) {
    const b = goParseBool(get(ANNOTATION.enableGateway))
    if (b !== undefined) p.isGateway = b
  }
  if (has(ANNOTATION.waitBeforeExitSeconds)) {
    const text = get(ANNOTATION.waitBeforeExitSeconds)
    if (/^\d+$/.test(text)) p.waitBeforeExitSeconds = Number(text)
    else warn(`unrecognized value used for the ${ANNOTATION.waitBeforeExitSeconds} annotation, uint64 is expected: ${text}`)
  }
  // GA spelling first, then the older beta and alpha ones.
  const nativeKey = [ANNOTATION.nativeSidecar, ANNOTATION.nativeSidecarBeta, ANNOTATION.nativeSidecarAlpha].find((k) => has(k))
  if (nativeKey) {
    const b = goParseBool(get(nativeKey))
    if (b !== undefined) p.nativeSidecar = b
  }

  const resources = (p.resources ??= {cpu: {limit: '', request: ''}, memory: {limit: '', request: ''}, 'ephemeral-storage': {limit: '', request: ''}})
  if (has(ANNOTATION.cpuRequest)) {
    const q = parseQuantity(get(ANNOTATION.cpuRequest))
    if (q) {
      resources.cpu.request = get(ANNOTATION.cpuRequest)
      p.runtime.workers.minimum = wholeCores(q)
    } else warn(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (${ANNOTATION.cpuRequest})`)
  }
  if (has(ANNOTATION.cpuLimit)) {
    const q = parseQuantity(get(ANNOTATION.cpuLimit))
    if (q) {
      resources.cpu.limit = get(ANNOTATION.cpuLimit)
      p.runtime.workers.maximum = wholeCores(q)
    } else warn(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (${ANNOTATION.cpuLimit})`)
  }
  if (has(ANNOTATION.cpuRatioLimit)) {
    const ratio = Number(get(ANNOTATION.cpuRatioLimit))
    if (get(ANNOTATION.cpuRatioLimit).trim() === '' || Number.isNaN(ratio)) warn(`invalid syntax (${ANNOTATION.cpuRatioLimit})`)
    else if (ratio <= 0 || ratio >= 1) warn(`invalid value used for the ${ANNOTATION.cpuRatioLimit} annotation, valid values are between 0.0 and 1.0`)
    else p.runtime.workers.maximumCPURatio = ratio
  }
  for (const [key, kind, field] of [
    [ANNOTATION.memoryRequest, 'memory', 'request'],
    [ANNOTATION.memoryLimit, 'memory', 'limit'],
    [ANNOTATION.ephemeralStorageRequest, 'ephemeral-storage', 'request'],
    [ANNOTATION.ephemeralStorageLimit, 'ephemeral-storage', 'limit'],
  ] as const) {
    if (!has(key)) continue
    if (parseQuantity(get(key))) resources[kind][field] = get(key)
    else warn(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (${key})`)
  }

  const uid = has(ANNOTATION.uid) ? int64(get(ANNOTATION.uid)) : undefined
  if (uid !== undefined) p.uid = uid
  const gid = has(ANNOTATION.gid) ? int64(get(ANNOTATION.gid)) : undefined
  if (gid !== undefined) p.gid = gid
  if (has(ANNOTATION.enableExternalProfiles)) {
    const b = goParseBool(get(ANNOTATION.enableExternalProfiles))
    if (b !== undefined) p.enableExternalProfiles = b
  }
  if (has(ANNOTATION.skipInboundPorts)) v.proxyInit.ignoreInboundPorts = get(ANNOTATION.skipInboundPorts)
  if (has(ANNOTATION.skipOutboundPorts)) v.proxyInit.ignoreOutboundPorts = get(ANNOTATION.skipOutboundPorts)
  if (has(ANNOTATION.opaquePorts)) p.opaquePorts = opaquePorts(get(ANNOTATION.opaquePorts), namedPorts, warn)
  if (has(ANNOTATION.debugImage)) v.debugContainer.image.name = get(ANNOTATION.debugImage)
  if (has(ANNOTATION.debugImageVersion)) v.debugContainer.image.version = get(ANNOTATION.debugImageVersion)
  if (has(ANNOTATION.debugImagePullPolicy)) v.debugContainer.image.pullPolicy = get(ANNOTATION.debugImagePullPolicy)
  if (has(ANNOTATION.await)) {
    const value = get(ANNOTATION.await)
    if (value === 'enabled' || value === 'disabled') p.await = value === 'enabled'
    else warn(`unrecognized value used for the ${ANNOTATION.await} annotation, valid values are: [enabled, disabled]`)
  }
  if (has(ANNOTATION.defaultInboundPolicy)) {
    const value = get(ANNOTATION.defaultInboundPolicy)
    if (INBOUND_POLICIES.includes(value)) p.defaultInboundPolicy = value
    else warn(`unrecognized value used for the ${ANNOTATION.defaultInboundPolicy} annotation, valid values are: [${INBOUND_POLICIES.join(', ')}]`)
  }
  if (has(ANNOTATION.skipSubnets)) v.proxyInit.skipSubnets = get(ANNOTATION.skipSubnets)
  if (has(ANNOTATION.accessLog)) p.accessLog = get(ANNOTATION.accessLog)

  if (p.tracing) {
    const instance = labels['app.kubernetes.io/instance'] ?? labels['app.kubernetes.io/name']
    if (instance !== undefined) p.tracing.labels['service.name'] = instance
    for (const [name, value] of Object.entries(a)) {
      if (name.startsWith('resource.opentelemetry.io/')) p.tracing.labels[name.slice('resource.opentelemetry.io/'.length)] = value
    }
  }
}

/** proxy.additionalEnv, then the namespace's and the workload's `proxy-additional-env` (by name). */
export function mergeAdditionalEnv(v: InjectValues, namespaceAnnotations: Annotations, workloadAnnotations: Annotations, warn: Warn): void {
  for (const annotations of [namespaceAnnotations, workloadAnnotations]) {
    const extra = parseEnvList(annotations[ANNOTATION.additionalEnv] ?? '', warn)
    if (extra) v.proxy.additionalEnv = mergeEnvByName(v.proxy.additionalEnv, extra)
  }
}

/**
 * The `config.linkerd.io/*` annotations (and `linkerd.io/inject: ingress`) that describe how the
 * values of this run differ from the baseline (the cluster's or the --values file's), as
 * `linkerd inject` writes them for its flags. A setting equal to the baseline writes nothing.
 */
export function overrideAnnotations(v: InjectValues, base: InjectValues): Annotations {
  const out: Annotations = {}
  const p = v.proxy
  const b = base.proxy
  const res = (x: InjectValues['proxy']['resources']) => x ?? {cpu: {limit: '', request: ''}, memory: {limit: '', request: ''}}
  if (p.image.version !== b.image.version) out[ANNOTATION.proxyVersion] = p.image.version
  if (v.proxyInit.ignoreInboundPorts !== base.proxyInit.ignoreInboundPorts) out[ANNOTATION.skipInboundPorts] = v.proxyInit.ignoreInboundPorts
  if (v.proxyInit.ignoreOutboundPorts !== base.proxyInit.ignoreOutboundPorts) out[ANNOTATION.skipOutboundPorts] = v.proxyInit.ignoreOutboundPorts
  if (p.ports.admin !== b.ports.admin) out[ANNOTATION.adminPort] = String(p.ports.admin)
  if (p.ports.control !== b.ports.control) out[ANNOTATION.controlPort] = String(p.ports.control)
  if (p.ports.inbound !== b.ports.inbound) out[ANNOTATION.inboundPort] = String(p.ports.inbound)
  if (p.ports.outbound !== b.ports.outbound) out[ANNOTATION.outboundPort] = String(p.ports.outbound)
  if (p.opaquePorts !== b.opaquePorts) out[ANNOTATION.opaquePorts] = p.opaquePorts
  if (p.image.name !== b.image.name) out[ANNOTATION.proxyImage] = p.image.name
  if (v.debugContainer.image.name !== base.debugContainer.image.name) out[ANNOTATION.debugImage] = v.debugContainer.image.name
  if (v.debugContainer.image.version !== base.debugContainer.image.version) out[ANNOTATION.debugImageVersion] = v.debugContainer.image.version
  if (p.image.pullPolicy !== b.image.pullPolicy) out[ANNOTATION.imagePullPolicy] = p.image.pullPolicy
  if (p.uid !== b.uid) out[ANNOTATION.uid] = String(p.uid)
  if (p.gid >= 0 && (b.gid < 0 || p.gid !== b.gid)) out[ANNOTATION.gid] = String(p.gid)
  if (p.logLevel !== b.logLevel) out[ANNOTATION.logLevel] = p.logLevel
  if (p.logFormat !== b.logFormat) out[ANNOTATION.logFormat] = p.logFormat
  if (p.requireIdentityOnInboundPorts !== b.requireIdentityOnInboundPorts) out[ANNOTATION.requireIdentityInboundPorts] = p.requireIdentityOnInboundPorts
  if (p.enableExternalProfiles !== b.enableExternalProfiles) out[ANNOTATION.enableExternalProfiles] = String(p.enableExternalProfiles)
  if (p.metrics.hostnameLabels !== b.metrics.hostnameLabels) out[ANNOTATION.hostnameLabels] = String(p.metrics.hostnameLabels)
  if (p.isIngress !== b.isIngress) out[ANNOTATION.inject] = 'ingress'
  const r = res(p.resources)
  const rb = res(b.resources)
  if (r.cpu.request !== rb.cpu.request) out[ANNOTATION.cpuRequest] = r.cpu.request
  if (r.cpu.limit !== rb.cpu.limit) out[ANNOTATION.cpuLimit] = r.cpu.limit
  if (r.memory.request !== rb.memory.request) out[ANNOTATION.memoryRequest] = r.memory.request
  if (r.memory.limit !== rb.memory.limit) out[ANNOTATION.memoryLimit] = r.memory.limit
  if (p.waitBeforeExitSeconds !== b.waitBeforeExitSeconds) out[ANNOTATION.waitBeforeExitSeconds] = String(p.waitBeforeExitSeconds)
  if (p.await !== b.await) out[ANNOTATION.await] = p.await ? 'enabled' : 'disabled'
  if (p.defaultInboundPolicy !== b.defaultInboundPolicy) out[ANNOTATION.defaultInboundPolicy] = p.defaultInboundPolicy
  if (p.accessLog !== b.accessLog) out[ANNOTATION.accessLog] = p.accessLog
  if (p.shutdownGracePeriod !== b.shutdownGracePeriod) out[ANNOTATION.shutdownGracePeriod] = p.shutdownGracePeriod
  if (p.nativeSidecar !== b.nativeSidecar) out[ANNOTATION.nativeSidecar] = String(p.nativeSidecar)
  return out
}
