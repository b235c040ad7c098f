// Two scrapes of every proxy, a window apart, with at most `concurrency` fetches in flight. A
// pod's second fetch starts `window` after its own first one began, and no slot is held while
// waiting, so 200 pods take about the window plus one round of fetches, not 200 windows.
// The fetch itself (a port-forwarded GET) and what a body becomes (`read`: parsed, or reduced
// further) are injected: this module does no IO and no parsing of its own.
import {TimeoutError} from '../errors.js'
import {MetricsParseError, parsePrometheusText} from './parse.js'
import type {Scrape} from './signals.js'
import type {ParsedMetrics} from './types.js'
import {sleep as defaultSleep} from '../util/sleep.js'

export interface ScrapeTarget {
  /** `namespace/name`, also the key of the result. */
  key: string
  pod: {name: string; namespace: string}
  port: number
}

/** Fetches one /metrics body; rejects on any failure (refused forward, timeout, HTTP status). */
export type FetchMetrics = (target: ScrapeTarget) => Promise<string>

/** When a body was fetched: its fetch began at `startedAt` and it arrived at `at`. */
export interface Timing {
  at: number
  startedAt: number
}

/** What `read` makes of a body keeps its timing: the next scrape is due a window after `startedAt`. */
export interface Timed {
  at: number
  startedAt?: number
}

export interface ScrapeOptions<T extends Timed> {
  windowMs: number
  /** Turns a body into the caller's value; throws (e.g. on garbage) to fail the pod. */
  read: (target: ScrapeTarget, body: string, timing: Timing) => T
  concurrency: number
  /** Earlier values to use as the first of the pair (watch mode: the previous window's second). */
  previous?: ReadonlyMap<string, T>
  /**
   * Called as soon as a pod's pair is complete, while other pods are still in flight: per-pod
   * work done here overlaps the remaining fetches instead of following the last one.
   */
  onPair?: (target: ScrapeTarget, first: T, second: T) => void
  /** Unread first bodies held at most (bytes of text) before reading them at once. */
  deferredParseLimit?: number
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

/** The second value of each pod (the first of the next window in watch mode), or its error. */
export type ScrapeResult<T> = {ok: true; second: T} | {ok: false; error: string; timedOut?: true}

/** A `read` that parses the body (keeping only `keepSample` samples when given). */
export function parsedScrape(keepSample?: (sampleName: string) => boolean): (target: ScrapeTarget, body: string, timing: Timing) => Scrape {
  return (_target, body, timing) => ({...timing, metrics: parseBody(body, keepSample)})
}

/** Parses a /metrics body; a body that is not exposition text fails its pod with the reason. */
export function parseBody(body: string, keepSample?: (sampleName: string) => boolean): ParsedMetrics {
  try {
    return parsePrometheusText(body, keepSample ? {keepSample} : {})
  } catch (err) {
    if (err instanceof MetricsParseError) throw new Error(`/metrics is not Prometheus text: ${err.message}`)
    throw err
  }
}

/** A fetched body not read yet, with its timing. */
interface Fetched extends Timing {
  body: string
}


// Parsing is most of a scrape's CPU on our side. While first fetches are still going, the
// bodies wait (up to this much text) and are parsed once the round is over, in the window's
// idle time, so they do not hold up the port-forwards of the pods behind them.
const DEFAULT_DEFERRED_PARSE_LIMIT = 64 * 1024 * 1024

export async function scrapeWindow<T extends Timed>(targets: readonly ScrapeTarget[], fetch: FetchMetrics, options: ScrapeOptions<T>): Promise<Map<string, ScrapeResult<T>>> {
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
  const read = (target: ScrapeTarget, {body, at, startedAt}: Fetched): T => options.read(target, body, {at, startedAt})

  const round = firstRound(targets.filter((t) => !options.previous?.has(t.key)).length)
  const limitBytes = options.deferredParseLimit ?? DEFAULT_DEFERRED_PARSE_LIMIT
  let heldBytes = 0
  const firstOf = async (target: ScrapeTarget): Promise<T> => {
    const earlier = options.previous?.get(target.key)
    if (earlier) return earlier
    let fetched: Fetched
    try {
      fetched = await get(target)
    } finally {
      round.settle()
    }
    if (heldBytes + fetched.body.length > limitBytes) return read(target, fetched)
    heldBytes += fetched.body.length
    await Promise.race([round.over, sleep(dueAt(fetched) - now())])
    heldBytes -= fetched.body.length
    return read(target, fetched)
  }
  const dueAt = (first: Timed): number => (first.startedAt ?? first.at) + options.windowMs

  const results = new Map<string, ScrapeResult<T>>()
  await Promise.all(
    targets.map(async (target) => {
      try {
        const first = await firstOf(target)
        const due = dueAt(first)
        await sleep(due - now())
        // Timers may fire up to a millisecond early on this clock (their start is the event loop's
        // cached time, stale after a long tick), again on a second try: never start before the window is over.
        while (now() < due) await sleep(due - now())
        const second = read(target, await get(target))
        options.onPair?.(target, first, second)
        results.set(target.key, {ok: true, second})
      } catch (err) {
        results.set(target.key, err instanceof TimeoutError ? {error: describe(err), ok: false, timedOut: true} : {error: describe(err), ok: false})
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
