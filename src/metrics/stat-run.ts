// One `viz stat` measurement against a cluster: list pods and their owners, group them into the
// requested rows, scrape every meshed running pod twice through the kube layer's port-forward,
// and build the report. Only the KubeClient interface is used, so tests hand it a fake.
import type {KubeClient, V1Pod} from '../kube/types.js'
import {adminPort} from '../mesh/admin-port.js'
import {compareRows, groupPods, type ResourceRow, type Selection} from '../resources/group.js'
import {namespaceExists, targetExists, targetName} from '../resources/lookup.js'
import {kindByAlias} from '../resources/kinds.js'
import {isMeshedBy} from '../resources/pods.js'
import type {Target} from '../resources/targets.js'
import {buildReport, podKey, scrapeable, type PodOutcome, type StatReport} from './report.js'
import {proxyMetricsFetcher} from './proxy-fetch.js'
import {parsedScrape, scrapeWindow, type ScrapeTarget} from './scrape.js'
import {destinationMatcher, sourceMatcher, type Direction, type TrafficSelector} from './select.js'
import {SIGNAL_SAMPLES, signalSnapshot, signalsBetween, type PodSignals, type SignalSnapshot} from './signals.js'
import type {Labels} from './types.js'
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
  concurrency: number
  scrapeTimeoutMs: number
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
  /** Second scrapes, for the next window in watch mode. */
  latest: Map<string, SignalSnapshot>
  /** Non-fatal trouble worth a line on stderr. */
  warnings: string[]
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

type Matcher = ((labels: Labels) => boolean) | undefined

/** The --to/--from filter, or the name of a peer that does not exist. */
async function trafficMatcher(kube: KubeClient, request: StatRequest, own: Listing): Promise<{match: Matcher} | {notFound: string}> {
  const flag = request.to ? '--to' : '--from'
  const peer = request.to ?? request.from
  if (!peer) return {match: undefined}
  const pods = await peerPods(kube, peer, own, request.namespace)
  // A peer without pods may still exist (scaled to zero: no traffic); a mistyped one does not.
  if (pods.length === 0 && !(await targetExists(kube, peer.namespace, peer.target))) {
    const where = peer.target.kind === 'namespace' ? '' : ` in namespace ${peer.namespace}`
    return {notFound: `${flag} ${targetName(peer.target)}${where}`}
  }
  const namespace = peerNamespace(peer)
  if (request.to) {
    if (peer.target.kind === 'namespace') return {match: destinationMatcher({namespace})}
    if (peer.target.kind === 'service') return {match: destinationMatcher({namespace, service: peer.target.name as string})}
    return {match: destinationMatcher({namespace, pods: new Set(pods.map((p) => p.metadata?.name ?? ''))})}
  }
  if (peer.target.kind === 'namespace') return {match: sourceMatcher({namespace})}
  return {match: sourceMatcher({namespace, serviceAccounts: new Set(pods.map((p) => p.spec?.serviceAccountName ?? 'default'))})}
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

export async function runStat(kube: KubeClient, request: StatRequest, previous?: ReadonlyMap<string, SignalSnapshot>): Promise<StatRun> {
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
  // A typo or a name that does not exist is said before a window is spent on scrapes.
  const stop = (notFound: string[]): StatRun => {
    const empty = buildReport([], new Map(), {controlPlaneNamespace: request.controlPlaneNamespace, windowSeconds: request.windowMs / 1000})
    return {direction, latest: new Map(), notFound, report: empty, unknownTypes, warnings: own.warnings}
  }
  if (unknownTypes.length > 0) return stop([])
  const missing = await resolveMissing(kube, request, own, grouping.missing)
  if (missing.notFound.length > 0) return stop(missing.notFound)
  rows = [...rows, ...missing.empty].sort(compareRows)

  const matcher = await trafficMatcher(kube, request, own)
  if ('notFound' in matcher) return stop([matcher.notFound])
  const match = matcher.match
  const pods = new Map<string, V1Pod>()
  for (const row of rows) for (const pod of row.pods) if (scrapeable(pod, request.controlPlaneNamespace)) pods.set(podKey(pod), pod)
  const targets: ScrapeTarget[] = [...pods].map(([key, pod]) => ({
    key,
    pod: {name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? ''},
    port: adminPort(pod.spec),
  }))
  request.progress?.(`scraping ${targets.length} meshed pod${targets.length === 1 ? '' : 's'} twice, ${request.windowMs / 1000}s apart`)
  const fetch = proxyMetricsFetcher(kube, request.scrapeTimeoutMs)
  const parse = parsedScrape((name) => SIGNAL_SAMPLES.has(name))
  const selectorOf = (target: ScrapeTarget): TrafficSelector => ({adminPort: target.port, direction, includeAdmin: request.includeAdmin, ...(match ? {match} : {})})
  const signals = new Map<string, PodSignals>()
  const latest = new Map<string, SignalSnapshot>()
  const scrapes = await scrapeWindow(targets, fetch, {
    concurrency: request.concurrency,
    // Each body is reduced to the pod's selected series at once: the parse is not kept.
    read: (target, body, timing) => signalSnapshot(parse(target, body, timing), selectorOf(target)),
    // Each pod's signals as soon as its pair is in, while later pods are still being scraped.
    onPair: (target, first, second) => {
      signals.set(target.key, signalsBetween(first, second))
      latest.set(target.key, second)
    },
    windowMs: request.windowMs,
    ...(previous ? {previous} : {}),
  })
  // In target order, so per-pod errors are listed the same way every run.
  const outcomes = new Map<string, PodOutcome>()
  for (const {key} of targets) {
    const result = scrapes.get(key)
    const computed = signals.get(key)
    if (result && !result.ok) outcomes.set(key, result.timedOut ? {error: result.error, ok: false, timedOut: true} : {error: result.error, ok: false})
    else if (computed) outcomes.set(key, {ok: true, signals: computed})
  }
  const report = buildReport(rows, outcomes, {controlPlaneNamespace: request.controlPlaneNamespace, windowSeconds: request.windowMs / 1000})
  return {direction, latest, notFound: [], report, unknownTypes, warnings: own.warnings}
}
