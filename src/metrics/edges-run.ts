// `viz edges` from the proxies themselves: one scrape of each meshed pod's connection gauges is
// enough (no window). Clients report their edges in their outbound series; a server's inbound
// series add the clients that cannot report: unmeshed ones (no identity, so no source name), and
// meshed ones that were not scraped. With -n, the namespace's pods are scraped first, then the
// pods elsewhere whose identity its servers saw as clients, so edges into the namespace come
// from their clients' own series, as they would in Linkerd viz.
import {KubeErrorCode, type KubeClient, type V1Pod} from '../kube/types.js'
import {adminPort} from '../mesh/admin-port.js'
import {parseIdentity, podIdentity} from '../mesh/identity.js'
import {dstKindLabel} from '../mesh/metric-labels.js'
import {groupPods, type ResourceRow} from '../resources/group.js'
import type {Target} from '../resources/targets.js'
import {MeshError} from '../errors.js'
import {buildEdges, type Edge, type EdgeEnd, type EdgeRecord} from './edges.js'
import {proxyMetricsFetcher} from './proxy-fetch.js'
import {podKey, scrapeable, type PodError} from './report.js'
import {parseBody, scrapeOnce, type ScrapeTarget} from './scrape.js'
import type {Labels} from './types.js'
import {applyLabelSelector, listing, type Listing} from './workloads.js'

export interface EdgesRequest {
  /** Undefined: all namespaces. */
  namespace: string | undefined
  /** The resource type, without a name. */
  type: Target
  labelSelector?: string | undefined
  concurrency: number
  scrapeTimeoutMs: number
  controlPlaneNamespace: string
  progress?: ((message: string) => void) | undefined
}

export interface EdgesRun {
  edges: Edge[]
  podsTargeted: number
  podsScraped: number
  errors: PodError[]
  warnings: string[]
  /** A custom type that no pod's owner chain has (a typo). */
  unknownType: boolean
}

interface Gauge {
  labels: Labels
  value: number
}

/** Every listed pod by `namespace/name` → the resource of the requested type it belongs to. */
type Ends = Map<string, EdgeEnd>

const endOf = (row: ResourceRow): EdgeEnd => ({name: row.name, namespace: row.namespace})

export async function runEdges(kube: KubeClient, request: EdgesRequest): Promise<EdgesRun> {
  request.progress?.('listing pods')
  const warnings: string[] = []
  const listed = await clusterListing(kube, request.namespace, warnings)
  warnings.push(...listed.warnings)
  const grouping = groupPods(listed.pods, listed.index, {all: false, targets: [request.type]})
  if (grouping.rows.length === 0 && request.type.custom) {
    return {edges: [], errors: [], podsScraped: 0, podsTargeted: 0, unknownType: true, warnings}
  }
  const ends: Ends = new Map()
  for (const row of grouping.rows) for (const pod of row.pods) ends.set(podKey(pod), endOf(row))
  const inScope = grouping.rows.filter((row) => request.namespace === undefined || row.namespace === request.namespace)
  const selected = await applyLabelSelector(kube, inScope, request.labelSelector, request.namespace, listed.index)

  const cp = request.controlPlaneNamespace
  const byIdentity = new Map<string, V1Pod[]>()
  for (const pod of listed.pods) {
    const id = scrapeable(pod, cp) ? podIdentity(pod) : undefined
    if (id !== undefined) byIdentity.set(id, [...(byIdentity.get(id) ?? []), pod])
  }
  const fetch = proxyMetricsFetcher(kube, request.scrapeTimeoutMs)
  const gauges = new Map<string, Gauge[]>()
  const errors: PodError[] = []
  const targeted = new Set<string>()
  const scrape = async (pods: readonly V1Pod[]): Promise<void> => {
    const targets: ScrapeTarget[] = []
    for (const pod of pods) {
      const key = podKey(pod)
      if (targeted.has(key) || !scrapeable(pod, cp)) continue
      targeted.add(key)
      targets.push({key, pod: {name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? ''}, port: adminPort(pod.spec)})
    }
    if (targets.length === 0) return
    request.progress?.(`scraping ${targets.length} meshed pod${targets.length === 1 ? '' : 's'}`)
    const results = await scrapeOnce(targets, fetch, {concurrency: request.concurrency, read: (_target, body) => connectionGauges(body)})
    for (const target of targets) {
      const result = results.get(target.key)
      if (result?.ok) gauges.set(target.key, result.value)
      else if (result) errors.push({error: result.error, namespace: target.pod.namespace, pod: target.pod.name})
    }
  }

  // Every pod in scope, selected or not: a selected server's clients report its edges.
  await scrape(inScope.flatMap((row) => row.pods))
  // The clients that the scraped servers saw by identity, wherever they run.
  const podsByKey = new Map(listed.pods.map((p) => [podKey(p), p]))
  const clients = new Set<string>()
  for (const [key, list] of gauges) {
    const admin = adminPort(podsByKey.get(key)?.spec)
    for (const g of list) if (isInbound(g, admin) && g.labels.client_id) clients.add(g.labels.client_id)
  }
  await scrape([...clients].flatMap((id) => (byIdentity.get(id) ?? []).filter((pod) => ends.has(podKey(pod)))))

  const records: EdgeRecord[] = []
  for (const [key, list] of gauges) {
    const pod = podsByKey.get(key)
    const self = ends.get(key)
    if (!pod || !self) continue
    const admin = adminPort(pod.spec)
    for (const g of list) {
      if (g.labels.direction === 'outbound') {
        const dst = destinationOf(g.labels, request.type, ends)
        if (dst) records.push({...tlsOf(g.labels), clientId: podIdentity(pod) ?? '', connections: g.value, dst, serverId: g.labels.server_id ?? '', side: 'client', src: self})
      } else if (isInbound(g, admin)) {
        const clientId = g.labels.client_id ?? ''
        const src = clientId === '' ? {end: undefined} : sourceByIdentity(clientId, byIdentity, ends, gauges)
        if (src) records.push({...tlsOf(g.labels), clientId, connections: g.value, dst: self, serverId: '', side: 'server', src: src.end})
      }
    }
  }
  let edges = buildEdges(records, {namespace: request.namespace})
  if (request.labelSelector) {
    const chosen = new Set(selected.map((row) => `${row.namespace}/${row.name}`))
    const picked = (end: EdgeEnd | undefined): boolean => end !== undefined && chosen.has(`${end.namespace}/${end.name}`)
    edges = edges.filter((edge) => picked(edge.src) || picked(edge.dst))
  }
  return {edges, errors, podsScraped: gauges.size, podsTargeted: targeted.size, unknownType: false, warnings}
}

/** Pods everywhere (clients may run in any namespace); only the namespace's when that is all RBAC allows. */
async function clusterListing(kube: KubeClient, namespace: string | undefined, warnings: string[]): Promise<Listing> {
  try {
    return await listing(kube, undefined)
  } catch (err) {
    if (namespace === undefined || !(err instanceof MeshError) || err.code !== KubeErrorCode.forbidden) throw err
    warnings.push(`cannot list pods in all namespaces (${err.message}): clients in other namespaces are named by their identity`)
    return listing(kube, namespace)
  }
}

/** An application connection accepted by this proxy (not the admin port: scrapes, probes, Prometheus). */
function isInbound(g: Gauge, admin: number): boolean {
  return g.labels.direction === 'inbound' && g.labels.peer === 'src' && g.labels.target_port !== String(admin)
}

function tlsOf(labels: Labels): {tls: string; noTlsReason: string} {
  return {noTlsReason: labels.no_tls_reason ?? '', tls: labels.tls ?? ''}
}

/** The destination resource of an outbound series: its pod's, else the `dst_<kind>` label. */
function destinationOf(labels: Labels, type: Target, ends: Ends): EdgeEnd | undefined {
  const namespace = labels.dst_namespace
  if (!namespace) return undefined // the app-to-proxy side of a connection names no destination
  if (type.kind === 'namespace') return {name: namespace, namespace}
  const byPod = labels.dst_pod ? ends.get(`${namespace}/${labels.dst_pod}`) : undefined
  if (byPod) return byPod
  const name = type.custom ? undefined : labels[dstKindLabel(type.kind)]
  return name ? {name, namespace} : undefined
}

/**
 * The source of a meshed client seen only by its server: undefined when its own proxies report the
 * edge (or it is not of the requested type); its resource when its identity has exactly one; else
 * its service account.
 */
function sourceByIdentity(id: string, byIdentity: Map<string, V1Pod[]>, ends: Ends, gauges: Map<string, Gauge[]>): {end: EdgeEnd} | undefined {
  const pods = byIdentity.get(id) ?? []
  const typed = pods.filter((pod) => ends.has(podKey(pod)))
  if (pods.length > 0 && typed.length === 0) return undefined
  if (typed.some((pod) => gauges.has(podKey(pod)))) return undefined
  const rows = new Map(typed.map((pod) => {
    const end = ends.get(podKey(pod)) as EdgeEnd
    return [`${end.namespace}/${end.name}`, end] as const
  }))
  const [only] = rows.values()
  if (rows.size === 1 && only) return {end: only}
  const parts = parseIdentity(id)
  return {end: parts ? {name: `sa/${parts.serviceAccount}`, namespace: parts.namespace} : {name: id, namespace: ''}}
}

/** The connection gauges of one body: all viz edges reads. */
function connectionGauges(body: string): Gauge[] {
  const parsed = parseBody(body, (name) => name === 'tcp_open_connections')
  return parsed.samples.filter((s) => s.name === 'tcp_open_connections' && Number.isFinite(s.value)).map((s) => ({labels: s.labels, value: s.value}))
}
