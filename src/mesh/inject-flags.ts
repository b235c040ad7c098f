// Every proxy setting `meshport inject` accepts as a flag: its name (as Linkerd spells it), the
// annotation it writes, its baseline value (Linkerd's chart default) and its validation. A flag
// writes its annotation only when its value differs from the baseline, as `linkerd inject` does.
// Shared by annotate and manual mode; the command builds its oclif flags from this table.
import {UsageError} from '../errors.js'
import {formatDuration, parseDuration} from '../util/duration.js'
import {ANNOTATION} from './names.js'
import {PROXY_PORTS, PROXY_UID} from './ports.js'

export type ProxyFlagType =
  | 'bool' | 'port' | 'uint' | 'int' | 'string' | 'image' | 'enum' | 'quantity' | 'ratio' | 'duration'
  | 'goDuration' | 'portList' | 'opaquePorts' | 'logLevel' | 'cidrs'

export interface ProxyFlag {
  /** Long flag name, without `--`. */
  flag: string
  char?: string
  /** Annotation written when the value differs from the baseline. */
  annotation: string
  type: ProxyFlagType
  /** Baseline (chart default) as the annotation would spell it; '' = unset. */
  baseline: string
  options?: readonly string[]
  description: string
  hidden?: boolean
  /** This flag is an older spelling of another flag. */
  deprecatedFor?: string
  /** False for settings Linkerd only exposes as annotations (meshport adds a flag). */
  linkerdFlag: boolean
}

export const DEFAULT_OPAQUE_PORTS = '25,587,3306,4444,5432,6379,9300,11211'
export const DEFAULT_SKIP_PORTS = '4567,4568'
export const DEFAULT_LOG_LEVEL = 'warn,linkerd=info,hickory=error'
export const DEFAULT_REGISTRY = 'cr.l5d.io/linkerd'
export const DEFAULT_PROXY_IMAGE = `${DEFAULT_REGISTRY}/proxy`
export const DEFAULT_DEBUG_IMAGE = `${DEFAULT_REGISTRY}/debug`
export const INBOUND_POLICIES = ['all-authenticated', 'all-unauthenticated', 'cluster-authenticated', 'cluster-unauthenticated', 'deny', 'audit'] as const
export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const

export const PROXY_FLAGS: readonly ProxyFlag[] = [
  {flag: 'proxy-image', annotation: ANNOTATION.proxyImage, type: 'image', baseline: DEFAULT_PROXY_IMAGE, description: 'Linkerd proxy container image name', linkerdFlag: true},
  {flag: 'proxy-version', char: 'v', annotation: ANNOTATION.proxyVersion, type: 'string', baseline: '', description: 'Tag of the proxy image (default: the control plane version)', hidden: true, linkerdFlag: true},
  {flag: 'image-pull-policy', annotation: ANNOTATION.imagePullPolicy, type: 'enum', options: PULL_POLICIES, baseline: 'IfNotPresent', description: 'Image pull policy of the proxy container', linkerdFlag: true},
  {flag: 'inbound-port', annotation: ANNOTATION.inboundPort, type: 'port', baseline: String(PROXY_PORTS.inbound), description: 'Proxy port for inbound traffic', linkerdFlag: true},
  {flag: 'outbound-port', annotation: ANNOTATION.outboundPort, type: 'port', baseline: String(PROXY_PORTS.outbound), description: 'Proxy port for outbound traffic', linkerdFlag: true},
  {flag: 'admin-port', annotation: ANNOTATION.adminPort, type: 'port', baseline: String(PROXY_PORTS.admin), description: 'Proxy port serving metrics and health checks', linkerdFlag: true},
  {flag: 'control-port', annotation: ANNOTATION.controlPort, type: 'port', baseline: String(PROXY_PORTS.control), description: 'Proxy port for control traffic (tap)', linkerdFlag: true},
  {flag: 'skip-inbound-ports', annotation: ANNOTATION.skipInboundPorts, type: 'portList', baseline: DEFAULT_SKIP_PORTS, description: 'Inbound ports and port ranges (4000-5000) that bypass the proxy; replaces the default 4567,4568', linkerdFlag: true},
  {flag: 'skip-outbound-ports', annotation: ANNOTATION.skipOutboundPorts, type: 'portList', baseline: DEFAULT_SKIP_PORTS, description: 'Outbound ports and port ranges that bypass the proxy; replaces the default 4567,4568', linkerdFlag: true},
  {flag: 'opaque-ports', annotation: ANNOTATION.opaquePorts, type: 'opaquePorts', baseline: DEFAULT_OPAQUE_PORTS, description: `Ports, ranges or named ports where protocol detection is skipped; replaces the default ${DEFAULT_OPAQUE_PORTS}`, linkerdFlag: true},
  {flag: 'require-identity-on-inbound-ports', annotation: ANNOTATION.requireIdentityInboundPorts, type: 'portList', baseline: '', description: 'Inbound ports and ranges on which the proxy requires mTLS identity', linkerdFlag: true},
  {flag: 'proxy-uid', annotation: ANNOTATION.uid, type: 'int', baseline: String(PROXY_UID), description: 'User id the proxy runs as', linkerdFlag: true},
  {flag: 'proxy-gid', annotation: ANNOTATION.gid, type: 'int', baseline: '-1', description: 'Group id the proxy runs as (-1: not set)', linkerdFlag: true},
  {flag: 'proxy-log-level', annotation: ANNOTATION.logLevel, type: 'logLevel', baseline: DEFAULT_LOG_LEVEL, description: 'Proxy log level, in env_logger syntax (level or target=level, comma separated)', linkerdFlag: true},
  {flag: 'proxy-cpu-request', annotation: ANNOTATION.cpuRequest, type: 'quantity', baseline: '', description: 'CPU request of the proxy container (e.g. 100m)', linkerdFlag: true},
  {flag: 'proxy-cpu-limit', annotation: ANNOTATION.cpuLimit, type: 'quantity', baseline: '', description: 'CPU limit of the proxy container', linkerdFlag: true},
  {flag: 'proxy-memory-request', annotation: ANNOTATION.memoryRequest, type: 'quantity', baseline: '', description: 'Memory request of the proxy container (e.g. 64Mi)', linkerdFlag: true},
  {flag: 'proxy-memory-limit', annotation: ANNOTATION.memoryLimit, type: 'quantity', baseline: '', description: 'Memory limit of the proxy container', linkerdFlag: true},
  {flag: 'proxy-cpu', annotation: ANNOTATION.cpuRequest, type: 'quantity', baseline: '', description: 'Deprecated: use --proxy-cpu-request', hidden: true, deprecatedFor: 'proxy-cpu-request', linkerdFlag: true},
  {flag: 'proxy-memory', annotation: ANNOTATION.memoryRequest, type: 'quantity', baseline: '', description: 'Deprecated: use --proxy-memory-request', hidden: true, deprecatedFor: 'proxy-memory-request', linkerdFlag: true},
  {flag: 'enable-external-profiles', annotation: ANNOTATION.enableExternalProfiles, type: 'bool', baseline: 'false', description: 'Let the proxy use service profiles for non-Kubernetes services', linkerdFlag: true},
  {flag: 'default-inbound-policy', annotation: ANNOTATION.defaultInboundPolicy, type: 'enum', options: INBOUND_POLICIES, baseline: 'all-unauthenticated', description: 'Inbound policy when no Server/AuthorizationPolicy selects a port', linkerdFlag: true},
  {flag: 'enable-debug-sidecar', annotation: ANNOTATION.enableDebugSidecar, type: 'bool', baseline: 'false', description: 'Add the linkerd-debug sidecar (tshark, tcpdump, ...)', linkerdFlag: true},
  {flag: 'close-wait-timeout', annotation: ANNOTATION.closeWaitTimeout, type: 'goDuration', baseline: '0s', description: 'Kernel CLOSE_WAIT timeout set by proxy-init (e.g. 1m)', linkerdFlag: true},
  {flag: 'native-sidecar', annotation: ANNOTATION.nativeSidecar, type: 'bool', baseline: 'true', description: 'Run the proxy as a native sidecar (init container with restartPolicy Always); --no-native-sidecar for the legacy layout', linkerdFlag: true},
  {flag: 'wait-before-exit-seconds', annotation: ANNOTATION.waitBeforeExitSeconds, type: 'uint', baseline: '0', description: 'Seconds the proxy waits before exiting (legacy layout preStop hook)', linkerdFlag: true},
  // Settings Linkerd honours as annotations but offers no inject flag for.
  {flag: 'proxy-log-format', annotation: ANNOTATION.logFormat, type: 'enum', options: ['plain', 'json'], baseline: 'plain', description: 'Proxy log format', linkerdFlag: false},
  {flag: 'proxy-log-http-headers', annotation: ANNOTATION.logHTTPHeaders, type: 'enum', options: ['off', 'insecure'], baseline: 'off', description: 'Whether the proxy may log HTTP headers', linkerdFlag: false},
  {flag: 'access-log', annotation: ANNOTATION.accessLog, type: 'enum', options: ['apache', 'json'], baseline: '', description: 'HTTP access log format of the proxy', linkerdFlag: false},
  {flag: 'proxy-await', annotation: ANNOTATION.await, type: 'enum', options: ['enabled', 'disabled'], baseline: 'enabled', description: 'Hold application containers until the proxy is ready', linkerdFlag: false},
  {flag: 'proxy-admin-shutdown', annotation: ANNOTATION.adminShutdown, type: 'enum', options: ['enabled', 'disabled'], baseline: 'disabled', description: 'Expose the proxy /shutdown endpoint (lets Jobs stop their proxy)', linkerdFlag: false},
  {flag: 'skip-subnets', annotation: ANNOTATION.skipSubnets, type: 'cidrs', baseline: '', description: 'Comma-separated CIDRs whose traffic bypasses the proxy', linkerdFlag: false},
  {flag: 'proxy-ephemeral-storage-request', annotation: ANNOTATION.ephemeralStorageRequest, type: 'quantity', baseline: '', description: 'Ephemeral storage request of the proxy container', linkerdFlag: false},
  {flag: 'proxy-ephemeral-storage-limit', annotation: ANNOTATION.ephemeralStorageLimit, type: 'quantity', baseline: '', description: 'Ephemeral storage limit of the proxy container', linkerdFlag: false},
  {flag: 'proxy-cpu-ratio-limit', annotation: ANNOTATION.cpuRatioLimit, type: 'ratio', baseline: '', description: 'Fraction of the node CPUs the proxy may use for worker threads (0 < r <= 1)', linkerdFlag: false},
  {flag: 'proxy-outbound-connect-timeout', annotation: ANNOTATION.outboundConnectTimeout, type: 'duration', baseline: '', description: 'Outbound connect timeout (e.g. 1000ms)', linkerdFlag: false},
  {flag: 'proxy-inbound-connect-timeout', annotation: ANNOTATION.inboundConnectTimeout, type: 'duration', baseline: '', description: 'Inbound connect timeout (e.g. 100ms)', linkerdFlag: false},
  {flag: 'shutdown-grace-period', annotation: ANNOTATION.shutdownGracePeriod, type: 'duration', baseline: '', description: 'Grace period for the proxy to drain connections on shutdown', linkerdFlag: false},
  {flag: 'proxy-metrics-hostname-labels', annotation: ANNOTATION.hostnameLabels, type: 'bool', baseline: 'false', description: 'Label outbound metrics with the target hostname', linkerdFlag: false},
  {flag: 'debug-image', annotation: ANNOTATION.debugImage, type: 'image', baseline: DEFAULT_DEBUG_IMAGE, description: 'Image name of the debug sidecar', linkerdFlag: false},
  {flag: 'debug-image-version', annotation: ANNOTATION.debugImageVersion, type: 'string', baseline: '', description: 'Image tag of the debug sidecar', linkerdFlag: false},
  {flag: 'debug-image-pull-policy', annotation: ANNOTATION.debugImagePullPolicy, type: 'enum', options: PULL_POLICIES, baseline: 'IfNotPresent', description: 'Image pull policy of the debug sidecar', linkerdFlag: false},
]

// ---- validation ---------------------------------------------------------------------------------

const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/
const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
}

/** A Kubernetes resource quantity as a number (cores, bytes), or undefined when malformed. */
export function parseQuantity(text: string): number | undefined {
  if (!QUANTITY.test(text)) return undefined
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(.*)$/.exec(text)
  if (!m) return undefined
  return Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? 1)
}

function isPort(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) <= 65535
}

/** `80`, `4000-5000`; every item a port or an ascending range. */
export function validPortList(text: string): boolean {
  return text.split(',').every((raw) => {
    const item = raw.trim()
    const range = /^(\d+)-(\d+)$/.exec(item)
    if (range) return isPort(range[1]!) && isPort(range[2]!) && Number(range[1]) <= Number(range[2])
    return isPort(item)
  })
}

/** Opaque ports also accept container port names (resolved by the injector). */
function validOpaquePorts(text: string): boolean {
  return text.split(',').every((raw) => {
    const item = raw.trim()
    return validPortList(item) || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(item)
  })
}

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'off'])

/** env_logger directives: `level`, `target` or `target=level`, comma separated. */
export function validLogLevel(text: string): boolean {
  return text.split(',').every((directive) => {
    const [target, level, extra] = directive.trim().split('=')
    if (extra !== undefined || target === undefined || target === '') return false
    if (level === undefined) return LOG_LEVELS.has(target.toLowerCase()) || /^[A-Za-z_][\w:[\]{}.-]*$/.test(target)
    return /^[A-Za-z_][\w:[\]{}.-]*$/.test(target) && LOG_LEVELS.has(level.toLowerCase())
  })
}

function validCidrs(text: string): boolean {
  return text.split(',').every((raw) => {
    const item = raw.trim()
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(item)
    if (v4) return v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32
    const v6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(item)
    return v6 !== null && v6[1]!.includes(':') && Number(v6[2]) <= 128
  })
}

/** Validates and canonicalises one flag value into its annotation spelling. */
export function annotationValue(def: ProxyFlag, raw: string | boolean | number): string {
  const text = typeof raw === 'string' ? raw.trim() : String(raw)
  const bad = (what: string): never => {
    throw new UsageError(`invalid --${def.flag} value "${text}": ${what}`, {hint: `see \`meshport inject --help\` for the accepted values of --${def.flag}`})
  }
  switch (def.type) {
    case 'bool':
      if (text !== 'true' && text !== 'false') bad('expected true or false')
      return text
    case 'port':
      if (!isPort(text)) bad('expected a port number between 0 and 65535')
      return String(Number(text))
    case 'uint':
      if (!/^\d+$/.test(text)) bad('expected a non-negative integer')
      return String(Number(text))
    case 'int':
      if (!/^-?\d+$/.test(text)) bad('expected an integer')
      return String(Number(text))
    case 'enum':
      if (!def.options?.includes(text)) bad(`expected one of ${def.options?.join(', ')}`)
      return text
    case 'quantity':
      if (parseQuantity(text) === undefined) bad('expected a Kubernetes quantity such as 100m, 0.5, 64Mi or 1Gi')
      return text
    case 'ratio': {
      const n = Number(text)
      if (!/^\d*\.?\d+$/.test(text) || !(n > 0 && n <= 1)) bad('expected a number greater than 0 and at most 1')
      return text
    }
    case 'duration':
      if (parseDuration(text) === undefined) bad('expected a duration such as 100ms, 10s or 1m')
      return text
    case 'goDuration': {
      const ms = parseDuration(text)
      if (ms === undefined) bad('expected a duration such as 30s or 1m')
      return formatDuration(ms!)
    }
    case 'portList':
      if (text !== '' && !validPortList(text)) bad('expected comma-separated ports (0-65535) or port ranges such as 4000-5000')
      return text.split(',').map((s) => s.trim()).join(',')
    case 'opaquePorts':
      if (text !== '' && !validOpaquePorts(text)) bad('expected comma-separated ports, port ranges (4000-5000) or container port names')
      return text.split(',').map((s) => s.trim()).join(',')
    case 'logLevel':
      if (!validLogLevel(text)) bad('expected env_logger directives such as warn,linkerd=info')
      return text
    case 'cidrs':
      if (text !== '' && !validCidrs(text)) bad('expected comma-separated CIDRs such as 10.0.0.0/8')
      return text
    case 'image':
      if (!/^[a-z0-9][a-z0-9._\-/:]*$/i.test(text) || text.includes('@')) bad('expected an image name without tag, such as cr.l5d.io/linkerd/proxy')
      return text
    case 'string':
      if (text === '') bad('expected a non-empty value')
      return text
  }
}

// ---- from flags to overrides ---------------------------------------------------------------------

export interface OverrideInput {
  /** Parsed flag values by long name (only flags the user set; booleans as true/false). */
  flags: Readonly<Record<string, unknown>>
  /** LINKERD_DOCKER_REGISTRY, used when --registry is not given (as Linkerd). */
  registryEnv?: string | undefined
}

/** Replaces the registry part of an image name (`cr.l5d.io/linkerd/proxy` -> `my.reg/proxy`). */
export function withRegistry(image: string, registry: string): string {
  const name = image.slice(image.lastIndexOf('/') + 1)
  return `${registry.replace(/\/+$/, '')}/${name}`
}

/**
 * The annotations the flags produce, in table order: only values that differ from the baseline.
 * Throws UsageError for invalid values and contradictions (limit below request).
 */
export function proxyOverrides(input: OverrideInput): Array<[string, string]> {
  const {flags} = input
  if (flags['disable-identity'] === true) {
    throw new UsageError('--disable-identity is no longer supported: Linkerd proxies always use mTLS identity', {hint: 'remove --disable-identity'})
  }
  const values = new Map<string, string>()
  for (const def of PROXY_FLAGS) {
    const raw = flags[def.flag]
    if (raw === undefined || raw === null) continue
    const value = annotationValue(def, raw as string | boolean | number)
    const target = def.deprecatedFor ? PROXY_FLAGS.find((d) => d.flag === def.deprecatedFor)! : def
    // The new spelling wins over the deprecated one when both are given.
    if (def.deprecatedFor && flags[def.deprecatedFor] !== undefined) continue
    values.set(target.flag, value)
  }
  checkLimit(values, 'proxy-cpu-request', 'proxy-cpu-limit')
  checkLimit(values, 'proxy-memory-request', 'proxy-memory-limit')
  checkLimit(values, 'proxy-ephemeral-storage-request', 'proxy-ephemeral-storage-limit')
  const registry = typeof flags.registry === 'string' ? flags.registry.trim() : input.registryEnv?.trim()
  if (registry !== undefined && registry !== '') {
    if (!/^[a-z0-9][a-z0-9._\-/:]*$/i.test(registry)) throw new UsageError(`invalid --registry value "${registry}": expected a registry such as cr.l5d.io/linkerd`)
    values.set('proxy-image', withRegistry(values.get('proxy-image') ?? DEFAULT_PROXY_IMAGE, registry))
    values.set('debug-image', withRegistry(values.get('debug-image') ?? DEFAULT_DEBUG_IMAGE, registry))
  }
  const out: Array<[string, string]> = []
  for (const def of PROXY_FLAGS) {
    if (def.deprecatedFor) continue
    const value = values.get(def.flag)
    if (value === undefined || value === def.baseline) continue
    // A negative gid means "not set" (Linkerd writes the annotation only for gid >= 0).
    if (def.flag === 'proxy-gid' && Number(value) < 0) continue
    out.push([def.annotation, value])
  }
  return out
}

function checkLimit(values: Map<string, string>, requestFlag: string, limitFlag: string): void {
  const request = values.get(requestFlag)
  const limit = values.get(limitFlag)
  if (request === undefined || limit === undefined) return
  if (parseQuantity(limit)! < parseQuantity(request)!) {
    throw new UsageError(`--${limitFlag} (${limit}) must not be lower than --${requestFlag} (${request})`)
  }
}
