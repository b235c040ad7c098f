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

/** Computes one pod's signals. `before` and `after` are two scrapes of the same proxy. */
export function podSignals(before: Scrape, after: Scrape, selector: TrafficSelector): PodSignals {
  const startBefore = gaugeValue(before.metrics, 'process_start_time_seconds')
  const startAfter = gaugeValue(after.metrics, 'process_start_time_seconds')
  const restarted = startBefore !== undefined && startAfter !== undefined && startBefore !== startAfter
  // The proxy's own clock between its two renders is exact; our clock also counts port-forward
  // setup, which varies per scrape. Older proxies without the uptime counter fall back to ours.
  const upBefore = samplesOf(before.metrics, 'process_uptime_seconds', 'process_uptime_seconds_total')[0]?.value
  const upAfter = samplesOf(after.metrics, 'process_uptime_seconds', 'process_uptime_seconds_total')[0]?.value
  const clockSeconds = Math.max(0, (after.at - before.at) / 1000)
  let proxySeconds: number | undefined
  if (!restarted && upBefore !== undefined && upAfter !== undefined && upAfter > upBefore) proxySeconds = upAfter - upBefore
  // After a restart the new counters cover exactly the new process's lifetime, which began after
  // the first scrape was rendered (our clock would also count the first body's trip back to us).
  if (restarted && upAfter !== undefined && upAfter > 0) proxySeconds = upAfter
  const signals: PodSignals = {
    failure: 0,
    latencyBuckets: new Map(),
    readBytes: 0,
    resets: 0,
    restarted,
    seconds: proxySeconds ?? clockSeconds,
    success: 0,
    tcpOpen: undefined,
    writeBytes: 0,
  }
  const increase = (previous: Map<string, number>, sample: Sample): number => {
    const old = restarted ? undefined : previous.get(sample.series ?? labelKey(sample.labels))
    if (!Number.isFinite(sample.value)) return 0
    if (old === undefined) return sample.value // new series (or restart): it started at 0
    if (sample.value < old) {
      signals.resets++
      return sample.value
    }
    return sample.value - old
  }

  const http = (labels: Labels): boolean => selectsHttp(labels, selector)
  const responsesBefore = index(before.metrics, 'response_total', 'response_total', http)
  for (const sample of samplesOf(after.metrics, 'response_total', 'response_total')) {
    if (!http(sample.labels)) continue
    const delta = increase(responsesBefore, sample)
    if (sample.labels.classification === 'success') signals.success += delta
    else if (sample.labels.classification === 'failure') signals.failure += delta
  }

  const bucketsBefore = index(before.metrics, 'response_latency_ms', 'response_latency_ms_bucket', http)
  for (const sample of samplesOf(after.metrics, 'response_latency_ms', 'response_latency_ms_bucket')) {
    if (!http(sample.labels)) continue
    const le = parseLe(sample.labels.le)
    if (le === undefined) continue
    signals.latencyBuckets.set(le, (signals.latencyBuckets.get(le) ?? 0) + increase(bucketsBefore, sample))
  }

  const tcpBytes = (labels: Labels): boolean => selectsTcp(labels, selector, true)
  for (const [family, field] of [
    ['tcp_read_bytes_total', 'readBytes'],
    ['tcp_write_bytes_total', 'writeBytes'],
  ] as const) {
    const previous = index(before.metrics, family, family, tcpBytes)
    for (const sample of samplesOf(after.metrics, family, family)) {
      if (tcpBytes(sample.labels)) signals[field] += increase(previous, sample)
    }
  }

  for (const sample of samplesOf(after.metrics, 'tcp_open_connections', 'tcp_open_connections')) {
    if (!selectsTcp(sample.labels, selector, false) || !Number.isFinite(sample.value)) continue
    signals.tcpOpen = (signals.tcpOpen ?? 0) + sample.value
  }
  return signals
}

function samplesOf(metrics: ParsedMetrics, family: string, sampleName: string): Sample[] {
  return (metrics.families.get(family)?.samples ?? []).filter((s) => s.name === sampleName)
}

function index(metrics: ParsedMetrics, family: string, sampleName: string, keep: (labels: Labels) => boolean): Map<string, number> {
  const map = new Map<string, number>()
  for (const sample of samplesOf(metrics, family, sampleName)) {
    if (keep(sample.labels)) map.set(sample.series ?? labelKey(sample.labels), sample.value)
  }
  return map
}

function gaugeValue(metrics: ParsedMetrics, family: string): number | undefined {
  return metrics.families.get(family)?.samples[0]?.value
}


function parseLe(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (text === '+Inf' || text === 'Inf' || text === '+inf') return Number.POSITIVE_INFINITY
  const value = Number(text)
  return Number.isNaN(value) || text.trim() === '' ? undefined : value
}
