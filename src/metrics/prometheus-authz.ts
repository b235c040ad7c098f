// `viz authz` from a Prometheus, with Linkerd viz's queries (linkerd/linkerd2
// viz/metrics-api/authz.go, policy.go) over the target's series, by the six labels a proxy gives
// what admitted a request (server, route, authorization: kind and name of each):
//
//   requests   sum(increase(response_total{direction="inbound", F}[W])) by (G, classification)
//   allowed    sum(increase(inbound_http_authz_allow_total{F}[W])) by (G)
//   refused    sum(increase(inbound_http_authz_deny_total{F}[W])) by (G)
//   latency    sum(irate(response_latency_ms_bucket{direction="inbound", F}[W])) by (G, le), the
//              quantiles computed here over that vector as viz's histogram_quantile does
//
// F: the target's namespace and owner label (viz's `deployment="web"`; per pod for kinds the
// relabelling does not name, as prometheus-stat.ts does) and, unless --include-admin, the admin
// port (`target_port!="4191"`). G: namespace, the owner label, and the six labels. Counts are not
// rounded (viz rounds each to an integer); rates are over the whole window, as viz's.
import {adminPort} from '../mesh/admin-port.js'
import {latencyQuantiles} from './aggregate.js'
import {authzKeyId, authzKeyOf, authzRow, type AuthzCounts, type AuthzKey, type AuthzRow} from './authz.js'
import {namespaceScope, podsPresent} from './prometheus-presence.js'
import type {PrometheusSource} from './prometheus-source.js'
import {ownerLabelsOf, planGroupings, type Grouping} from './prometheus-stat.js'
import {by, eq, noneOf, range, selector, type Matcher} from './promql.js'
import type {AuthzMeasurement, AuthzPlan} from './source.js'

/** The labels of what admitted a request (or, without authz_*, refused it). */
const ADMITTED_BY = ['srv_kind', 'srv_name', 'route_kind', 'route_name', 'authz_kind', 'authz_name']

interface Counted {
  namespace: string
  key: AuthzKey
  counts: AuthzCounts
}

export async function prometheusAuthz(source: PrometheusSource, plan: AuthzPlan): Promise<AuthzMeasurement> {
  const seconds = plan.windowMs / 1000
  const empty: AuthzMeasurement = {errors: [], measuredSeconds: undefined, podsScraped: 0, podsTargeted: 0, rows: [], source: source.info(), warnings: []}
  if (plan.pods.size === 0) return empty
  const scope = namespaceScope(plan.namespace, new Set([...plan.pods.values()].map((p) => p.metadata?.namespace ?? '')))
  plan.progress?.(`asking Prometheus at ${source.client.label}`)
  const present = await podsPresent(source, plan.pods, scope, ownerLabelsOf(plan.rows), plan.controlPlaneNamespace)
  const warnings = [...present.warnings]
  const counted = new Map<string, Counted>()
  await Promise.all(planGroupings(plan.rows, present.pods, warnings).map((grouping) => queryGrouping(source, plan, grouping, present.time, counted)))
  const rows: AuthzRow[] = [...counted.values()].map(({counts, key, namespace}) => authzRow(namespace, key, counts, seconds, latencyQuantiles(counts.buckets)))
  return {
    ...empty,
    measuredSeconds: {max: seconds, min: seconds},
    podsScraped: [...plan.pods.keys()].filter((key) => present.pods.has(key)).length,
    podsTargeted: plan.pods.size,
    rows,
    source: source.info(present.time),
    warnings,
  }
}

/** The four queries of one grouping of the target's rows, at `time`, added into `counted` by namespace and row key. */
async function queryGrouping(source: PrometheusSource, plan: AuthzPlan, grouping: Grouping, time: number | undefined, counted: Map<string, Counted>): Promise<void> {
  const pods = [...grouping.rows].flatMap((r) => r.pods)
  const filter: Array<Matcher | undefined> = [
    namespaceScope(plan.namespace, new Set(pods.map((p) => p.metadata?.namespace ?? ''))),
    ...grouping.filter,
    // The admin port's own traffic: Prometheus' scrapes and kubelet probes, not the app's.
    plan.includeAdmin ? undefined : noneOf('target_port', new Set(pods.map((p) => String(adminPort(p.spec))))),
  ]
  const inbound = [eq('direction', 'inbound'), ...filter]
  const window = range(plan.windowMs)
  const group = ['namespace', ...grouping.labels, ...ADMITTED_BY]
  const [responses, allowed, refused, buckets] = await Promise.all([
    source.instant(`sum(increase(${selector('response_total', inbound)}[${window}])) ${by([...group, 'classification'])}`, time),
    source.instant(`sum(increase(${selector('inbound_http_authz_allow_total', filter)}[${window}])) ${by(group)}`, time),
    source.instant(`sum(increase(${selector('inbound_http_authz_deny_total', filter)}[${window}])) ${by(group)}`, time),
    source.instant(`sum(irate(${selector('response_latency_ms_bucket', inbound)}[${window}])) ${by([...group, 'le'])}`, time),
  ])
  // Only the rows asked for: an owner name may be taken in a namespace outside them.
  const keys = new Set([...grouping.rows].flatMap((row) => grouping.keysOf(row)))
  const last = grouping.labels.at(-1)
  const countsOf = (labels: Record<string, string>): AuthzCounts | undefined => {
    const namespace = labels.namespace ?? ''
    if (!keys.has(`${namespace}/${last === undefined ? namespace : (labels[last] ?? '')}`)) return undefined
    const key = authzKeyOf(labels)
    const id = `${namespace}\u0000${authzKeyId(key)}`
    let entry = counted.get(id)
    if (!entry) {
      entry = {counts: {allowed: 0, buckets: new Map(), denied: 0, failure: 0, success: 0}, key, namespace}
      counted.set(id, entry)
    }
    return entry.counts
  }
  const finite = (v: number): number => (Number.isFinite(v) ? v : 0)
  for (const s of responses) {
    const counts = countsOf(s.labels)
    if (counts && s.labels.classification === 'success') counts.success += finite(s.value)
    else if (counts && s.labels.classification === 'failure') counts.failure += finite(s.value)
  }
  for (const s of allowed) {
    const counts = countsOf(s.labels)
    if (counts) counts.allowed += finite(s.value)
  }
  for (const s of refused) {
    const counts = countsOf(s.labels)
    if (counts) counts.denied += finite(s.value)
  }
  for (const s of buckets) {
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le)
    const counts = Number.isNaN(le) ? undefined : countsOf(s.labels)
    if (counts) counts.buckets.set(le, (counts.buckets.get(le) ?? 0) + finite(s.value))
  }
}
