// One pod's golden signals from two scrapes of its proxy, a window apart: counter deltas with
// reset handling, then the sums a stat row needs. Pure: no IO, no clock.
import {selectsHttp, selectsTcp, type TrafficSelector} from './select.js'
import {labelKey} from './parse.js'
import type {Labels, ParsedMetrics, Sample} from './types.js'

export interface Scrape {
  metrics: ParsedMetrics
  /** When the body arrived, in ms (any monotonic clock; only differences are used). */
  at: number
  /** When its fetch began, on the same clock: the pod's next scrape is due a window after it. */
  startedAt?: number
}

export interface PodSignals {
  /** Seconds between the two scrapes of this pod (by the proxy's uptime counter when it has one). */
  seconds: number
  /** The proxy restarted between the scrapes (process_start_time_seconds changed). */
  restarted: boolean
  /** Series whose counter dropped (reset) and whose new value was used as the delta. */
  resets: number
  success: number
  failure: number
  /** le (ms, +Infinity last) → summed cumulative count delta over the selected series. */
  latencyBuckets: Map<number, number>
  /** tcp_open_connections at the second scrape; undefined when the proxy exports none selected. */
  tcpOpen: number | undefined
  readBytes: number
  writeBytes: number
}

/** The only samples podSignals reads: scrapes for stat can skip every other line. */
export const SIGNAL_SAMPLES: ReadonlySet<string> = new Set([
  'process_start_time_seconds',
  'process_uptime_seconds_total',
  'response_latency_ms_bucket',
  'response_total',
  'tcp_open_connections',
  'tcp_read_bytes_total',
  'tcp_write_bytes_total',
])

/**
 * What one scrape contributes to a pod's signals: the selected series' counter values and the
 * gauges, keyed by series. Much smaller than the parsed body, so a stat run keeps this between
 * a pod's two scrapes (and across --watch windows) instead of the whole parse.
 */
export interface SignalSnapshot {
  /** When the body arrived (see Scrape.at). */
  at: number
  /** When its fetch began (see Scrape.startedAt). */
  startedAt?: number
  startTime: number | undefined
  uptime: number | undefined
  // Counters by series. Every series of the direction is kept, and `counted` says whether it
  // passes the --to/--from filter: in --watch the filter is resolved again each window (peer
  // pods come and go), and a series that starts to count needs its earlier value for a delta.
  /** response_total: value and classification. */
  responses: Map<string, Counted & {classification: string | undefined}>
  /** response_latency_ms buckets, by series and bound. */
  buckets: Map<string, Counted & {le: number}>
  readBytes: Map<string, Counted>
  writeBytes: Map<string, Counted>
  /** Sum of the selected tcp_open_connections; undefined when none is exported. */
  tcpOpen: number | undefined
}

interface Counted {
  value: number
  counted: boolean
}

/** Reduces one scrape to what podSignals reads, for one pod's traffic selection. */
export function signalSnapshot(scrape: Scrape, selector: TrafficSelector): SignalSnapshot {
  const {metrics} = scrape
  const {match, ...direction} = selector
  const counted = (labels: Labels): boolean => (match ? match(labels) : true)
  const snapshot: SignalSnapshot = {
    ...scrapeClock(scrape),
    buckets: new Map(),
    readBytes: new Map(),
    responses: new Map(),
    tcpOpen: undefined,
    writeBytes: new Map(),
  }
  const http = (labels: Labels): boolean => selectsHttp(labels, direction)
  for (const sample of samplesOf(metrics, 'response_total', 'response_total')) {
    if (http(sample.labels)) snapshot.responses.set(seriesOf(sample), {classification: sample.labels.classification, counted: counted(sample.labels), value: sample.value})
  }
  for (const sample of samplesOf(metrics, 'response_latency_ms', 'response_latency_ms_bucket')) {
    if (!http(sample.labels)) continue
    const le = parseLe(sample.labels.le)
    if (le !== undefined) snapshot.buckets.set(seriesOf(sample), {counted: counted(sample.labels), le, value: sample.value})
  }
  for (const [family, field] of [
    ['tcp_read_bytes_total', 'readBytes'],
    ['tcp_write_bytes_total', 'writeBytes'],
  ] as const) {
    for (const sample of samplesOf(metrics, family, family)) {
      if (selectsTcp(sample.labels, direction, true)) snapshot[field].set(seriesOf(sample), {counted: counted(sample.labels), value: sample.value})
    }
  }
  for (const sample of samplesOf(metrics, 'tcp_open_connections', 'tcp_open_connections')) {
    if (!selectsTcp(sample.labels, selector, false) || !Number.isFinite(sample.value)) continue
    snapshot.tcpOpen = (snapshot.tcpOpen ?? 0) + sample.value
  }
  return snapshot
}

/** Computes one pod's signals. `before` and `after` are two scrapes of the same proxy. */
export function podSignals(before: Scrape, after: Scrape, selector: TrafficSelector): PodSignals {
  return signalsBetween(signalSnapshot(before, selector), signalSnapshot(after, selector))
}

/** When a scrape was taken, and the proxy's own clocks in it. */
export interface ScrapeClock {
  at: number
  startedAt?: number
  startTime: number | undefined
  uptime: number | undefined
}

/** The timing of a scrape and the proxy's start time and uptime in it. */
export function scrapeClock(scrape: Scrape): ScrapeClock {
  const clock: ScrapeClock = {
    at: scrape.at,
    startTime: gaugeValue(scrape.metrics, 'process_start_time_seconds'),
    uptime: samplesOf(scrape.metrics, 'process_uptime_seconds', 'process_uptime_seconds_total')[0]?.value,
  }
  if (scrape.startedAt !== undefined) clock.startedAt = scrape.startedAt
  return clock
}

/** Seconds between two scrapes of one proxy, and whether it restarted in between. */
export function scrapeSpan(before: ScrapeClock, after: ScrapeClock): {seconds: number; restarted: boolean} {
  const restarted = before.startTime !== undefined && after.startTime !== undefined && before.startTime !== after.startTime
  // The proxy's own clock between its two renders is exact; our clock also counts port-forward
  // setup, which varies per scrape. Older proxies without the uptime counter fall back to ours.
  const clockSeconds = Math.max(0, (after.at - before.at) / 1000)
  let proxySeconds: number | undefined
  if (!restarted && before.uptime !== undefined && after.uptime !== undefined && after.uptime > before.uptime) proxySeconds = after.uptime - before.uptime
  // After a restart the new counters cover exactly the new process's lifetime, which began after
  // the first scrape was rendered (our clock would also count the first body's trip back to us).
  if (restarted && after.uptime !== undefined && after.uptime > 0) proxySeconds = after.uptime
  return {restarted, seconds: proxySeconds ?? clockSeconds}
}

/**
 * A counter series' increase between two scrapes, as Prometheus' increase() makes it of two
 * samples: a series that is new, or whose proxy restarted, started at 0; one that went down was
 * reset and counts its new value (`reset`).
 */
export function counterIncrease(old: number | undefined, value: number, restarted: boolean): {delta: number; reset: boolean} {
  if (!Number.isFinite(value)) return {delta: 0, reset: false}
  if (restarted || old === undefined) return {delta: value, reset: false}
  if (value < old) return {delta: value, reset: true}
  return {delta: value - old, reset: false}
}

/** One pod's signals from the snapshots of two scrapes of its proxy, a window apart. */
export function signalsBetween(before: SignalSnapshot, after: SignalSnapshot): PodSignals {
  const {restarted, seconds} = scrapeSpan(before, after)
  const signals: PodSignals = {
    failure: 0,
    latencyBuckets: new Map(),
    readBytes: 0,
    resets: 0,
    restarted,
    seconds,
    success: 0,
    tcpOpen: after.tcpOpen,
    writeBytes: 0,
  }
  const increase = (old: number | undefined, value: number): number => {
    const {delta, reset} = counterIncrease(old, value, restarted)
    if (reset) signals.resets++
    return delta
  }
  for (const [key, {classification, counted, value}] of after.responses) {
    if (!counted) continue
    const delta = increase(before.responses.get(key)?.value, value)
    if (classification === 'success') signals.success += delta
    else if (classification === 'failure') signals.failure += delta
  }
  for (const [key, {counted, le, value}] of after.buckets) {
    if (counted) signals.latencyBuckets.set(le, (signals.latencyBuckets.get(le) ?? 0) + increase(before.buckets.get(key)?.value, value))
  }
  for (const [key, {counted, value}] of after.readBytes) if (counted) signals.readBytes += increase(before.readBytes.get(key)?.value, value)
  for (const [key, {counted, value}] of after.writeBytes) if (counted) signals.writeBytes += increase(before.writeBytes.get(key)?.value, value)
  return signals
}

/** The identity of a sample's series (its labels), as the parser keyed it. */
export function seriesOf(sample: Sample): string {
  return sample.series ?? labelKey(sample.labels)
}

/** The samples of one name within a family (`response_latency_ms` → `response_latency_ms_bucket`). */
export function samplesOf(metrics: ParsedMetrics, family: string, sampleName: string): Sample[] {
  return (metrics.families.get(family)?.samples ?? []).filter((s) => s.name === sampleName)
}

function gaugeValue(metrics: ParsedMetrics, family: string): number | undefined {
  return metrics.families.get(family)?.samples[0]?.value
}

/** A histogram bucket's `le` as a number (+Infinity for `+Inf`). */
export function parseLe(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (text === '+Inf' || text === 'Inf' || text === '+inf') return Number.POSITIVE_INFINITY
  const value = Number(text)
  return Number.isNaN(value) || text.trim() === '' ? undefined : value
}
