// Two scrapes of every proxy, a window apart, with at most `concurrency` fetches in flight. A
// pod's second scrape is scheduled `window` after its own first one, and no slot is held while
// waiting, so 200 pods take about the window plus one round of fetches, not 200 windows.
// The fetch itself (a port-forwarded GET) is injected: this module does no IO of its own.
import {MetricsParseError, parsePrometheusText} from './parse.js'
import type {Scrape} from './signals.js'

export interface ScrapeTarget {
  /** `namespace/name`, also the key of the result. */
  key: string
  pod: {name: string; namespace: string}
  port: number
}

/** Fetches one /metrics body; rejects on any failure (refused forward, timeout, HTTP status). */
export type FetchMetrics = (target: ScrapeTarget) => Promise<string>

export interface ScrapeOptions {
  windowMs: number
  /** Passed to the parser: only these samples are kept (the rest of each body is skimmed). */
  keepSample?: (sampleName: string) => boolean
  concurrency: number
  /** Earlier scrapes to use as the first of the pair (watch mode: the previous window's second). */
  previous?: ReadonlyMap<string, Scrape>
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

export type ScrapeResult = {ok: true; first: Scrape; second: Scrape} | {ok: false; error: string}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

export async function scrapeWindow(targets: readonly ScrapeTarget[], fetch: FetchMetrics, options: ScrapeOptions): Promise<Map<string, ScrapeResult>> {
  const now = options.now ?? (() => performance.now())
  const sleep = options.sleep ?? defaultSleep
  const limit = limiter(options.concurrency)
  const once = (target: ScrapeTarget): Promise<Scrape> =>
    limit(async () => {
      const body = await fetch(target)
      // Most of a scrape is port-forward setup before the proxy renders; the body is read right
      // after, so its arrival is the closest local estimate of when the counters were taken.
      const at = now()
      try {
        return {at, metrics: parsePrometheusText(body, options.keepSample ? {keepSample: options.keepSample} : {})}
      } catch (err) {
        if (err instanceof MetricsParseError) throw new Error(`/metrics is not Prometheus text: ${err.message}`)
        throw err
      }
    })
  const results = new Map<string, ScrapeResult>()
  await Promise.all(
    targets.map(async (target) => {
      try {
        const first = options.previous?.get(target.key) ?? (await once(target))
        await sleep(first.at + options.windowMs - now())
        const second = await once(target)
        results.set(target.key, {first, ok: true, second})
      } catch (err) {
        results.set(target.key, {error: describe(err), ok: false})
      }
    }),
  )
  return results
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A counting semaphore: runs at most `max` tasks at once, in arrival order. */
function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const queue: Array<() => void> = []
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
    if (active >= Math.max(1, max)) await new Promise<void>((resolve) => queue.push(resolve))
    else active++
    try {
      return await task()
    } finally {
      const next = queue.shift()
      if (next) next()
      else active--
    }
  }
}
