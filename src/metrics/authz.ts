// `viz authz`: a workload's inbound traffic per Server, route and authorization, with the
// requests its proxies refused. The proxy labels every admitted request with what admitted it
// (`srv_*`, `route_*`, `authz_*` on `inbound_http_authz_allow_total` and the HTTP families) and
// counts refusals in `inbound_http_authz_deny_total` (no `authz_*`); viz groups all of them by
// those six labels (linkerd/linkerd2 viz/metrics-api/authz.go). Pure: scrapes in, rows out.
import type {QuantileResult} from './quantile.js'
import {latencyQuantiles} from './aggregate.js'
import {counterIncrease, parseLe, samplesOf, scrapeClock, scrapeSpan, seriesOf, type Scrape, type ScrapeClock} from './signals.js'
import type {Labels} from './types.js'

/** What a row is about: the Server (or default policy), the route, and what admitted the traffic. */
export interface AuthzKey {
  server: {kind: string; name: string}
  route: {kind: string; name: string}
  /** kind '' for refused requests (the deny counter names no authorization). */
  authz: {kind: string; name: string}
}

/** The only samples an authz snapshot reads: scrapes can skip every other line. */
export const AUTHZ_SAMPLES: ReadonlySet<string> = new Set([
  'inbound_http_authz_allow_total',
  'inbound_http_authz_deny_total',
  'process_start_time_seconds',
  'process_uptime_seconds_total',
  'response_latency_ms_bucket',
  'response_total',
])

export function authzKeyOf(labels: Labels): AuthzKey {
  return {
    authz: {kind: labels.authz_kind ?? '', name: labels.authz_name ?? ''},
    route: {kind: labels.route_kind ?? '', name: labels.route_name ?? ''},
    server: {kind: labels.srv_kind ?? '', name: labels.srv_name ?? ''},
  }
}

export function authzKeyId(key: AuthzKey): string {
  return [key.server.kind, key.server.name, key.route.kind, key.route.name, key.authz.kind, key.authz.name].join('\u0000')
}

interface Counter {
  key: string
  value: number
}

/** One scrape reduced to the counters of its inbound, non-admin series, by row key. */
export interface AuthzSnapshot extends ScrapeClock {
  keys: Map<string, AuthzKey>
  allow: Map<string, Counter>
  deny: Map<string, Counter>
  responses: Map<string, Counter & {classification: string | undefined}>
  buckets: Map<string, Counter & {le: number}>
}

export interface AuthzSelector {
  /** The pod's admin port: its series are scrapes and probes, not application traffic. */
  adminPort: number
  includeAdmin: boolean
}

export function authzSnapshot(scrape: Scrape, selector: AuthzSelector): AuthzSnapshot {
  const snapshot: AuthzSnapshot = {...scrapeClock(scrape), allow: new Map(), buckets: new Map(), deny: new Map(), keys: new Map(), responses: new Map()}
  const admin = String(selector.adminPort)
  const keyOf = (labels: Labels): string | undefined => {
    if (!selector.includeAdmin && labels.target_port === admin) return undefined
    const key = authzKeyOf(labels)
    const id = authzKeyId(key)
    if (!snapshot.keys.has(id)) snapshot.keys.set(id, key)
    return id
  }
  // The authorization counters carry no `direction`: they are inbound by nature.
  for (const [family, into] of [
    ['inbound_http_authz_allow_total', snapshot.allow],
    ['inbound_http_authz_deny_total', snapshot.deny],
  ] as const) {
    for (const sample of samplesOf(scrape.metrics, family, family)) {
      const key = keyOf(sample.labels)
      if (key !== undefined) into.set(seriesOf(sample), {key, value: sample.value})
    }
  }
  for (const sample of samplesOf(scrape.metrics, 'response_total', 'response_total')) {
    const key = sample.labels.direction === 'inbound' ? keyOf(sample.labels) : undefined
    if (key !== undefined) snapshot.responses.set(seriesOf(sample), {classification: sample.labels.classification, key, value: sample.value})
  }
  for (const sample of samplesOf(scrape.metrics, 'response_latency_ms', 'response_latency_ms_bucket')) {
    const key = sample.labels.direction === 'inbound' ? keyOf(sample.labels) : undefined
    const le = parseLe(sample.labels.le)
    if (key !== undefined && le !== undefined) snapshot.buckets.set(seriesOf(sample), {key, le, value: sample.value})
  }
  return snapshot
}

/** One row's counts in one pod's window. */
export interface AuthzCounts {
  allowed: number
  denied: number
  success: number
  failure: number
  /** le → summed bucket increase. */
  buckets: Map<number, number>
}

export interface PodAuthz {
  namespace: string
  seconds: number
  restarted: boolean
  resets: number
  keys: Map<string, AuthzKey>
  rows: Map<string, AuthzCounts>
}

/** One pod's counts per row between two scrapes of its proxy. */
export function authzBetween(namespace: string, before: AuthzSnapshot, after: AuthzSnapshot): PodAuthz {
  const {restarted, seconds} = scrapeSpan(before, after)
  const pod: PodAuthz = {keys: after.keys, namespace, resets: 0, restarted, rows: new Map(), seconds}
  const row = (key: string): AuthzCounts => {
    let counts = pod.rows.get(key)
    if (!counts) {
      counts = {allowed: 0, buckets: new Map(), denied: 0, failure: 0, success: 0}
      pod.rows.set(key, counts)
    }
    return counts
  }
  const increase = (old: Counter | undefined, now: Counter): number => {
    const {delta, reset} = counterIncrease(old?.value, now.value, restarted)
    if (reset) pod.resets++
    return delta
  }
  for (const [series, now] of after.allow) row(now.key).allowed += increase(before.allow.get(series), now)
  for (const [series, now] of after.deny) row(now.key).denied += increase(before.deny.get(series), now)
  for (const [series, now] of after.responses) {
    const delta = increase(before.responses.get(series), now)
    if (now.classification === 'success') row(now.key).success += delta
    else if (now.classification === 'failure') row(now.key).failure += delta
  }
  for (const [series, now] of after.buckets) {
    const counts = row(now.key)
    counts.buckets.set(now.le, (counts.buckets.get(now.le) ?? 0) + increase(before.buckets.get(series), now))
  }
  return pod
}

export interface AuthzRow {
  /** Namespace of the pods (and so of the Server). */
  namespace: string
  key: AuthzKey
  allowedCount: number
  deniedCount: number
  successCount: number
  failureCount: number
  /** Per second: responses, refused requests and admitted ones. */
  rps: number
  deniedRate: number
  allowedRate: number
  /** success / (success + failure); undefined without responses. */
  successRate: number | undefined
  /** By quantile (0.5, 0.95, 0.99); missing without observations. */
  latency: Map<number, QuantileResult>
}

/** A row's rates from counts over a window in seconds (the Prometheus source's way). */
export function authzRow(namespace: string, key: AuthzKey, counts: Omit<AuthzCounts, 'buckets'>, seconds: number, latency: Map<number, QuantileResult>): AuthzRow {
  const per = (n: number): number => (seconds > 0 ? n / seconds : 0)
  const responses = counts.success + counts.failure
  return {
    allowedCount: counts.allowed,
    allowedRate: per(counts.allowed),
    deniedCount: counts.denied,
    deniedRate: per(counts.denied),
    failureCount: counts.failure,
    key,
    latency,
    namespace,
    rps: per(responses),
    successCount: counts.success,
    successRate: responses > 0 ? counts.success / responses : undefined,
  }
}

/**
 * Rows over every pod of the workload: counts summed, rates summed per pod (each over its own
 * measured seconds), latency quantiles from the summed bucket increases.
 */
export function aggregateAuthz(pods: readonly PodAuthz[]): AuthzRow[] {
  const rows = new Map<string, AuthzRow & {buckets: Map<number, number>}>()
  for (const pod of pods) {
    for (const [id, counts] of pod.rows) {
      const key = pod.keys.get(id)
      if (!key) continue
      const rowId = `${pod.namespace}\u0000${id}`
      let row = rows.get(rowId)
      if (!row) {
        row = {...authzRow(pod.namespace, key, {allowed: 0, denied: 0, failure: 0, success: 0}, 0, new Map()), buckets: new Map()}
        rows.set(rowId, row)
      }
      const share = authzRow(pod.namespace, key, counts, pod.seconds, new Map())
      row.allowedCount += counts.allowed
      row.deniedCount += counts.denied
      row.successCount += counts.success
      row.failureCount += counts.failure
      row.allowedRate += share.allowedRate
      row.deniedRate += share.deniedRate
      row.rps += share.rps
      for (const [le, n] of counts.buckets) row.buckets.set(le, (row.buckets.get(le) ?? 0) + n)
    }
  }
  return [...rows.values()].map(({buckets, ...row}) => {
    const responses = row.successCount + row.failureCount
    return {...row, latency: latencyQuantiles(buckets), successRate: responses > 0 ? row.successCount / responses : undefined}
  })
}
