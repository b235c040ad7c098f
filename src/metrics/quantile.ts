// Prometheus' classic-histogram quantile (histogram_quantile / BucketQuantile), applied to
// summed bucket deltas. Viz uses exactly this on irate() of the buckets, and the result does not
// change when every bucket is scaled, so raw deltas give the same numbers.

export interface Bucket {
  /** Upper bound (`le`), +Infinity for the last bucket. */
  le: number
  /** Cumulative count. */
  count: number
}

export interface QuantileResult {
  /** The interpolated value, as Prometheus computes it. */
  value: number
  /** Bounds of the bucket that holds the rank: the true quantile lies in (lower, upper]. */
  lower: number
  upper: number
}

/**
 * `histogram_quantile(q, buckets)`, plus the bucket that holds the answer. Undefined where
 * Prometheus answers NaN: no +Inf bucket, fewer than two buckets, or no observations.
 */
export function histogramQuantile(q: number, input: readonly Bucket[]): QuantileResult | undefined {
  if (Number.isNaN(q) || q < 0 || q > 1) return undefined
  const buckets = coalesce(input)
  if (buckets.length < 2) return undefined
  const last = buckets[buckets.length - 1] as Bucket
  if (last.le !== Number.POSITIVE_INFINITY) return undefined
  ensureMonotonic(buckets)
  const total = last.count
  if (!(total > 0)) return undefined
  const rank = q * total
  const index = buckets.findIndex((b, i) => i < buckets.length - 1 && b.count >= rank)
  if (index === -1) {
    // Rank in the +Inf bucket: Prometheus answers the highest finite bound.
    const upperFinite = (buckets[buckets.length - 2] as Bucket).le
    return {lower: upperFinite, upper: Number.POSITIVE_INFINITY, value: upperFinite}
  }
  const bucket = buckets[index] as Bucket
  if (index === 0 && bucket.le <= 0) return {lower: bucket.le, upper: bucket.le, value: bucket.le}
  const start = index === 0 ? 0 : (buckets[index - 1] as Bucket).le
  const prevCount = index === 0 ? 0 : (buckets[index - 1] as Bucket).count
  const inBucket = bucket.count - prevCount
  // inBucket is 0 only for rank 0 landing in an empty first bucket.
  const value = inBucket > 0 ? start + (bucket.le - start) * ((rank - prevCount) / inBucket) : start
  return {lower: start, upper: bucket.le, value}
}

function coalesce(input: readonly Bucket[]): Bucket[] {
  const sorted = [...input].filter((b) => !Number.isNaN(b.le)).sort((a, b) => a.le - b.le)
  const merged: Bucket[] = []
  for (const bucket of sorted) {
    const previous = merged[merged.length - 1]
    if (previous && previous.le === bucket.le) previous.count += bucket.count
    else merged.push({count: bucket.count, le: bucket.le})
  }
  return merged
}

// Counts summed from separately reset series can come out non-monotonic; Prometheus raises each
// bucket to its predecessor.
function ensureMonotonic(buckets: Bucket[]): void {
  let max = Number.NEGATIVE_INFINITY
  for (const bucket of buckets) {
    if (bucket.count > max) max = bucket.count
    else bucket.count = max
  }
}
