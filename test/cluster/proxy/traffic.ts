// The traffic a simulated proxy has seen at a given instant. Counters are pure functions of time:
// value = rate × seconds since the proxy's counter epoch (its process start, moved on restarts),
// so two scrapes Δt apart differ by rate × Δt, as with a real proxy under steady load. Admin-port
// traffic (our own scrapes through port-forward) comes from real counts kept by the admin server.
import {cdfMean, LATENCY_BOUNDS_MS, latencyCdf} from './latency.js'
import type {HttpResponseSeries, HttpSeries, Labels, ProxyMetrics, TcpSeries} from './metrics-text.js'
import type {InboundPolicy} from './policy.js'
import type {Latency} from '../scenario.js'

export interface Endpoint {
  ip: string
  meshed: boolean
  name: string
  namespace: string
  /** `deployment`, `statefulset`, `daemonset` or `pod`, with the owner's name. */
  ownerKind: string
  ownerName: string
  podTemplateHash: string | undefined
  port: number
  service: {ip: string; name: string; port: number} | undefined
  serviceAccount: string
}

export interface FlowShape {
  cdf: number[]
  connections: number
  /** gRPC: every response is HTTP 200; failures are grpc-status 14 (Unavailable). */
  grpc: boolean
  meanMs: number
  requestBytes: number
  responseBytes: number
  rps: number
  successRate: number
}

export interface InboundFlow extends FlowShape {
  /** mTLS identity of the client, or undefined for plaintext from an unmeshed source. */
  clientId: string | undefined
  /** An opaque port: the proxy forwards TCP without HTTP detection, so only tcp_* series. */
  opaque: boolean
  /** The Server and authorization the proxy applies (test/cluster/proxy/policy.ts); default: all-unauthenticated. */
  policy?: InboundPolicy
}

export interface OutboundFlow extends FlowShape {
  /** The server's proxy refuses these requests (403, or gRPC PermissionDenied). */
  denied?: boolean
  opaque: boolean
  target: Endpoint
  /** mTLS identity of the server proxy, or undefined when the target is not meshed. */
  serverId: string | undefined
}

export interface ProxyModel {
  adminPort: number
  controlPlaneNs: string
  inbound: InboundFlow[]
  outbound: OutboundFlow[]
  pod: Endpoint
  /** False while the proxy has no identity certificate (proxyNotReady). */
  ready: boolean
  trustDomain: string
  version: string
}

/** What the admin server itself counted: real requests and connections through port-forwards. */
export interface AdminCounters {
  bytesRead: number
  bytesWritten: number
  connsClosed: number
  connsOpen: number
  connsTotal: number
  requests: number
  /** Completed responses: how many fell in each latency bucket (index 25 is +Inf only), their count and ms sum. */
  responseBuckets: number[]
  responses: number
  responsesMs: number
}

export interface ProxyRuntime {
  admin: AdminCounters
  /** Counter origin: the proxy's process start (ms since epoch). */
  epochMs: number
}

export function newAdminCounters(): AdminCounters {
  return {bytesRead: 0, bytesWritten: 0, connsClosed: 0, connsOpen: 0, connsTotal: 0, requests: 0, responseBuckets: new Array<number>(26).fill(0), responses: 0, responsesMs: 0}
}

const cdfCache = new Map<string, {cdf: number[]; mean: number}>()

function cachedCdf(latency: Latency): {cdf: number[]; mean: number} {
  const key = `${latency.p50}/${latency.p95}/${latency.p99}`
  let entry = cdfCache.get(key)
  if (!entry) {
    const cdf = latencyCdf(latency)
    entry = {cdf, mean: cdfMean(cdf)}
    cdfCache.set(key, entry)
  }
  return entry
}

export function flowShape(t: {latencyMs: Latency; protocol?: 'http' | 'grpc'; rps: number; successRate: number; tcpConnections: number; requestBytes: number; responseBytes: number}, share: number): FlowShape {
  const {cdf, mean} = cachedCdf(t.latencyMs)
  return {
    cdf,
    connections: t.tcpConnections * share,
    grpc: t.protocol === 'grpc',
    meanMs: mean,
    requestBytes: t.requestBytes,
    responseBytes: t.responseBytes,
    rps: t.rps * share,
    successRate: t.successRate,
  }
}

export function identityOf(serviceAccount: string, namespace: string, controlPlaneNs: string, trustDomain: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.${controlPlaneNs}.${trustDomain}`
}

function responsesAt(flow: FlowShape, seconds: number, denied = false): {requests: number; responses: HttpResponseSeries[]} {
  const requests = Math.floor(flow.rps * seconds)
  if (denied) {
    // linkerd2-proxy answers an unauthorized HTTP request 403 (a success by default classification)
    // and a gRPC one with grpc-status 7, PermissionDenied (a failure), at once: every response
    // falls under the first latency bound.
    const buckets = LATENCY_BOUNDS_MS.map(() => requests)
    const response: HttpResponseSeries = flow.grpc
      ? {buckets, classification: 'failure', count: requests, grpcStatus: '7', statusCode: '200', sumMs: 0}
      : {buckets, classification: 'success', count: requests, grpcStatus: '', statusCode: '403', sumMs: 0}
    return {requests, responses: [response]}
  }
  const ok = Math.floor(requests * flow.successRate)
  const failed = requests - ok
  const series = (count: number, statusCode: string, grpcStatus: string, classification: 'success' | 'failure'): HttpResponseSeries => ({
    // Rounded, not floored: flooring every series' cumulative counts pulls a bound's total up to
    // one request per series below its share, and at a few hundred requests that alone moved a
    // declared p99 of 85 ms past the 100 ms bound. Rounding stays monotone and unbiased.
    buckets: flow.cdf.map((f) => Math.round(count * f)),
    classification,
    count,
    grpcStatus,
    statusCode,
    sumMs: Math.floor(count * flow.meanMs),
  })
  const responses = [series(ok, '200', flow.grpc ? '0' : '', 'success')]
  if (flow.successRate < 1) responses.push(flow.grpc ? series(failed, '200', '14', 'failure') : series(failed, '500', '', 'failure'))
  return {requests, responses}
}

const DEFAULT_POLICY: Labels = [
  ['srv_group', ''],
  ['srv_kind', 'default'],
  ['srv_name', 'all-unauthenticated'],
]

const ALL_UNAUTHENTICATED: InboundPolicy = {
  authz: [
    ['authz_group', ''],
    ['authz_kind', 'default'],
    ['authz_name', 'all-unauthenticated'],
  ],
  server: DEFAULT_POLICY,
}

/** Bytes of the proxy's own 403 answer to an unauthorized request. */
const DENIED_RESPONSE_BYTES = 96

function tlsInbound(clientId: string | undefined): Labels {
  return clientId === undefined ? [['tls', 'no_identity'], ['no_tls_reason', 'no_tls_from_remote']] : [['tls', 'true'], ['client_id', clientId]]
}

function dstLabels(target: Endpoint, controlPlaneNs: string): Labels {
  const labels: Record<string, string> = {
    dst_namespace: target.namespace,
    dst_pod: target.name,
    [`dst_${target.ownerKind === 'job' ? 'k8s_job' : target.ownerKind}`]: target.ownerName,
    dst_serviceaccount: target.serviceAccount,
    dst_zone: '',
    dst_zone_locality: 'unknown',
  }
  if (target.service) labels.dst_service = target.service.name
  if (target.meshed) labels.dst_control_plane_ns = controlPlaneNs
  if (target.podTemplateHash) labels.dst_pod_template_hash = target.podTemplateHash
  return Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k] as string])
}

/** The metrics a proxy reports at `nowMs`. */
export function proxyMetrics(model: ProxyModel, runtime: ProxyRuntime, nowMs: number): ProxyMetrics {
  const seconds = Math.max(0, (nowMs - runtime.epochMs) / 1000)
  const {pod, controlPlaneNs} = model
  const http: HttpSeries[] = []
  const tcp: TcpSeries[] = []
  const authz: ProxyMetrics['inboundHttpAuthzAllow'] = []
  const denials: ProxyMetrics['inboundHttpAuthzDeny'] = []

  // Inbound application traffic, one label set per client identity.
  let loopbackRead = 0
  let loopbackWrite = 0
  let loopbackOpen = 0
  for (const flow of model.inbound) {
    const target: Labels = [
      ['target_addr', `${pod.ip}:${pod.port}`],
      ['target_ip', pod.ip],
      ['target_port', String(pod.port)],
    ]
    const tls = tlsInbound(flow.clientId)
    const policy = flow.policy ?? ALL_UNAUTHENTICATED
    const server: Labels = [...policy.server, ['srv_port', String(pod.port)]]
    const route: Labels = [
      ['route_group', ''],
      ['route_kind', 'default'],
      ['route_name', 'default'],
    ]
    const {requests, responses} = responsesAt(flow, seconds)
    const allowed = policy.authz !== undefined
    if (!flow.opaque && policy.authz) {
      http.push({labels: [['direction', 'inbound'], ...target, ...tls, ...server, ...route, ...policy.authz], requests, responses})
      authz.push({count: requests, labels: [...target, ...server, ...route, ...policy.authz, ...tls]})
    } else if (!flow.opaque) {
      // Refused by the proxy's authorization before any route's metrics: no response_total, only the denial.
      denials.push({count: requests, labels: [...target, ...server, ...route, ...tls]})
    }
    // An opaque connection that is not authorized is closed at once.
    const open = flow.opaque && !allowed ? 0 : Math.round(flow.connections)
    const opened = open + Math.floor(requests / 1000)
    tcp.push({
      closeTotal: opened - open,
      labels: [['direction', 'inbound'], ['peer', 'src'], ...target, ...tls, ...server],
      open,
      openTotal: opened,
      readBytes: flow.opaque && !allowed ? 0 : requests * flow.requestBytes,
      writeBytes: allowed ? requests * flow.responseBytes : flow.opaque ? 0 : requests * DENIED_RESPONSE_BYTES,
    })
    if (!allowed) continue
    loopbackRead += requests * flow.responseBytes
    loopbackWrite += requests * flow.requestBytes
    loopbackOpen += open
  }

  // The admin port: kubelet probes every 10 s (/live and /ready), plus real scrapes.
  const adminTarget: Labels = [
    ['target_addr', `0.0.0.0:${model.adminPort}`],
    ['target_ip', '0.0.0.0'],
    ['target_port', String(model.adminPort)],
  ]
  const plain = tlsInbound(undefined)
  const adminServer: Labels = [...DEFAULT_POLICY, ['srv_port', String(model.adminPort)]]
  const probes = Math.floor(seconds / 10) * 2
  const probeBuckets = Array.from({length: 25}, () => probes)
  http.push({
    labels: [['direction', 'inbound'], ...adminTarget, ...plain, ...adminServer, ['route_group', ''], ['route_kind', 'default'], ['route_name', 'probe'], ['authz_group', ''], ['authz_kind', 'default'], ['authz_name', 'probe']],
    requests: probes,
    responses: [{buckets: probeBuckets, classification: model.ready ? 'success' : 'failure', count: probes, grpcStatus: '', statusCode: model.ready ? '200' : '503', sumMs: 0}],
  })
  const a = runtime.admin
  if (a.requests > 0) {
    let running = 0
    const buckets = Array.from({length: 25}, (_, i) => (running += a.responseBuckets[i] ?? 0))
    const scrapeLabels: Labels = [['direction', 'inbound'], ...adminTarget, ...plain, ...adminServer, ['route_group', ''], ['route_kind', 'default'], ['route_name', 'default'], ['authz_group', ''], ['authz_kind', 'default'], ['authz_name', 'all-unauthenticated']]
    http.push({
      labels: scrapeLabels,
      requests: a.requests,
      responses: a.responses > 0 ? [{buckets, classification: 'success', count: a.responses, grpcStatus: '', statusCode: '200', sumMs: a.responsesMs}] : [],
    })
  }
  tcp.push({
    closeTotal: probes + a.connsClosed,
    labels: [['direction', 'inbound'], ['peer', 'src'], ...adminTarget, ...plain, ...adminServer],
    open: a.connsOpen,
    openTotal: probes + a.connsTotal,
    readBytes: probes * 110 + a.bytesRead,
    writeBytes: probes * 120 + a.bytesWritten,
  })
  if (model.inbound.length > 0) {
    tcp.push({
      closeTotal: 0,
      labels: [['direction', 'inbound'], ['peer', 'dst'], ['tls', 'no_identity'], ['no_tls_reason', 'loopback']],
      open: loopbackOpen,
      openTotal: loopbackOpen,
      readBytes: loopbackRead,
      writeBytes: loopbackWrite,
    })
  }

  // Outbound: this pod as a client of other pods, labelled with the destination's metadata.
  const accepted = new Map<string, {open: number; read: number; write: number}>()
  for (const flow of model.outbound) {
    const t = flow.target
    const authority: Labels = t.service ? [['authority', `${t.service.name}.${t.namespace}.svc.cluster.local:${t.service.port}`]] : []
    const target: Labels = [
      ['target_addr', `${t.ip}:${t.port}`],
      ['target_ip', t.ip],
      ['target_port', String(t.port)],
    ]
    const tls: Labels = flow.serverId ? [['tls', 'true'], ['server_id', flow.serverId]] : [['tls', 'no_identity'], ['no_tls_reason', 'not_provided_by_service_discovery']]
    const dst = dstLabels(t, controlPlaneNs)
    const {requests, responses} = responsesAt(flow, seconds, flow.denied)
    if (!flow.opaque) http.push({labels: [['direction', 'outbound'], ...authority, ...target, ...tls, ...dst], requests, responses})
    // A refused opaque connection is closed by the server at once; refused HTTP keeps its connection.
    const closed = flow.denied === true && flow.opaque
    const open = closed ? 0 : Math.max(1, Math.round(flow.connections))
    tcp.push({
      closeTotal: Math.floor(requests / 1000),
      labels: [['direction', 'outbound'], ['peer', 'dst'], ...authority, ...target, ...tls, ...dst],
      open,
      openTotal: open + Math.floor(requests / 1000),
      readBytes: closed ? 0 : requests * (flow.denied ? DENIED_RESPONSE_BYTES : flow.responseBytes),
      writeBytes: closed ? 0 : requests * flow.requestBytes,
    })
    const svcAddr = t.service ? `${t.service.ip}:${t.service.port}` : `${t.ip}:${t.port}`
    const acc = accepted.get(svcAddr) ?? {open: 0, read: 0, write: 0}
    acc.open += open
    acc.read += requests * flow.requestBytes
    acc.write += requests * flow.responseBytes
    accepted.set(svcAddr, acc)
  }
  for (const [addr, acc] of accepted) {
    const [ip, port] = addr.split(':') as [string, string]
    tcp.push({
      closeTotal: 0,
      labels: [['direction', 'outbound'], ['peer', 'src'], ['target_addr', addr], ['target_ip', ip], ['target_port', port], ['tls', 'no_identity'], ['no_tls_reason', 'loopback']],
      open: acc.open,
      openTotal: acc.open,
      readBytes: acc.read,
      writeBytes: acc.write,
    })
  }

  const cpId = (sa: string): string => identityOf(sa, controlPlaneNs, controlPlaneNs, model.trustDomain)
  const controlCalls = model.ready ? 1 + Math.floor(seconds / 3600) : 0
  const control = [
    {addr: `linkerd-dst-headless.${controlPlaneNs}.svc.cluster.local:8086`, id: cpId('linkerd-destination')},
    {addr: `linkerd-policy.${controlPlaneNs}.svc.cluster.local:8090`, id: cpId('linkerd-destination')},
    {addr: `linkerd-identity-headless.${controlPlaneNs}.svc.cluster.local:8080`, id: cpId('linkerd-identity')},
  ].map((c) => ({
    grpc: true,
    labels: [['addr', c.addr], ['tls', 'true'], ['server_id', c.id]] as Labels,
    requests: controlCalls,
    responses: controlCalls,
  }))

  // Identity: a 24 h leaf, renewed at 70% of its lifetime, from process start.
  const startSeconds = runtime.epochMs / 1000
  const leafSeconds = 24 * 3600
  const renewEvery = leafSeconds * 0.7
  const renewals = Math.floor(seconds / renewEvery)
  const refreshSeconds = startSeconds + renewals * renewEvery
  const identity = model.ready
    ? {expirationSeconds: Math.floor(refreshSeconds + leafSeconds), refreshSeconds: Math.floor(refreshSeconds), refreshesError: 0, refreshesOk: renewals + 1}
    : {expirationSeconds: 0, refreshSeconds: 0, refreshesError: Math.floor(seconds / 10) + 1, refreshesOk: 0}

  return {
    build: {date: '2026-08-20T17:02:11Z', gitSha: '29637b64f6ce', profile: 'release', vendor: 'linkerd', version: model.version},
    control,
    http,
    identity,
    inboundHttpAuthzAllow: authz,
    inboundHttpAuthzDeny: denials,
    process: {
      cpuSeconds: seconds * 0.002,
      maxFds: 1048576,
      openFds: 20 + a.connsOpen + model.inbound.length + model.outbound.length,
      residentBytes: 18_000_000 + 8_000 * (model.inbound.length + model.outbound.length),
      // Millisecond precision: a restart within the same second must still change it.
      startTimeSeconds: Math.round(startSeconds * 1000) / 1000,
      threads: 3,
      uptimeSeconds: seconds,
      virtualBytes: 110_000_000,
    },
    tcp,
  }
}
