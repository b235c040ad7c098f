// The port analysis: a row for every declared port of every container saying what the mesh does
// with it, and the problems (PORT_RULES) found in the pod's ports and port annotations.
import {ANNOTATION} from '../mesh/names.js'
import {PROXY_PORTS} from '../mesh/ports.js'
import {LINKERD_DEFAULTS} from './chart-defaults.js'
import {
  allContainers,
  isDefaultSource,
  PROXY_PORT_ANNOTATION,
  proxyContainer,
  resolveMeshConfig,
  type ListSetting,
  type MeshConfig,
  type MeshState,
  type ProxyPortRole,
  type ResolveOptions,
  type SettingSource,
} from './mesh-config.js'
import type {ContainerPortLike, PodLike} from './pod-like.js'
import {formatRange, formatRanges, listRanges, parsePortList, rangesContain, type PortRange} from './port-list.js'
import {type Problem, type ProblemSubject, sortProblems} from './problem.js'
import {opaqueProtocolOf, saysHttp} from './protocols.js'
import {PORT_RULES, type RuleInfo} from './rules.js'

/**
 * proxy: a port of the proxy itself; proxied: the proxy detects the protocol (HTTP gets L7
 * features); opaque: proxied as TCP without detection; skipped: iptables sends it past the proxy;
 * conflict: the proxy listens on it; not-proxied: UDP/SCTP; unmeshed: no proxy will run.
 */
export type PortMode = 'proxy' | 'proxied' | 'opaque' | 'skipped' | 'conflict' | 'not-proxied' | 'unmeshed'

export interface PortRow {
  container: string
  /** true for init containers (the proxy is one when it runs as a native sidecar). */
  init: boolean
  port: number
  name?: string
  protocol: string
  appProtocol?: string
  mode: PortMode
  /** The protocol the name, appProtocol or number suggests (`HTTP`, `MySQL`, ...). */
  detected?: string
  /** True when the port is also in the outbound skip list (connections *to* it bypass the proxy). */
  outboundSkipped: boolean
}

export interface ListSummary {
  value: string
  source: SettingSource
}

export interface PortAnalysis {
  subject: ProblemSubject
  mesh: MeshState
  meshReason: string
  proxyPorts: Record<ProxyPortRole, {port: number; source: SettingSource}>
  opaquePorts: ListSummary
  skipInboundPorts: ListSummary
  skipOutboundPorts: ListSummary
  ports: PortRow[]
  problems: Problem[]
}

export interface AnalyzeOptions extends ResolveOptions {
  /** The object to name in problems; defaults to the pod's own kind/name/namespace. */
  subject?: ProblemSubject
  /** A running pod rather than a template: "annotated" then means "meshed once restarted". */
  live?: boolean
}

const ROLES: readonly ProxyPortRole[] = ['inbound', 'outbound', 'admin', 'control']

function summary(setting: ListSetting): ListSummary {
  return {value: formatRanges(listRanges(setting.list)), source: setting.source}
}

function whereSet(source: SettingSource): string {
  if (source === 'namespace-annotation') return 'on the namespace'
  if (source === 'pod-annotation' || source === 'proxy-env' || source === 'init-args') return 'on the pod template'
  return 'by the cluster defaults'
}

/** The list with one port removed (splitting a range when needed), as annotation text. */
function withoutPort(ranges: readonly PortRange[], port: number): string {
  const out: PortRange[] = []
  for (const r of ranges) {
    if (port < r.low || port > r.high) out.push(r)
    else {
      if (r.low < port) out.push({low: r.low, high: port - 1})
      if (port < r.high) out.push({low: port + 1, high: r.high})
    }
  }
  return formatRanges(out)
}

function withPort(ranges: readonly PortRange[], port: number): string {
  return formatRanges([...ranges, {low: port, high: port}].sort((a, b) => a.low - b.low))
}

export function analyzePorts(pod: PodLike, options: AnalyzeOptions = {}): PortAnalysis {
  const config = resolveMeshConfig(pod, options)
  const subject: ProblemSubject = options.subject ?? {
    kind: 'Pod',
    name: pod.metadata?.name ?? '(unnamed)',
    ...(pod.metadata?.namespace ? {namespace: pod.metadata.namespace} : {}),
  }
  const problems: Problem[] = []
  const report = (rule: RuleInfo, message: string, fix: string, extra: {container?: string; port?: number} = {}): void => {
    problems.push({rule: rule.id, severity: rule.severity, subject: {...subject, ...extra}, message, fix})
  }

  const proxy = proxyContainer(pod)
  const opaqueRanges = listRanges(config.opaque.list)
  const skipInRanges = listRanges(config.skipInbound.list)
  const skipOutRanges = listRanges(config.skipOutbound.list)
  const proxyPortRoles = new Map<number, ProxyPortRole[]>()
  for (const role of ROLES) {
    const port = config.proxyPorts[role].port
    proxyPortRoles.set(port, [...(proxyPortRoles.get(port) ?? []), role])
  }
  const meshed = config.mesh === 'injected' || config.mesh === 'annotated' || config.mesh === 'unknown'

  const rows: PortRow[] = []
  const appPorts: Array<{container: string; port: ContainerPortLike & {containerPort: number}; row: PortRow}> = []
  for (const {container, init} of allContainers(pod)) {
    const isProxy = container === proxy
    for (const p of container.ports ?? []) {
      if (typeof p.containerPort !== 'number') continue
      const protocol = (p.protocol ?? 'TCP').toUpperCase()
      const port = p.containerPort
      let mode: PortMode
      if (isProxy) mode = 'proxy'
      else if (!meshed) mode = 'unmeshed'
      else if (protocol !== 'TCP') mode = 'not-proxied'
      else if (proxyPortRoles.has(port)) mode = 'conflict'
      else if (rangesContain(skipInRanges, port)) mode = 'skipped'
      else if (rangesContain(opaqueRanges, port)) mode = 'opaque'
      else mode = 'proxied'
      const detected = saysHttp(p) ? 'HTTP' : opaqueProtocolOf({...p, containerPort: port})?.protocol
      const row: PortRow = {
        container: container.name ?? '',
        init,
        port,
        ...(p.name ? {name: p.name} : {}),
        protocol,
        ...(p.appProtocol ? {appProtocol: p.appProtocol} : {}),
        mode,
        ...(detected ? {detected} : {}),
        outboundSkipped: rangesContain(skipOutRanges, port),
      }
      rows.push(row)
      if (!isProxy) appPorts.push({container: container.name ?? '', port: {...p, containerPort: port}, row})
    }
  }

  if (meshed) {
    checkProxyPorts(config, report)
    checkAnnotations(pod, config, appPorts.filter((a) => a.row.protocol === 'TCP'), report)
    for (const {container, port, row} of appPorts) {
      const where = {container, port: port.containerPort}
      const label = `port ${port.containerPort}${port.name ? ` (${port.name})` : ''} of container ${container}`
      if (row.mode === 'not-proxied') {
        report(PORT_RULES.udpNotProxied, `${label} is ${row.protocol}; Linkerd proxies TCP only, so this traffic is neither encrypted nor measured`, 'nothing to change unless it must be meshed: move it to TCP or protect it another way', where)
        continue
      }
      if (row.mode === 'conflict') {
        const roles = proxyPortRoles.get(port.containerPort) ?? []
        const role = roles[0] ?? 'inbound'
        const setting = config.proxyPorts[role]
        report(
          PORT_RULES.proxyPortConflict,
          `${label} is also the proxy's ${roles.join('/')} port (${isDefaultSource(setting.source) || PROXY_PORTS[role] === port.containerPort ? 'Linkerd default' : `set ${whereSet(setting.source)}`}); the proxy and the application cannot both listen on it`,
          `move the application off ${port.containerPort}, or set ${PROXY_PORT_ANNOTATION[role]} to a free port`,
          where,
        )
        continue
      }
      if (row.mode === 'opaque' && saysHttp(port)) {
        const byDefault = isDefaultSource(config.opaque.source)
        const remaining = withoutPort(opaqueRanges, port.containerPort)
        const inDefaults = rangesContain(listRanges(parsePortList(LINKERD_DEFAULTS.opaquePorts)), port.containerPort)
        const fix =
          remaining === '' && !inDefaults
            ? `remove ${ANNOTATION.opaquePorts} ${whereSet(config.opaque.source)} (and from its Service); Linkerd's default list does not include ${port.containerPort}`
            : `set ${ANNOTATION.opaquePorts}: "${remaining}" ${byDefault ? 'on the pod template' : whereSet(config.opaque.source)} (and on its Service)`
        report(
          PORT_RULES.opaqueHttp,
          `${label} says HTTP (${port.appProtocol ? `appProtocol ${port.appProtocol}` : `name ${port.name}`}) but is opaque ${byDefault ? "through Linkerd's default opaque list" : whereSet(config.opaque.source)}: no per-request metrics, retries or HTTP policy, and HTTP routes return 404 (linkerd/linkerd2#9888)`,
          fix,
          where,
        )
      }
      if (row.mode === 'skipped' && rangesContain(opaqueRanges, port.containerPort) && !isDefaultSource(config.opaque.source)) {
        report(PORT_RULES.skipAndOpaque, `${label} is both skipped and opaque; skipped wins, so the proxy never sees it and the opaque setting has no effect`, `drop ${port.containerPort} from ${ANNOTATION.opaquePorts} (or from ${ANNOTATION.skipInboundPorts} to mesh it as opaque TCP)`, where)
      }
      const proto = opaqueProtocolOf(port)
      if (row.mode === 'proxied' && proto) {
        const replaced =
          !isDefaultSource(config.opaque.source) && rangesContain(listRanges(parsePortList(LINKERD_DEFAULTS.opaquePorts)), port.containerPort)
            ? `; the opaque-ports value "${config.opaque.list.raw}" ${whereSet(config.opaque.source)} replaced Linkerd's default list, which had it`
            : ''
        report(
          PORT_RULES.serverSpeaksFirst,
          `${label} looks like ${proto.protocol}, which the proxy cannot detect, but it is neither opaque nor skipped: connections stall for the 10s detect timeout or fail${replaced}`,
          `set ${ANNOTATION.opaquePorts}: "${withPort(opaqueRanges, port.containerPort)}" on the pod template and on its Service`,
          where,
        )
      }
    }
  }

  return {
    subject,
    mesh: config.mesh,
    meshReason: options.live && config.mesh === 'annotated' ? `${config.meshReason}, but this pod has no proxy yet: the modes below apply once it is recreated` : config.meshReason,
    proxyPorts: Object.fromEntries(ROLES.map((r) => [r, {port: config.proxyPorts[r].port, source: config.proxyPorts[r].source}])) as PortAnalysis['proxyPorts'],
    opaquePorts: summary(config.opaque),
    skipInboundPorts: summary(config.skipInbound),
    skipOutboundPorts: summary(config.skipOutbound),
    ports: rows,
    problems: sortProblems(problems),
  }
}

type Report = (rule: RuleInfo, message: string, fix: string, extra?: {container?: string; port?: number}) => void

function checkProxyPorts(config: MeshConfig, report: Report): void {
  for (const role of ROLES) {
    const setting = config.proxyPorts[role]
    if (setting.invalid !== undefined) {
      report(PORT_RULES.annotationInvalid, `${PROXY_PORT_ANNOTATION[role]}: "${setting.invalid}" is not a port number, so the injector will not use it`, `set ${PROXY_PORT_ANNOTATION[role]} to a number between 1 and 65535, or remove it`)
    }
  }
  for (let i = 0; i < ROLES.length; i++) {
    for (let j = i + 1; j < ROLES.length; j++) {
      const a = ROLES[i] as ProxyPortRole
      const b = ROLES[j] as ProxyPortRole
      if (config.proxyPorts[a].port === config.proxyPorts[b].port) {
        const changed = isDefaultSource(config.proxyPorts[a].source) ? b : a
        report(PORT_RULES.proxyPortsOverlap, `the proxy's ${a} and ${b} ports are both ${config.proxyPorts[a].port}; the proxy cannot start`, `set ${PROXY_PORT_ANNOTATION[changed]} to a different free port`, {port: config.proxyPorts[a].port})
      }
    }
  }
}

function checkAnnotations(pod: PodLike, config: MeshConfig, tcpAppPorts: Array<{port: ContainerPortLike & {containerPort: number}}>, report: Report): void {
  const declared = tcpAppPorts.map((a) => a.port.containerPort)
  const lists: Array<{key: string; setting: ListSetting; names: boolean}> = [
    {key: ANNOTATION.opaquePorts, setting: config.opaque, names: true},
    {key: ANNOTATION.skipInboundPorts, setting: config.skipInbound, names: false},
    {key: ANNOTATION.skipOutboundPorts, setting: config.skipOutbound, names: false},
  ]
  const podAnn = pod.metadata?.annotations ?? {}
  for (const {key, setting, names} of lists) {
    // Validate what the user wrote: the pod's own annotation, else the inherited namespace one.
    const raw = podAnn[key] ?? (setting.source === 'namespace-annotation' ? setting.list.raw : undefined)
    if (raw === undefined) continue
    const onPod = podAnn[key] !== undefined
    const list = parsePortList(raw, names ? config.namedPorts : undefined)
    const where = onPod ? 'on the pod template' : 'on the namespace'
    for (const item of list.items) {
      if (item.kind === 'invalid') {
        const reason = !names && /[a-z]/i.test(item.text) ? 'port names are only accepted in opaque-ports' : item.reason
        report(PORT_RULES.annotationInvalid, `${key}: "${raw}" ${where} has the item "${item.text}" (${reason}); Linkerd skips it silently`, `replace "${item.text}" in ${key} with a port or a range like 4000-5000`)
      } else if (item.kind === 'name' && item.resolved === undefined && onPod) {
        // A namespace-wide list may name ports that only some of its pods declare.
        report(PORT_RULES.annotationNameUnresolved, `${key} names the port "${item.name}", but no container declares a port with that name, so Linkerd ignores it`, `use the port number, or name the containerPort "${item.name}"`)
      } else if (item.kind === 'range' && onPod && key !== ANNOTATION.skipOutboundPorts) {
        // Outbound skips name remote ports, and a namespace-wide list need not match every pod.
        if (declared.some((p) => p >= item.range.low && p <= item.range.high)) continue
        const single = item.range.low === item.range.high ? opaqueProtocolOf({containerPort: item.range.low}) : undefined
        if (key === ANNOTATION.opaquePorts && single) {
          report(
            PORT_RULES.opaqueOffCluster,
            `${key} lists ${item.text} (${single.protocol}), but no container of this workload serves it: opaque-ports only changes how this pod's proxy handles inbound traffic, so a client-side entry for a database or mail server outside the mesh does nothing (linkerd/linkerd2#7768)`,
            `if ${item.text} is an off-cluster server this workload calls, use ${ANNOTATION.skipOutboundPorts}: "${item.text}" instead; if it is in-cluster, mark it opaque on that server's Service`,
            {port: item.range.low},
          )
        } else {
          report(
            PORT_RULES.annotationPortUndeclared,
            `${key} lists ${formatRange(item.range)}, but no container of this workload declares ${item.range.low === item.range.high ? 'that port' : 'a port in that range'}`,
            `remove "${item.text}" from ${key}, or declare the port on the container that listens on it`,
            item.range.low === item.range.high ? {port: item.range.low} : {},
          )
        }
      }
    }
  }
}
