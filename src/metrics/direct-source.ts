// The direct source: every number from the proxies themselves. Each meshed pod's /metrics is
// fetched through the kube layer (KubeClient.proxyGet: the API server's pods/proxy subresource on
// one HTTP/2 session, or a port-forward, per --scrape-via), twice a window apart for rates, and
// reduced at once to the few series a measurement reads. No Prometheus needed; a window costs a
// window of waiting.
import {TimeoutError} from '../errors.js'
import type {KubeClient, ScrapeVia, V1Pod} from '../kube/types.js'
import {adminPort} from '../mesh/admin-port.js'
import {mapLimit} from '../util/pool.js'
import {aggregateAuthz, AUTHZ_SAMPLES, authzBetween, authzSnapshot, type AuthzSnapshot, type PodAuthz} from './authz.js'
import {connectionGauges, unreadClients, type ConnectionGauge, type EdgesPlan} from './edges-plan.js'
import {buildReport, podKey, type PodError, type PodOutcome} from './report.js'
import {parsedScrape, scrapeWindow, type ScrapeResult, type ScrapeTarget, type Timed, type Timing} from './scrape.js'
import {destinationMatcher, sourceMatcher, type TrafficSelector} from './select.js'
import {SIGNAL_SAMPLES, signalSnapshot, signalsBetween, type PodSignals, type SignalSnapshot} from './signals.js'
import type {AuthzCarry, AuthzMeasurement, AuthzPlan, EdgesReading, MetricsSource, PeerSpec, SourceInfo, StatCarry, StatMeasurement, StatPlan} from './source.js'
import type {Labels} from './types.js'

/** One scrape's value, or why there is none (`timedOut`: the scrape stalled, as in scrape.ts). */
export type OnceResult<T> = {ok: true; value: T} | {ok: false; error: string; timedOut?: true}

export interface DirectOptions {
  /** Fetches in flight at most. */
  concurrency: number
  /** Bound on each fetch. */
  timeoutMs: number
  scrapeVia: ScrapeVia
}

export class DirectSource implements MetricsSource {
  readonly kind = 'direct'
  private readonly scrapes = {portForward: 0, proxy: 0}

  constructor(
    private readonly kube: KubeClient,
    private readonly options: DirectOptions,
  ) {}

  info(): SourceInfo {
    return {kind: 'direct', scrapeVia: this.options.scrapeVia, scrapes: {...this.scrapes}}
  }

  /** The scrape targets of some pods: their admin port, keyed `namespace/name`. */
  targets(pods: StatPlan['pods']): ScrapeTarget[] {
    return [...pods].map(([key, pod]) => ({key, pod: {name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? ''}, port: adminPort(pod.spec)}))
  }

  /** One GET of a pod's /metrics by the chosen path; rejects on anything but a 200. */
  async fetch(target: ScrapeTarget): Promise<string> {
    const result = await this.kube.proxyGet(target.pod, target.port, '/metrics', this.options.timeoutMs)
    if (result.via === 'port-forward') this.scrapes.portForward++
    else this.scrapes.proxy++
    if (result.status !== 200) throw new Error(`/metrics on port ${target.port} answered HTTP ${result.status}${result.via === 'proxy' ? ' through pods/proxy' : ''}`)
    return result.body
  }

  /**
   * One scrape of every target, at most `concurrency` at once, each body turned into the caller's
   * value by `read` at once (gauges and identities: one scrape is enough). Per-target failures are
   * results, as with scrapeWindow.
   */
  async scrapeOnce<T>(targets: readonly ScrapeTarget[], read: (target: ScrapeTarget, body: string) => T): Promise<Map<string, OnceResult<T>>> {
    const results = await mapLimit(targets, this.options.concurrency, async (target): Promise<OnceResult<T>> => {
      try {
        return {ok: true, value: read(target, await this.fetch(target))}
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err)
        return err instanceof TimeoutError ? {error, ok: false, timedOut: true} : {error, ok: false}
      }
    })
    return new Map(targets.map((t, i) => [t.key, results[i] as OnceResult<T>]))
  }

  /** Two scrapes of every target, a window apart (or one, after `previous`'s): see scrape.ts. */
  scrapeWindow<T extends Timed>(targets: readonly ScrapeTarget[], options: {windowMs: number; read: (target: ScrapeTarget, body: string, timing: Timing) => T; previous?: ReadonlyMap<string, T>; onPair?: (target: ScrapeTarget, first: T, second: T) => void}): Promise<Map<string, ScrapeResult<T>>> {
    return scrapeWindow(targets, (t) => this.fetch(t), {concurrency: this.options.concurrency, ...options})
  }

  /** Each measurement (each --watch round) reports its own scrapes. */
  private newRound(): void {
    this.scrapes.portForward = 0
    this.scrapes.proxy = 0
  }

  async stat(plan: StatPlan, carry?: StatCarry): Promise<StatMeasurement> {
    this.newRound()
    const targets = this.targets(plan.pods)
    plan.progress?.(`scraping ${targets.length} meshed pod${targets.length === 1 ? '' : 's'} twice, ${plan.windowMs / 1000}s apart`)
    const match = plan.peer ? peerMatcher(plan.peer) : undefined
    const parse = parsedScrape((name) => SIGNAL_SAMPLES.has(name))
    const selectorOf = (target: ScrapeTarget): TrafficSelector => ({adminPort: target.port, direction: plan.direction, includeAdmin: plan.includeAdmin, ...(match ? {match} : {})})
    const signals = new Map<string, PodSignals>()
    const latest = new Map<string, SignalSnapshot>()
    const scrapes = await this.scrapeWindow(targets, {
      // Each body is reduced to the pod's selected series at once: the parse is not kept.
      read: (target, body, timing) => signalSnapshot(parse(target, body, timing), selectorOf(target)),
      // Each pod's signals as soon as its pair is in, while later pods are still being scraped.
      onPair: (target, first, second) => {
        signals.set(target.key, signalsBetween(first, second))
        latest.set(target.key, second)
      },
      windowMs: plan.windowMs,
      ...(carry ? {previous: carry} : {}),
    })
    // In target order, so per-pod errors are listed the same way every run.
    const outcomes = new Map<string, PodOutcome>()
    for (const {key} of targets) {
      const result = scrapes.get(key)
      const computed = signals.get(key)
      if (result && !result.ok) outcomes.set(key, result.timedOut ? {error: result.error, ok: false, timedOut: true} : {error: result.error, ok: false})
      else if (computed) outcomes.set(key, {ok: true, signals: computed})
    }
    const report = buildReport(plan.rows, outcomes, {controlPlaneNamespace: plan.controlPlaneNamespace, windowSeconds: plan.windowMs / 1000})
    return {carry: latest, report, source: this.info(), warnings: []}
  }

  /**
   * One scrape of each meshed pod in scope, then of the pods elsewhere whose identity their servers
   * saw as clients: edges into the namespace then come from their clients' own series, as in viz.
   */
  async edges(plan: EdgesPlan): Promise<EdgesReading> {
    this.newRound()
    const gauges = new Map<string, ConnectionGauge[]>()
    const errors: PodError[] = []
    const attempted = new Set<string>()
    const scrape = async (pods: readonly V1Pod[]): Promise<void> => {
      const targets = this.targets(new Map(pods.map((pod) => [podKey(pod), pod])))
      if (targets.length === 0) return
      for (const target of targets) attempted.add(target.key)
      plan.request.progress?.(`scraping ${targets.length} meshed pod${targets.length === 1 ? '' : 's'}`)
      const results = await this.scrapeOnce(targets, (_target, body) => connectionGauges(body))
      for (const target of targets) {
        const result = results.get(target.key)
        if (result?.ok) gauges.set(target.key, result.value)
        else if (result) errors.push(podError(target, result))
      }
    }
    // Every pod in scope, selected or not: a selected server's clients report its edges.
    await scrape(plan.inScope)
    await scrape(unreadClients(plan, gauges, attempted))
    return {errors, gauges, podsScraped: gauges.size, podsTargeted: attempted.size, source: this.info(), warnings: []}
  }

  /** Two scrapes of each pod a window apart, reduced to its authorization counters and the traffic they admitted. */
  async authz(plan: AuthzPlan, carry?: AuthzCarry): Promise<AuthzMeasurement> {
    this.newRound()
    const targets = this.targets(plan.pods)
    plan.progress?.(`scraping ${targets.length} meshed pod${targets.length === 1 ? '' : 's'} twice, ${plan.windowMs / 1000}s apart`)
    const parse = parsedScrape((name) => AUTHZ_SAMPLES.has(name))
    const between: PodAuthz[] = []
    const latest = new Map<string, AuthzSnapshot>()
    const results = await this.scrapeWindow(targets, {
      onPair: (target, first, second) => {
        between.push(authzBetween(target.pod.namespace, first, second))
        latest.set(target.key, second)
      },
      read: (target, body, timing) => authzSnapshot(parse(target, body, timing), {adminPort: target.port, includeAdmin: plan.includeAdmin}),
      windowMs: plan.windowMs,
      ...(carry ? {previous: carry} : {}),
    })
    const errors: PodError[] = []
    for (const target of targets) {
      const result = results.get(target.key)
      if (result && !result.ok) errors.push(podError(target, result))
    }
    const seconds = between.map((p) => p.seconds)
    const measuredSeconds = seconds.length > 0 ? {max: Math.max(...seconds), min: Math.min(...seconds)} : undefined
    return {carry: latest, errors, measuredSeconds, podsScraped: between.length, podsTargeted: targets.length, rows: aggregateAuthz(between), source: this.info(), warnings: []}
  }

  async close(): Promise<void> {}
}

function podError(target: ScrapeTarget, result: {error: string; timedOut?: true}): PodError {
  return {error: result.error, namespace: target.pod.namespace, pod: target.pod.name, ...(result.timedOut ? {timedOut: true as const} : {})}
}

/** The --to / --from filter on a pod's own series (dst_* labels, or the mTLS client identity). */
export function peerMatcher(peer: PeerSpec): (labels: Labels) => boolean {
  const {kind, name} = peer.target
  if (peer.flag === 'to') {
    if (kind === 'namespace') return destinationMatcher({namespace: peer.namespace})
    if (kind === 'service' && name !== undefined) return destinationMatcher({namespace: peer.namespace, service: name})
    return destinationMatcher({namespace: peer.namespace, pods: peer.pods})
  }
  if (kind === 'namespace') return sourceMatcher({namespace: peer.namespace})
  return sourceMatcher({namespace: peer.namespace, serviceAccounts: peer.serviceAccounts})
}
