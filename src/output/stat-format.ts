// Linkerd's number formats for viz stat cells (linkerd/linkerd2 viz/cmd/stat.go): `%.2f%%`, `%.1frps`,
// `<int>ms`, `%.1fB/s`. Go's printf rounds the exact binary value with ties to even, where
// JavaScript's toFixed rounds ties up (0.25 → "0.3" vs Go's "0.2"); goFixed reproduces Go.
import type {QuantileResult} from '../metrics/quantile.js'

export const NO_DATA = '-'

export function goFixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN'
  const plain = value.toFixed(digits)
  // A tie is a value whose exact decimal expansion ends with a single 5 right after `digits`.
  const exact = value.toFixed(Math.min(100, digits + 40))
  const tail = exact.slice(exact.indexOf('.') + 1 + digits)
  if (!/^50*$/.test(tail)) return plain
  const down = truncateFixed(exact, digits)
  const lastDigit = Number(down.replace(/[^0-9]/g, '').slice(-1))
  return lastDigit % 2 === 0 ? down : plain
}

function truncateFixed(exact: string, digits: number): string {
  const dot = exact.indexOf('.')
  const cut = digits === 0 ? exact.slice(0, dot) : exact.slice(0, dot + 1 + digits)
  return cut === '-0' || /^-0\.0*$/.test(cut) ? cut.slice(1) : cut
}

export function formatSuccess(ratio: number | undefined): string {
  return ratio === undefined ? NO_DATA : `${goFixed(ratio * 100, 2)}%`
}

export function formatRps(rps: number | undefined): string {
  return rps === undefined ? NO_DATA : `${goFixed(rps, 1)}rps`
}

export function formatBytesRate(rate: number | undefined): string {
  return rate === undefined ? NO_DATA : `${goFixed(rate, 1)}B/s`
}

export function formatCount(count: number | undefined): string {
  return count === undefined ? NO_DATA : String(Math.round(count))
}

/** A bucket at least twice as high as its lower bound: the interpolated value is mostly guesswork. */
export function isWideBucket(result: QuantileResult): boolean {
  return result.upper === Number.POSITIVE_INFINITY || result.upper >= 2 * result.lower
}

/**
 * Latency as Linkerd prints it (rounded ms). With `honest`, a quantile that falls in a wide bucket
 * is shown as the bucket's upper bound (`≤ 100ms`), or `> 50000ms` past the last finite bucket.
 */
export function formatLatency(result: QuantileResult | undefined, honest = false): string {
  if (!result) return NO_DATA
  if (honest && isWideBucket(result)) {
    return result.upper === Number.POSITIVE_INFINITY ? `> ${result.lower}ms` : `≤ ${result.upper}ms`
  }
  return `${Math.round(result.value)}ms`
}
