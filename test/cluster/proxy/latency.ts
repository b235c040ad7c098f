// Fills response_latency_ms buckets so that Prometheus' histogram_quantile (linear interpolation
// inside the bucket where the rank falls) returns the declared p50/p95/p99. Quantile q at x in
// bucket (lo, hi] is exact iff (1-r)·F(lo) + r·F(hi) = q with r = (x-lo)/(hi-lo), where F is the
// cumulative fraction at a bound. We solve those equalities bucket by bucket, propagating the
// feasible range of each bucket's upper F from right to left so that neighbouring targets that
// share a bound stay exact. Impossible combinations (two targets too close in one bucket) are
// clamped: the closest monotone histogram is produced instead.
import type {Latency} from '../scenario.js'

/** Upper bounds of linkerd2-proxy's latency histogram in ms (linkerd/metrics/src/latency.rs); +Inf follows. */
export const LATENCY_BOUNDS_MS = [1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000] as const

interface Target {
  hi: number // bound index of the bucket's upper edge
  lo: number // bound index of the lower edge, -1 for the virtual 0 bound
  q: number
  r: number
}

function boundValue(index: number): number {
  return index < 0 ? 0 : (LATENCY_BOUNDS_MS[index] as number)
}

function bucketOf(x: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((b) => x <= b)
  return index < 0 ? LATENCY_BOUNDS_MS.length - 1 : index
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))

/** Cumulative fraction of requests at each finite bound (same length as LATENCY_BOUNDS_MS). */
export function latencyCdf(latency: Latency): number[] {
  const raw = [
    {q: 0.5, x: latency.p50},
    {q: 0.95, x: latency.p95},
    {q: 0.99, x: latency.p99},
  ]
  const targets: Target[] = []
  for (const {q, x} of raw) {
    const xx = Math.min(Math.max(x, 0.001), LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] as number)
    const hi = bucketOf(xx)
    const lo = hi - 1
    const r = (xx - boundValue(lo)) / (boundValue(hi) - boundValue(lo))
    targets.push({hi, lo, q, r: clamp(r, 1e-6, 1)})
  }

  // Fixed values at bound indexes (index -1 is the virtual 0 bound).
  const fixed = new Map<number, number>([[-1, 0]])

  // Merge targets that share a bucket: two equalities fix both edges.
  const groups: Target[][] = []
  for (const t of targets) {
    const last = groups[groups.length - 1]
    if (last && last[0]?.hi === t.hi) last.push(t)
    else groups.push([t])
  }

  // Right-to-left: the feasible range [min, max] of F at each group's upper edge.
  const upperRange: Array<[number, number]> = new Array(groups.length)
  let nextLoRange: [number, number] = [0, 1]
  let nextLoIndex = Number.POSITIVE_INFINITY
  for (let g = groups.length - 1; g >= 0; g--) {
    const group = groups[g] as Target[]
    const t = group[group.length - 1] as Target
    let range: [number, number] = [t.q, 1]
    if (t.hi === nextLoIndex) range = [Math.max(range[0], nextLoRange[0]), Math.min(range[1], nextLoRange[1])]
    else range = [range[0], Math.min(range[1], nextLoRange[1])]
    if (range[0] > range[1]) range = [range[1], range[1]]
    upperRange[g] = range
    const first = group[0] as Target
    // F(lo) = (q - r·F(hi)) / (1 - r) is decreasing in F(hi).
    if (first.r >= 1) nextLoRange = [0, first.q]
    else {
      const a = (first.q - first.r * range[1]) / (1 - first.r)
      const b = (first.q - first.r * range[0]) / (1 - first.r)
      nextLoRange = [clamp(a, 0, first.q), clamp(b, 0, first.q)]
    }
    nextLoIndex = first.lo
  }

  // Left-to-right: pick values.
  let prev = 0
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g] as Target[]
    const first = group[0] as Target
    const range = upperRange[g] as [number, number]
    let fLo: number
    let fHi: number
    if (group.length >= 2) {
      const second = group[group.length - 1] as Target
      const w = second.r !== first.r ? (second.q - first.q) / (second.r - first.r) : 0
      fLo = fixed.get(first.lo) ?? clamp(first.q - first.r * w, prev, first.q)
      fHi = clamp(fLo + w, Math.max(fLo, second.q), 1)
    } else if (fixed.has(first.lo)) {
      fLo = fixed.get(first.lo) as number
      fHi = clamp(fLo + (first.q - fLo) / first.r, range[0], range[1])
    } else if (first.r >= 1) {
      fHi = first.q
      fLo = prev + (first.q - prev) * 0.5
    } else {
      // F(lo) >= prev  <=>  F(hi) <= (q - (1-r)·prev) / r
      const upper = Math.min(range[1], (first.q - (1 - first.r) * prev) / first.r)
      fHi = clamp((range[0] + upper) / 2, range[0], Math.max(range[0], upper))
      fLo = clamp((first.q - first.r * fHi) / (1 - first.r), prev, first.q)
    }
    fixed.set(first.lo, fLo)
    fixed.set(first.hi, Math.max(fHi, fLo))
    prev = Math.max(fHi, fLo)
  }

  // Everything after the last target's bucket lands in the next bucket.
  const lastHi = (targets[targets.length - 1] as Target).hi
  if ((fixed.get(lastHi) ?? 0) < 1 && lastHi + 1 < LATENCY_BOUNDS_MS.length) fixed.set(lastHi + 1, 1)

  // Linear interpolation (in ms) between the fixed anchors; 1 after the last anchor.
  const anchors = [...fixed.entries()].sort((a, b) => a[0] - b[0])
  const cdf: number[] = []
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
    const exact = fixed.get(i)
    if (exact !== undefined) {
      cdf.push(exact)
      continue
    }
    const before = [...anchors].reverse().find(([index]) => index < i) ?? [-1, 0]
    const after = anchors.find(([index]) => index > i)
    if (!after) {
      cdf.push(1)
      continue
    }
    const x0 = boundValue(before[0])
    const x1 = boundValue(after[0])
    cdf.push(before[1] + ((after[1] - before[1]) * (boundValue(i) - x0)) / (x1 - x0))
  }
  // Monotone and within [0, 1] whatever happened above.
  for (let i = 0; i < cdf.length; i++) cdf[i] = clamp(cdf[i] as number, i > 0 ? (cdf[i - 1] as number) : 0, 1)
  return cdf
}

/** Mean latency in ms of the piecewise-uniform distribution the CDF describes (for `_sum`). */
export function cdfMean(cdf: number[]): number {
  let mean = 0
  let prevF = 0
  let prevX = 0
  for (let i = 0; i < cdf.length; i++) {
    const f = cdf[i] as number
    const x = LATENCY_BOUNDS_MS[i] as number
    mean += (f - prevF) * ((prevX + x) / 2)
    prevF = f
    prevX = x
  }
  return mean + (1 - prevF) * prevX
}

/**
 * Prometheus' classic-histogram quantile (BucketQuantile) over cumulative counts at
 * LATENCY_BOUNDS_MS plus a +Inf total; used by tests to prove the buckets read back right.
 */
export function histogramQuantile(q: number, cumulative: number[], total: number): number {
  if (total <= 0) return Number.NaN
  const rank = q * total
  for (let i = 0; i < cumulative.length; i++) {
    if ((cumulative[i] as number) >= rank) {
      const start = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] as number)
      const prevCount = i === 0 ? 0 : (cumulative[i - 1] as number)
      const end = LATENCY_BOUNDS_MS[i] as number
      const count = (cumulative[i] as number) - prevCount
      return count === 0 ? end : start + ((end - start) * (rank - prevCount)) / count
    }
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] as number
}
