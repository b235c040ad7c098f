// `viz stat` from a Prometheus, with Linkerd viz's queries (linkerd/linkerd2
// viz/metrics-api/stat_summary.go) over viz's labels, for the rows the API listing gave:
//
//   requests   sum(increase(response_total{F}[W])) by (G, classification)
//   latency    sum(irate(response_latency_ms_bucket{F}[W])) by (G, le), then histogram_quantile
//              for 0.5/0.95/0.99 computed here over the same vector (Prometheus' algorithm, in
//              quantile.ts), which also gives each quantile's bucket bounds: viz's
//              histogram_quantile(q, <that vector>) to the last digit
//   TCP_CONN   sum(tcp_open_connections{F}) by (G)
//   bytes      sum(increase(tcp_{read,write}_bytes_total{F, peer=P}[W])) by (G)
//
// F: `direction`, the rows' namespace and owner label, the --to (dst_*) or --from (client_id)
// filter, and the admin-port exclusion (`target_port!="4191"`, unless --include-admin). G: the
// rows' labels, `(namespace, deployment)` for Deployments, as viz groups. Rows whose pods carry no
// owner label of their own kind (ReplicaSets of a Deployment, a CronJob's pods, custom kinds
// like Argo Rollouts) are grouped by `(namespace, pod)` and summed here over their current pods.
// Counts are not rounded (viz rounds each result to an integer).
import type {V1Pod} from '../kube/types.js'
import {adminPort} from '../mesh/admin-port.js'
import {injectorOwnerLabel, relabelRuleFor, vizOwnerLabel, VIZ_SCRAPE_INTERVAL_SECONDS} from '../mesh/viz.js'
import type {ResourceRow} from '../resources/group.js'
import {latencyQuantiles, type RowStats} from './aggregate.js'
import {namespaceScope, podsPresent} from './prometheus-presence.js'
import type {PrometheusSource} from './prometheus-source.js'
import {by, eq, escapeRegex, noneOf, oneOf, range, selector, type Matcher} from './promql.js'
import {buildReport, podKey, type PodOutcome} from './report.js'
import type {PeerSpec, StatMeasurement, StatPlan} from './source.js'

/** A set of rows answered by the same queries: one owner label, or per pod. */
export interface Grouping {
  rows: Set<ResourceRow>
  /** The labels the answers are grouped by (after `namespace`). */
  labels: string[]
  /** Matchers selecting the rows' series. */
  filter: Array<Matcher | undefined>
  /** The key of a row's answers in this grouping: `namespace/value` of the last label. */
  keysOf: (row: ResourceRow) => string[]
}

/** Partial numbers of one group key (a row, or a pod summed into its rows later). */
interface Sums {
  success: number
  failure: number
  buckets: Map<number, number>
  tcpOpen: number | undefined
  readBytes: number | undefined
  writeBytes: number | undefined
  /** Any request series at all (even 0): the row has request data. */
  requests: boolean
}

const emptySums = (): Sums => ({buckets: new Map(), failure: 0, readBytes: undefined, requests: false, success: 0, tcpOpen: undefined, writeBytes: undefined})

/** Never matches a real label value: a peer with no pods or identities selects nothing. */
const NOTHING = '\u0000none'

export async function prometheusStat(source: PrometheusSource, plan: StatPlan): Promise<StatMeasurement> {
  const seconds = plan.windowMs / 1000
  const window = range(plan.windowMs)
  const warnings: string[] = []
  if (plan.pods.size === 0) {
    const report = buildReport(plan.rows, new Map(), {controlPlaneNamespace: plan.controlPlaneNamespace, windowSeconds: seconds})
    return {report, source: source.info(), warnings}
  }
  const scope = namespaceScope(plan.namespace, new Set([...plan.pods.values()].map((p) => p.metadata?.namespace ?? '')))

  // Which pods Prometheus holds, with their owner labels; its answer's time is every query's.
  plan.progress?.(`asking Prometheus at ${source.client.label}`)
  const present = await podsPresent(source, plan.pods, scope, ownerLabelsOf(plan.rows), plan.controlPlaneNamespace)
  warnings.push(...present.warnings)
  const targeted = [...plan.pods.keys()]

  const groupings = planGroupings(plan.rows, present.pods, warnings)
  const time = present.time
  const results = await Promise.all(groupings.map((g) => queryGrouping(source, plan, g, window, time)))

  // Each row's numbers: its own key's sums (owner label), or its pods' summed.
  const rowSums = new Map<ResourceRow, Sums>()
  groupings.forEach((grouping, i) => {
    const sums = results[i] as Map<string, Sums>
    for (const row of grouping.rows) {
      const total = emptySums()
      for (const key of grouping.keysOf(row)) addSums(total, sums.get(key))
      rowSums.set(row, total)
    }
  })

  const outcomes = new Map<string, PodOutcome>()
  for (const key of targeted) outcomes.set(key, present.pods.has(key) ? {ok: true} : {error: `Prometheus at ${source.client.label} holds no series of this pod`, ok: false})
  const statsOf = (row: ResourceRow, _signals: unknown, measured: number): RowStats => rowStats(rowSums.get(row) ?? emptySums(), measured, seconds)
  const report = buildReport(plan.rows, outcomes, {controlPlaneNamespace: plan.controlPlaneNamespace, statsOf, windowSeconds: seconds})
  if (plan.windowMs < 3 * VIZ_SCRAPE_INTERVAL_SECONDS * 1000 && [...rowSums.values()].every((s) => !s.requests && s.readBytes === undefined)) {
    warnings.push(`Prometheus returned no rates over the ${window} window: a rate needs two samples of a series inside it, and Linkerd viz's Prometheus scrapes every ${VIZ_SCRAPE_INTERVAL_SECONDS}s; try -t 1m`)
  }
  return {report, source: source.info(time), warnings}
}

/** The owner labels (viz's relabelling) the rows' kinds are grouped by, for presence(). */
export function ownerLabelsOf(rows: readonly ResourceRow[]): string[] {
  return [...new Set(rows.map((r) => vizOwnerLabel(r.kind.name)).filter((l): l is string => l !== undefined && l !== 'pod'))]
}

/**
 * How each row is asked for: by its owner label where its pods carry one for the row's own kind
 * (the injector's `linkerd.io/proxy-<kind>`, which viz's relabelling makes `<kind>`), else per pod.
 */
export function planGroupings(rows: readonly ResourceRow[], present: ReadonlyMap<string, Record<string, string>>, warnings: string[]): Grouping[] {
  const byLabel = new Map<string, {rows: Set<ResourceRow>; names: Set<string>}>()
  const perPod = new Set<ResourceRow>()
  const namespaceRows = new Set<ResourceRow>()
  const missing = new Set<string>()
  for (const row of rows) {
    if (row.kind.name === 'namespace') {
      namespaceRows.add(row)
      continue
    }
    const label = vizOwnerLabel(row.kind.name)
    if (label === 'pod') {
      addTo(byLabel, label, row)
      continue
    }
    const injected = injectorOwnerLabel(row.kind.name)
    const labelled = label !== undefined && injected !== undefined && row.pods.length > 0 && row.pods.every((p) => p.metadata?.labels?.[injected] === row.name)
    if (!labelled || label === undefined) {
      perPod.add(row)
      continue
    }
    // The injector labelled the pods; a Prometheus without the label lacks viz's relabelling.
    const seen = row.pods.map((p) => present.get(podKey(p))).filter((l): l is Record<string, string> => l !== undefined)
    if (seen.length > 0 && seen.every((l) => l[label] === undefined || l[label] === '')) {
      missing.add(label)
      perPod.add(row)
      continue
    }
    addTo(byLabel, label, row)
  }
  for (const label of [...missing].sort()) {
    warnings.push(`Prometheus' series lack the \`${label}\` label Linkerd viz's relabelling adds (${relabelRuleFor(label)}): those rows are summed from their current pods, so pods gone within the window are missing`)
  }
  const groupings: Grouping[] = []
  for (const [label, {rows, names}] of byLabel) {
    groupings.push({
      filter: [names.size <= 200 ? oneOf(label, names) : {label, op: '!=', value: ''}],
      keysOf: (row) => [`${row.namespace}/${row.name}`],
      labels: [label],
      rows,
    })
  }
  if (namespaceRows.size > 0) {
    groupings.push({filter: [], keysOf: (row) => [`${row.name}/${row.name}`], labels: [], rows: namespaceRows})
  }
  if (perPod.size > 0) {
    const pods = new Set<string>()
    for (const row of perPod) for (const pod of row.pods) pods.add(pod.metadata?.name ?? '')
    groupings.push({
      filter: [oneOf('pod', pods)],
      keysOf: (row) => row.pods.map((p) => podKey(p)),
      labels: ['pod'],
      rows: perPod,
    })
  }
  return groupings
}

function addTo(map: Map<string, {rows: Set<ResourceRow>; names: Set<string>}>, label: string, row: ResourceRow): void {
  let entry = map.get(label)
  if (!entry) {
    entry = {names: new Set(), rows: new Set()}
    map.set(label, entry)
  }
  entry.rows.add(row)
  entry.names.add(row.name)
}

/** The five queries of one grouping, at `time`; sums by `namespace/<last label>` (namespace rows: `ns/ns`). */
async function queryGrouping(source: PrometheusSource, plan: StatPlan, grouping: Grouping, window: string, time: number | undefined): Promise<Map<string, Sums>> {
  const outbound = plan.direction === 'outbound'
  const rowPods: V1Pod[] = [...grouping.rows].flatMap((r) => r.pods)
  const namespaces = new Set(rowPods.map((p) => p.metadata?.namespace ?? ''))
  const base: Array<Matcher | undefined> = [
    eq('direction', plan.direction),
    plan.namespace !== undefined ? eq('namespace', plan.namespace) : namespaces.size <= 50 ? oneOf('namespace', namespaces) : undefined,
    ...grouping.filter,
    ...peerMatchers(plan.peer),
    // The admin port's own traffic: Prometheus' scrapes and kubelet probes, not the app's.
    !outbound && !plan.includeAdmin ? noneOf('target_port', new Set(rowPods.map((p) => String(adminPort(p.spec))))) : undefined,
  ]
  const group = ['namespace', ...grouping.labels]
  const bytesPeer = eq('peer', outbound ? 'dst' : 'src')
  const [requests, buckets, open, read, write] = await Promise.all([
    source.instant(`sum(increase(${selector('response_total', base)}[${window}])) ${by([...group, 'classification'])}`, time),
    source.instant(`sum(irate(${selector('response_latency_ms_bucket', base)}[${window}])) ${by([...group, 'le'])}`, time),
    source.instant(`sum(${selector('tcp_open_connections', outbound ? [...base, eq('peer', 'dst')] : base)}) ${by(group)}`, time),
    source.instant(`sum(increase(${selector('tcp_read_bytes_total', [...base, bytesPeer])}[${window}])) ${by(group)}`, time),
    source.instant(`sum(increase(${selector('tcp_write_bytes_total', [...base, bytesPeer])}[${window}])) ${by(group)}`, time),
  ])
  const sums = new Map<string, Sums>()
  const at = (labels: Record<string, string>): Sums => {
    const last = grouping.labels.length === 0 ? labels.namespace : labels[grouping.labels[grouping.labels.length - 1] as string]
    const key = `${labels.namespace ?? ''}/${last ?? ''}`
    let entry = sums.get(key)
    if (!entry) {
      entry = emptySums()
      sums.set(key, entry)
    }
    return entry
  }
  const finite = (v: number): number => (Number.isFinite(v) ? v : 0)
  for (const s of requests) {
    const entry = at(s.labels)
    entry.requests = true
    if (s.labels.classification === 'success') entry.success += finite(s.value)
    else if (s.labels.classification === 'failure') entry.failure += finite(s.value)
  }
  for (const s of buckets) {
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le)
    if (Number.isNaN(le)) continue
    const entry = at(s.labels)
    entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + finite(s.value))
  }
  for (const s of open) at(s.labels).tcpOpen = (at(s.labels).tcpOpen ?? 0) + finite(s.value)
  for (const s of read) at(s.labels).readBytes = (at(s.labels).readBytes ?? 0) + finite(s.value)
  for (const s of write) at(s.labels).writeBytes = (at(s.labels).writeBytes ?? 0) + finite(s.value)
  return sums
}

/** --to: the destination's dst_* labels; --from: the client's mTLS identity. */
function peerMatchers(peer: PeerSpec | undefined): Matcher[] {
  if (!peer) return []
  const {kind, name} = peer.target
  if (peer.flag === 'to') {
    const namespace = eq('dst_namespace', peer.namespace)
    if (kind === 'namespace' || name === undefined) return [namespace]
    if (kind === 'service') return [namespace, eq('dst_service', name)]
    // The destination controller labels endpoints with their top owner, as the injector does.
    const label = ['deployment', 'statefulset', 'daemonset', 'job', 'replicationcontroller', 'pod'].includes(kind) ? vizOwnerLabel(kind) : undefined
    if (label) return [namespace, eq(`dst_${label}`, name)]
    return [namespace, peer.pods.size > 0 ? oneOf('dst_pod', peer.pods) : eq('dst_pod', NOTHING)]
  }
  // client_id = <serviceaccount>.<namespace>.serviceaccount.identity.<control plane>.<trust domain>
  const tail = `\\.${escapeRegex(peer.namespace)}\\.serviceaccount\\.identity\\..+`
  if (kind === 'namespace') return [{label: 'client_id', op: '=~', value: `[^.]+${tail}`}]
  if (peer.serviceAccounts.size === 0) return [eq('client_id', NOTHING)]
  return [{label: 'client_id', op: '=~', value: `(${[...peer.serviceAccounts].sort().map(escapeRegex).join('|')})${tail}`}]
}

function addSums(into: Sums, from: Sums | undefined): void {
  if (!from) return
  into.success += from.success
  into.failure += from.failure
  into.requests ||= from.requests
  for (const [le, v] of from.buckets) into.buckets.set(le, (into.buckets.get(le) ?? 0) + v)
  if (from.tcpOpen !== undefined) into.tcpOpen = (into.tcpOpen ?? 0) + from.tcpOpen
  if (from.readBytes !== undefined) into.readBytes = (into.readBytes ?? 0) + from.readBytes
  if (from.writeBytes !== undefined) into.writeBytes = (into.writeBytes ?? 0) + from.writeBytes
}

/** RowStats from a row's sums; `pods` held by Prometheus, rates over the whole window. */
function rowStats(sums: Sums, pods: number, seconds: number): RowStats {
  const some = pods > 0 || sums.requests
  const responses = sums.success + sums.failure
  const stats: RowStats = {
    failureCount: sums.failure,
    latency: latencyQuantiles(sums.buckets),
    pods,
    readBytesRate: sums.readBytes !== undefined ? sums.readBytes / seconds : some ? 0 : undefined,
    resets: undefined,
    restarts: undefined,
    rps: some ? responses / seconds : undefined,
    seconds: some ? {max: seconds, min: seconds} : undefined,
    successCount: sums.success,
    successRate: responses > 0 ? sums.success / responses : undefined,
    tcpOpen: sums.tcpOpen ?? (some ? 0 : undefined),
    writeBytesRate: sums.writeBytes !== undefined ? sums.writeBytes / seconds : some ? 0 : undefined,
  }
  return stats
}
