// Linkerd control-plane chart values, as plain YAML data: the chart defaults of the Linkerd version
// meshport targets, Helm-style merging of a `--values` file over them, and dotted-name access
// (`proxy.image.version`). The injector reads these the way Linkerd's CLI reads `linkerd-config`.
import {readFileSync} from 'node:fs'
import {InputError, UsageError} from '../errors.js'
import {yaml} from '../util/yaml.js'

/** Chart values: a YAML mapping, nested by the chart's dotted names. */
export type ChartValues = {[key: string]: unknown}

/** The Linkerd release whose chart defaults and injector behaviour meshport reproduces. */
export const LINKERD_TARGET_VERSION = 'edge-26.8.3'

// linkerd/linkerd2:charts/linkerd-control-plane/values.yaml@b24cd405, the parts the proxy
// injector reads (controller settings are left out: inject never renders them).
const CHART_DEFAULTS: ChartValues = {
  clusterDomain: 'cluster.local',
  clusterNetworks: '10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8',
  imagePullPolicy: 'IfNotPresent',
  linkerdVersion: LINKERD_TARGET_VERSION,
  disableIPv6: true,
  cniEnabled: false,
  identityTrustAnchorsPEM: '',
  identityTrustDomain: '',
  proxy: {
    enableExternalProfiles: false,
    outboundConnectTimeout: '1000ms',
    inboundConnectTimeout: '100ms',
    outboundDiscoveryCacheUnusedTimeout: '5s',
    inboundDiscoveryCacheUnusedTimeout: '90s',
    disableOutboundProtocolDetectTimeout: false,
    disableInboundProtocolDetectTimeout: false,
    image: {name: 'cr.l5d.io/linkerd/proxy', pullPolicy: '', version: ''},
    enableShutdownEndpoint: false,
    logLevel: 'warn,linkerd=info,hickory=error',
    logFormat: 'plain',
    logHTTPHeaders: 'off',
    ports: {admin: 4191, control: 4190, inbound: 4143, outbound: 4140},
    cores: null,
    runtime: {workers: {maximumCPURatio: null, minimum: 1}},
    resources: {
      cpu: {limit: '', request: ''},
      memory: {limit: '', request: ''},
      'ephemeral-storage': {limit: '', request: ''},
    },
    uid: 2102,
    gid: -1,
    securityContext: {},
    waitBeforeExitSeconds: 0,
    await: true,
    requireIdentityOnInboundPorts: '',
    opaquePorts: '25,587,3306,4444,5432,6379,9300,11211',
    shutdownGracePeriod: '',
    defaultInboundPolicy: 'all-unauthenticated',
    outboundTransportMode: 'transport-header',
    nativeSidecar: true,
    livenessProbe: {initialDelaySeconds: 10, timeoutSeconds: 1},
    readinessProbe: {initialDelaySeconds: 2, timeoutSeconds: 1},
    startupProbe: {initialDelaySeconds: 0, periodSeconds: 1, failureThreshold: 120},
    control: {streams: {initialTimeout: '3s', idleTimeout: '5m', lifetime: '1h'}},
    metrics: {hostnameLabels: false},
    tracing: {
      enabled: false,
      traceServiceName: 'linkerd-proxy',
      labels: {'k8s.pod.ip': '$(_pod_ip)', 'k8s.pod.uid': '$(_pod_uid)', 'k8s.container.name': '$(_pod_containerName)'},
      collector: {endpoint: '', meshIdentity: {serviceAccountName: '', namespace: ''}},
    },
    inbound: {server: {http2: {keepAliveInterval: '10s', keepAliveTimeout: '3s'}}},
    outbound: {server: {http2: {keepAliveInterval: '10s', keepAliveTimeout: '3s'}}},
  },
  proxyInit: {
    iptablesMode: 'nft',
    ignoreInboundPorts: '4567,4568',
    ignoreOutboundPorts: '4567,4568',
    kubeAPIServerPorts: '443,6443',
    skipSubnets: '',
    logLevel: '',
    logFormat: '',
    closeWaitTimeoutSecs: 0,
    privileged: false,
    runAsRoot: false,
    runAsUser: 65534,
    runAsGroup: 65534,
    xtMountPath: {mountPath: '/run', name: 'linkerd-proxy-init-xtables-lock'},
  },
  networkValidator: {
    logLevel: 'debug',
    logFormat: 'plain',
    connectAddr: '',
    listenAddr: '',
    timeout: '10s',
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: {drop: ['ALL']},
      readOnlyRootFilesystem: true,
      runAsGroup: 65534,
      runAsNonRoot: true,
      runAsUser: 65534,
      seccompProfile: {type: 'RuntimeDefault'},
    },
  },
  debugContainer: {image: {name: 'cr.l5d.io/linkerd/debug', pullPolicy: '', version: LINKERD_TARGET_VERSION}},
  identity: {serviceAccountTokenProjection: true},
}

function isMap(value: unknown): value is ChartValues {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function clone<T>(value: T): T {
  return structuredClone(value)
}

/** A fresh copy of the chart defaults (callers may mutate it). */
export function chartDefaults(): ChartValues {
  return clone(CHART_DEFAULTS)
}

/**
 * Helm's coalescing: maps merge key by key, anything else in `overlay` replaces, and `null` in
 * `overlay` deletes the key (so a values file can drop a default, e.g. `proxy.inbound.server: null`).
 */
export function mergeValues(base: ChartValues, overlay: ChartValues): ChartValues {
  const out: ChartValues = clone(base)
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) delete out[key]
    else if (isMap(value) && isMap(out[key])) out[key] = mergeValues(out[key], value)
    else out[key] = clone(value)
  }
  return out
}

/** Top-level keys written with dots (`proxy.image.version: x`) become nested maps. */
export function expandDottedKeys(values: ChartValues): ChartValues {
  let out: ChartValues = {}
  for (const [key, value] of Object.entries(values)) {
    const nested: ChartValues = {}
    setValue(nested, key, value)
    out = mergeValues(out, nested)
    // mergeValues drops nulls; a dotted key set to null must still delete the default later.
    if (value === null) setValue(out, key, null)
  }
  return out
}

export function getValue(values: ChartValues, path: string): unknown {
  let node: unknown = values
  for (const part of path.split('.')) {
    if (!isMap(node)) return undefined
    node = node[part]
  }
  return node
}

/** Sets (replaces) the value at a dotted path, creating maps on the way. */
export function setValue(values: ChartValues, path: string, value: unknown): void {
  const parts = path.split('.')
  if (parts.some((p) => p === '')) throw new UsageError(`"${path}" is not a valid chart value name`)
  let node = values
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (!isMap(next)) node[part] = {}
    node = node[part] as ChartValues
  }
  node[parts[parts.length - 1] as string] = value
}

/** Parses chart values from YAML text (a mapping, or an empty document). */
export function parseValues(text: string, source: string): ChartValues {
  const doc = yaml().parseDocument(text, {uniqueKeys: false})
  const error = doc.errors[0]
  if (error) {
    const pos = error.linePos?.[0]
    throw new InputError({source, ...(pos ? {line: pos.line, column: pos.col} : {})}, error.message.split('\n')[0] ?? 'invalid YAML', {
      hint: 'a values file is YAML with the linkerd-control-plane chart names, e.g. "proxy:\\n  logLevel: debug"',
    })
  }
  const data: unknown = doc.toJS({maxAliasCount: 100})
  if (data === null || data === undefined) return {}
  if (!isMap(data)) throw new InputError({source}, 'chart values must be a YAML mapping', {hint: 'e.g. "proxy:\\n  logLevel: debug"'})
  return expandDottedKeys(data)
}

export function loadValuesFile(path: string): ChartValues {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new InputError({source: path}, `cannot read values file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'pass --values a readable YAML file of linkerd-control-plane chart values',
    })
  }
  return parseValues(text, path)
}

/** `--set name=value`: the value is YAML (so `3.14`, `true` and `{a: b}` keep their types). */
export function parseSetArgument(argument: string): {path: string; value: unknown} {
  const eq = argument.indexOf('=')
  if (eq <= 0) throw new UsageError(`--set expects NAME=VALUE, got "${argument}"`, {hint: 'e.g. --set proxy.accessLog=apache'})
  const path = argument.slice(0, eq).trim()
  const text = argument.slice(eq + 1)
  const doc = yaml().parseDocument(text)
  if (doc.errors.length > 0) throw new UsageError(`--set ${path}: the value is not valid YAML`)
  const value: unknown = text === '' ? '' : doc.toJS()
  return {path, value}
}
