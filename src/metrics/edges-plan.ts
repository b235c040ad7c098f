// What `viz edges` needs from the API before any proxy is read, and what it makes of the
// connection gauges a source then reads: the pods (every namespace: clients may be anywhere),
// the resource of the requested type each belongs to, the meshed pods by mTLS identity, the pods
// in scope. Both sources (scrapes, Prometheus) hand back gauges per pod; edgesOf turns them into
// edge records the same way for both: clients from their outbound series, servers adding the
// clients that cannot report. Pure but for planEdges, which lists through the KubeClient.
import {MeshError} from '../errors.js'
import {KubeErrorCode, type KubeClient, type V1Pod} from '../kube/types.js'
import {adminPort} from '../mesh/admin-port.js'
import {parseIdentity, podIdentity} from '../mesh/identity.js'
import {vizOwnerLabel} from '../mesh/viz.js'
import {groupPods, type ResourceRow} from '../resources/group.js'
import {namespaceExists} from '../resources/lookup.js'
import type {Target} from '../resources/targets.js'
import {buildEdges, type Edge, type EdgeEnd, type EdgeRecord} from './edges.js'
import {podKey, scrapeable} from './report.js'
import {parseBody} from './scrape.js'
import type {Labels} from './types.js'
import {applyLabelSelector, listing, type Listing} from './workloads.js'

export interface EdgesRequest {
  /** Undefined: all namespaces. */
  namespace: string | undefined
  /** The resource type, without a name. */
  type: Target
  labelSelector?: string | undefined
  controlPlaneNamespace: string
  progress?: ((message: string) => void) | undefined
}

/** One `tcp_open_connections` series of a pod's proxy. */
export interface ConnectionGauge {
  labels: Labels
  value: number
}

/** Connection gauges by pod (`namespace/name`), as a source read them. */
export type PodGauges = ReadonlyMap<string, readonly ConnectionGauge[]>

export interface EdgesPlan {
  request: EdgesRequest
  /** Every listed pod by `namespace/name`. */
  pods: ReadonlyMap<string, V1Pod>
  /** The resource of the requested type each pod belongs to. */
  ends: ReadonlyMap<string, EdgeEnd>
  /** Meshed running pods by their mTLS identity. */
  byIdentity: ReadonlyMap<string, readonly V1Pod[]>
  /** Meshed running pods of the resources in scope (the namespace, or all): read first. */
  inScope: readonly V1Pod[]
  /** With -l: the selected resources (`namespace/name`); edges must touch one. */
  selected: ReadonlySet<string> | undefined
  warnings: string[]
}

/** Why nothing is measured: a custom type no pod's owner chain has (a typo), or a namespace that does not exist. */
export interface EdgesStop {
  unknownType: boolean
  /** What does not exist, as `namespace shop` (kubectl's NotFound, exit 1). */
  notFound: string[]
}

export const isEdgesStop = (planned: EdgesPlan | EdgesStop): planned is EdgesStop => 'notFound' in planned

const endOf = (row: ResourceRow): EdgeEnd => ({name: row.name, namespace: row.namespace})

/** Lists and groups the pods, or says why there is nothing to measure. */
export async function planEdges(kube: KubeClient, request: EdgesRequest): Promise<EdgesPlan | EdgesStop> {
  request.progress?.('listing pods')
  const warnings: string[] = []
  const listed = await clusterListing(kube, request.namespace, warnings)
  warnings.push(...listed.warnings)
  const {namespace} = request
  if (namespace !== undefined && !listed.pods.some((p) => p.metadata?.namespace === namespace) && !(await namespaceExists(kube, namespace))) {
    return {notFound: [`namespace ${namespace}`], unknownType: false}
  }
  const grouping = groupPods(listed.pods, listed.index, {all: false, targets: [request.type]})
  if (grouping.rows.length === 0 && request.type.custom) return {notFound: [], unknownType: true}
  const ends = new Map<string, EdgeEnd>()
  for (const row of grouping.rows) for (const pod of row.pods) ends.set(podKey(pod), endOf(row))
  const inScope = grouping.rows.filter((row) => request.namespace === undefined || row.namespace === request.namespace)
  const selected = request.labelSelector ? await applyLabelSelector(kube, inScope, request.labelSelector, request.namespace, listed.index) : undefined
  const cp = request.controlPlaneNamespace
  const byIdentity = new Map<string, V1Pod[]>()
  for (const pod of listed.pods) {
    const id = scrapeable(pod, cp) ? podIdentity(pod) : undefined
    if (id !== undefined) byIdentity.set(id, [...(byIdentity.get(id) ?? []), pod])
  }
  const meshed = new Map(inScope.flatMap((row) => row.pods).filter((pod) => scrapeable(pod, cp)).map((pod) => [podKey(pod), pod]))
  return {
    byIdentity,
    ends,
    inScope: [...meshed.values()],
    pods: new Map(listed.pods.map((p) => [podKey(p), p])),
    request,
    selected: selected ? new Set(selected.map((row) => `${row.namespace}/${row.name}`)) : undefined,
    warnings,
  }
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
function isInbound(g: ConnectionGauge, admin: number): boolean {
  return g.labels.direction === 'inbound' && g.labels.peer === 'src' && g.labels.target_port !== String(admin)
}

/**
 * The meshed pods, of the requested type, whose identity the read servers saw as a client and that
 * were not `attempted` yet: a scraping source reads them next, so their edges come from their own
 * series.
 */
export function unreadClients(plan: EdgesPlan, gauges: PodGauges, attempted: ReadonlySet<string>): V1Pod[] {
  const ids = new Set<string>()
  for (const [key, list] of gauges) {
    const admin = adminPort(plan.pods.get(key)?.spec)
    for (const g of list) if (isInbound(g, admin) && g.labels.client_id) ids.add(g.labels.client_id)
  }
  return [...ids].flatMap((id) => (plan.byIdentity.get(id) ?? []).filter((pod) => plan.ends.has(podKey(pod)) && !attempted.has(podKey(pod))))
}

/** The edges the gauges show, in the plan's namespace and -l selection. */
export function edgesOf(plan: EdgesPlan, gauges: PodGauges): Edge[] {
  const {request, ends} = plan
  const records: EdgeRecord[] = []
  // Each client identity is resolved once, however many servers saw it.
  const sources = new Map<string, {end: EdgeEnd | undefined} | undefined>()
  const sourceOf = (id: string): {end: EdgeEnd | undefined} | undefined => {
    if (!sources.has(id)) sources.set(id, sourceByIdentity(id, plan, gauges))
    return sources.get(id)
  }
  for (const [key, list] of gauges) {
    const pod = plan.pods.get(key)
    const self = ends.get(key)
    if (!pod || !self) continue
    const admin = adminPort(pod.spec)
    const ownId = podIdentity(pod) ?? ''
    for (const g of list) {
      if (g.labels.direction === 'outbound') {
        const dst = destinationOf(g.labels, request.type, ends)
        if (dst) records.push({...tlsOf(g.labels), clientId: ownId, connections: g.value, dst, serverId: g.labels.server_id ?? '', side: 'client', src: self})
      } else if (isInbound(g, admin)) {
        const clientId = g.labels.client_id ?? ''
        const src = clientId === '' ? {end: undefined} : sourceOf(clientId)
        if (src) records.push({...tlsOf(g.labels), clientId, connections: g.value, dst: self, serverId: '', side: 'server', src: src.end})
      }
    }
  }
  const edges = buildEdges(records, {namespace: request.namespace})
  const chosen = plan.selected
  if (!chosen) return edges
  const picked = (end: EdgeEnd | undefined): boolean => end !== undefined && chosen.has(`${end.namespace}/${end.name}`)
  return edges.filter((edge) => picked(edge.src) || picked(edge.dst))
}

function tlsOf(labels: Labels): {tls: string; noTlsReason: string} {
  return {noTlsReason: labels.no_tls_reason ?? '', tls: labels.tls ?? ''}
}

/** The destination resource of an outbound series: its pod's, else the `dst_<kind>` label. */
function destinationOf(labels: Labels, type: Target, ends: ReadonlyMap<string, EdgeEnd>): EdgeEnd | undefined {
  const namespace = labels.dst_namespace
  if (!namespace) return undefined // the app-to-proxy side of a connection names no destination
  if (type.kind === 'namespace') return {name: namespace, namespace}
  const byPod = labels.dst_pod ? ends.get(`${namespace}/${labels.dst_pod}`) : undefined
  if (byPod) return byPod
  const name = type.custom ? undefined : labels[dstOwnerLabel(type.kind) ?? '']
  return name ? {name, namespace} : undefined
}

/** The label the destination controller names an endpoint's owner of this kind with (`dst_deployment`). */
export function dstOwnerLabel(kind: string): string | undefined {
  const label = vizOwnerLabel(kind)
  return label === undefined ? undefined : `dst_${label}`
}

/**
 * The source of a meshed client seen only by its server: undefined when its own proxies report the
 * edge (or it is not of the requested type); its resource when its identity has exactly one; else
 * its service account.
 */
function sourceByIdentity(id: string, plan: EdgesPlan, gauges: PodGauges): {end: EdgeEnd} | undefined {
  const {ends} = plan
  const pods = plan.byIdentity.get(id) ?? []
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

/** The connection gauges of one /metrics body: all viz edges reads. */
export function connectionGauges(body: string): ConnectionGauge[] {
  const parsed = parseBody(body, (name) => name === 'tcp_open_connections')
  return parsed.samples.filter((s) => s.name === 'tcp_open_connections' && Number.isFinite(s.value)).map((s) => ({labels: s.labels, value: s.value}))
}
