// Two scrapes of every proxy, a window apart, with at most `concurrency` fetches in flight. A
// pod's second fetch starts `window` after its own first one began, and no slot is held while
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
  /**
   * Called as soon as a pod's pair is complete, while other pods are still in flight: per-pod
   * work done here overlaps the remaining fetches instead of following the last one.
   */
  onPair?: (target: ScrapeTarget, first: Scrape, second: Scrape) => void
  /** Unparsed first bodies held at most (bytes of text) before parsing them at once. */
  deferredParseLimit?: number
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

export type ScrapeResult = {ok: true; first: Scrape; second: Scrape} | {ok: false; error: string}

/** A fetched body not parsed yet, with its timing. */
interface Fetched {
  body: string
  at: number
  startedAt: number
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

// Parsing is most of a scrape's CPU on our side. While first fetches are still going, the
// bodies wait (up to this much text) and are parsed once the round is over, in the window's
// idle time, so they do not hold up the port-forwards of the pods behind them.
const DEFAULT_DEFERRED_PARSE_LIMIT = 64 * 1024 * 1024

export async function scrapeWindow(targets: readonly ScrapeTarget[], fetch: FetchMetrics, options: ScrapeOptions): Promise<Map<string, ScrapeResult>> {
  const now = options.now ?? (() => performance.now())
  const sleep = options.sleep ?? defaultSleep
  const limit = limiter(options.concurrency)
  const get = (target: ScrapeTarget): Promise<Fetched> =>
    limit(async () => {
      const startedAt = now()
      const body = await fetch(target)
      // Most of a scrape is port-forward setup before the proxy renders; the body is read right
      // after, so its arrival is the closest local estimate of when the counters were taken.
      return {at: now(), body, startedAt}
    })
  const parse = (fetched: Fetched): Scrape => {
    try {
      const metrics = parsePrometheusText(fetched.body, options.keepSample ? {keepSample: options.keepSample} : {})
      return {at: fetched.at, metrics, startedAt: fetched.startedAt}
    } catch (err) {
      if (err instanceof MetricsParseError) throw new Error(`/metrics is not Prometheus text: ${err.message}`)
      throw err
    }
  }

  const round = firstRound(targets.filter((t) => !options.previous?.has(t.key)).length)
  const limitBytes = options.deferredParseLimit ?? DEFAULT_DEFERRED_PARSE_LIMIT
  let heldBytes = 0
  const firstOf = async (target: ScrapeTarget): Promise<Scrape> => {
    const earlier = options.previous?.get(target.key)
    if (earlier) return earlier
    let fetched: Fetched
    try {
      fetched = await get(target)
    } finally {
      round.settle()
    }
    if (heldBytes + fetched.body.length > limitBytes) return parse(fetched)
    heldBytes += fetched.body.length
    await Promise.race([round.over, sleep(dueAt(fetched) - now())])
    heldBytes -= fetched.body.length
    return parse(fetched)
  }
  const dueAt = (first: {at: number; startedAt?: number}): number => (first.startedAt ?? first.at) + options.windowMs

  const results = new Map<string, ScrapeResult>()
  await Promise.all(
    targets.map(async (target) => {
      try {
        const first = await firstOf(target)
        await sleep(dueAt(first) - now())
        const second = parse(await get(target))
        options.onPair?.(target, first, second)
        results.set(target.key, {first, ok: true, second})
      } catch (err) {
        results.set(target.key, {error: describe(err), ok: false})
      }
    }),
  )
  return results
}

/** Resolves `over` once `count` first fetches have settled (at once when there are none). */
function firstRound(count: number): {over: Promise<void>; settle: () => void} {
  let left = count
  let done!: () => void
  const over = new Promise<void>((resolve) => {
    done = resolve
  })
  if (left === 0) done()
  return {
    over,
    settle: () => {
      if (--left === 0) done()
    },
  }
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
