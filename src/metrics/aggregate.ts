// A stat row from the signals of its pods: counts are summed; rates are per-pod deltas over each
// pod's own measured seconds, then summed (pods are scraped at slightly different moments).
import {histogramQuantile, type Bucket, type QuantileResult} from './quantile.js'
import type {PodSignals} from './signals.js'

export const QUANTILES = [0.5, 0.95, 0.99] as const

/** p50, p95 and p99 of a histogram given as le → count (counts or rates alike); none without observations. */
export function latencyQuantiles(buckets: ReadonlyMap<number, number>): Map<number, QuantileResult> {
  const list: Bucket[] = [...buckets].map(([le, count]) => ({count, le}))
  const quantiles = new Map<number, QuantileResult>()
  for (const q of QUANTILES) {
    const result = histogramQuantile(q, list)
    if (result) quantiles.set(q, result)
  }
  return quantiles
}

export interface RowStats {
  /** Pods whose two scrapes succeeded. */
  pods: number
  successCount: number
  failureCount: number
  /** success / (success + failure); undefined without responses. */
  successRate: number | undefined
  /** Responses per second; undefined when no pod was scraped. */
  rps: number | undefined
  /** Keyed by quantile (0.5, 0.95, 0.99); missing where there were no observations. */
  latency: Map<number, QuantileResult>
  tcpOpen: number | undefined
  readBytesRate: number | undefined
  writeBytesRate: number | undefined
  /** Shortest and longest measured window among the pods, in seconds. */
  seconds: {min: number; max: number} | undefined
  /** Proxies that restarted between their scrapes; undefined where not measured (Prometheus). */
  restarts: number | undefined
  /** Counter series that went down between two scrapes; undefined where not measured (Prometheus corrects them in increase()). */
  resets: number | undefined
}

export function aggregate(pods: readonly PodSignals[]): RowStats {
  const row: RowStats = {
    failureCount: 0,
    latency: new Map(),
    pods: pods.length,
    readBytesRate: undefined,
    resets: 0,
    restarts: 0,
    rps: undefined,
    seconds: undefined,
    successCount: 0,
    successRate: undefined,
    tcpOpen: undefined,
    writeBytesRate: undefined,
  }
  const buckets = new Map<number, number>()
  for (const pod of pods) {
    row.successCount += pod.success
    row.failureCount += pod.failure
    if (pod.seconds > 0) {
      row.rps = (row.rps ?? 0) + (pod.success + pod.failure) / pod.seconds
      row.readBytesRate = (row.readBytesRate ?? 0) + pod.readBytes / pod.seconds
      row.writeBytesRate = (row.writeBytesRate ?? 0) + pod.writeBytes / pod.seconds
    }
    // A scraped pod without selected connection series has 0 open, not "no data".
    row.tcpOpen = (row.tcpOpen ?? 0) + (pod.tcpOpen ?? 0)
    addCounts(buckets, pod.latencyBuckets)
    row.seconds = {max: Math.max(row.seconds?.max ?? 0, pod.seconds), min: Math.min(row.seconds?.min ?? Infinity, pod.seconds)}
    if (pod.restarted) row.restarts = (row.restarts ?? 0) + 1
    row.resets = (row.resets ?? 0) + pod.resets
  }
  const responses = row.successCount + row.failureCount
  if (responses > 0) row.successRate = row.successCount / responses
  row.latency = latencyQuantiles(buckets)
  return row
}

// The loop over every pod's buckets, in a function of its own: it is the hot part of a report,
// and when it sat inside aggregate, V8 optimised all of aggregate (inlining the quantile maths) on
// a background thread right at the end of a large run, ~30 ms the process then waited for at exit.
function addCounts(into: Map<number, number>, from: ReadonlyMap<number, number>): void {
  for (const [le, count] of from) into.set(le, (into.get(le) ?? 0) + count)
}
