// One `viz stat` measurement against a cluster: list pods and their owners, group them into the
// requested rows, resolve --to/--from, and hand the meshed running pods to the source (direct
// scrapes or Prometheus: source.ts), which measures them into the report. The listing and grouping
// are the same whatever the source, so both print the same rows. Only the KubeClient interface
// is used, so tests hand it a fake.
import type {KubeClient, V1Pod} from '../kube/types.js'
import {compareRows, groupPods, type ResourceRow, type Selection} from '../resources/group.js'
import {namespaceExists, targetExists, targetName} from '../resources/lookup.js'
import {kindByAlias} from '../resources/kinds.js'
import {isMeshedBy} from '../resources/pods.js'
import type {Target} from '../resources/targets.js'
import {buildReport, podKey, scrapeable, type StatReport} from './report.js'
import type {Direction} from './select.js'
import type {MetricsSource, PeerSpec, SourceInfo, StatCarry} from './source.js'
import {applyLabelSelector, listing, type Listing} from './workloads.js'

export interface PeerTarget {
  target: Target
  namespace: string
}

export interface StatRequest {
  /** Undefined: all namespaces. */
  namespace: string | undefined
  selection: Selection
  labelSelector?: string | undefined
  to?: PeerTarget | undefined
  from?: PeerTarget | undefined
  windowMs: number
  includeAdmin: boolean
  controlPlaneNamespace: string
  /** Keep rows whose pods are all unmeshed (MESHED 0/N), as Linkerd's --unmeshed. */
  unmeshed?: boolean | undefined
  /** Human progress text (a spinner on a terminal). */
  progress?: ((message: string) => void) | undefined
}

export interface StatRun {
  report: StatReport
  direction: Direction
  /**
   * What the request names that does not exist, as `deployment/web`, `--to deployment/nope` or
   * `namespace shop`: nothing was scraped (kubectl's NotFound, exit 1).
   */
  notFound: string[]
  /** Types typed by the user that are neither known nor an owner kind of any pod. */
  unknownTypes: string[]
  /** What the next window starts from in watch mode (direct: the second scrapes). */
  latest: StatCarry | undefined
  /** Non-fatal trouble worth a line on stderr. */
  warnings: string[]
  /** Where the numbers came from; undefined when nothing was measured. */
  source: SourceInfo | undefined
}

/** Pods of a --to/--from resource. */
async function peerPods(kube: KubeClient, peer: PeerTarget, own: Listing, ownNamespace: string | undefined): Promise<V1Pod[]> {
  if (peer.target.kind === 'namespace' || peer.target.kind === 'service') return []
  const list = ownNamespace === peer.namespace ? own : await listing(kube, peer.namespace)
  const grouped = groupPods(
    list.pods.filter((p) => p.metadata?.namespace === peer.namespace),
    list.index,
    {all: false, targets: [peer.target]},
  )
  return grouped.rows.flatMap((r) => r.pods)
}

function peerNamespace(peer: PeerTarget): string {
  return peer.target.kind === 'namespace' && peer.target.name ? peer.target.name : peer.namespace
}

/**
 * The --to / --from resource with its pods and identities, as the sources filter by them, or
 * the name of a peer that does not exist.
 */
async function resolvePeer(kube: KubeClient, request: StatRequest, own: Listing): Promise<{peer: PeerSpec | undefined} | {notFound: string}> {
  const peer = request.to ?? request.from
  if (!peer) return {peer: undefined}
  const pods = await peerPods(kube, peer, own, request.namespace)
  // A peer without pods may still exist (scaled to zero: no traffic); a mistyped one does not.
  if (pods.length === 0 && !(await targetExists(kube, peer.namespace, peer.target))) {
    const where = peer.target.kind === 'namespace' ? '' : ` in namespace ${peer.namespace}`
    return {notFound: `${request.to ? '--to' : '--from'} ${targetName(peer.target)}${where}`}
  }
  return {
    peer: {
      flag: request.to ? 'to' : 'from',
      namespace: peerNamespace(peer),
      pods: new Set(pods.map((p) => p.metadata?.name ?? '')),
      serviceAccounts: new Set(pods.map((p) => p.spec?.serviceAccountName ?? 'default')),
      target: peer.target,
    },
  }
}

/**
 * Named targets no pod belongs to: those that exist get an empty row (a Deployment scaled to
 * zero shows MESHED 0/0, as with kubectl), the others are not found. So is a namespace that
 * holds no pods because it does not exist.
 */
async function resolveMissing(kube: KubeClient, request: StatRequest, own: Listing, missing: readonly Target[]): Promise<{empty: ResourceRow[]; notFound: string[]}> {
  const namespace = request.namespace
  if (namespace !== undefined && own.pods.length === 0 && !(await namespaceExists(kube, namespace))) return {empty: [], notFound: [`namespace ${namespace}`]}
  const empty: ResourceRow[] = []
  const notFound: string[] = []
  for (const target of missing) {
    const kind = kindByAlias(target.kind)
    // Namespaced names need a namespace: with -A a name was refused before we got here.
    const ns = target.kind === 'namespace' ? '' : (namespace ?? '')
    if (kind && (await targetExists(kube, ns, target))) empty.push({kind, name: target.name as string, namespace: target.kind === 'namespace' ? (target.name as string) : ns, pods: []})
    else notFound.push(target.kind === 'namespace' ? targetName(target) : `${targetName(target)} in namespace ${ns}`)
  }
  return {empty, notFound}
}

export async function runStat(kube: KubeClient, request: StatRequest, source: MetricsSource, previous?: StatCarry): Promise<StatRun> {
  // Namespace rows are namespaces themselves: `ns` and `ns/NAME` look across all of them.
  const wanted = request.selection.targets
  const namespacesOnly = !request.selection.all && wanted.length > 0 && wanted.every((t) => t.kind === 'namespace')
  request.progress?.('listing pods')
  const own = await listing(kube, namespacesOnly ? undefined : request.namespace)
  const grouping = groupPods(own.pods, own.index, request.selection)
  const namedKinds = new Set(request.selection.targets.filter((t) => t.name !== undefined).map((t) => t.kind))
  let rows = grouping.rows.filter(
    (row) => request.unmeshed === true || row.pods.some((p) => isMeshedBy(p, request.controlPlaneNamespace)) || namedKinds.has(row.kind.name),
  )
  rows = await applyLabelSelector(kube, rows, request.labelSelector, request.namespace, own.index)
  const customTypes = request.selection.targets.filter((t) => t.custom).map((t) => t.kind)
  const unknownTypes = customTypes.filter((typed) => !grouping.rows.some((r) => r.kind.aliases.includes(typed) || `${r.kind.name}s` === typed || `${r.kind.name}es` === typed))
  const direction: Direction = request.to ? 'outbound' : 'inbound'
  // A typo or a name that does not exist is said before a window is spent on scrapes or queries.
  const stop = (notFound: string[]): StatRun => {
    const empty = buildReport([], new Map(), {controlPlaneNamespace: request.controlPlaneNamespace, windowSeconds: request.windowMs / 1000})
    return {direction, latest: undefined, notFound, report: empty, source: undefined, unknownTypes, warnings: own.warnings}
  }
  if (unknownTypes.length > 0) return stop([])
  const missing = await resolveMissing(kube, request, own, grouping.missing)
  if (missing.notFound.length > 0) return stop(missing.notFound)
  rows = [...rows, ...missing.empty].sort(compareRows)

  const resolved = await resolvePeer(kube, request, own)
  if ('notFound' in resolved) return stop([resolved.notFound])
  const peer = resolved.peer
  const pods = new Map<string, V1Pod>()
  for (const row of rows) for (const pod of row.pods) if (scrapeable(pod, request.controlPlaneNamespace)) pods.set(podKey(pod), pod)
  const measured = await source.stat(
    {
      controlPlaneNamespace: request.controlPlaneNamespace,
      direction,
      includeAdmin: request.includeAdmin,
      namespace: namespacesOnly ? undefined : request.namespace,
      peer,
      pods,
      progress: request.progress,
      rows,
      windowMs: request.windowMs,
    },
    previous,
  )
  return {direction, latest: measured.carry, notFound: [], report: measured.report, source: measured.source, unknownTypes, warnings: [...own.warnings, ...measured.warnings]}
}
