// `viz edges` from the proxies themselves: one scrape of each meshed pod's connection gauges is
// enough (no window). The pods in scope are scraped first; then the pods elsewhere whose identity
// their servers saw as clients, so edges into the namespace come from their clients' own series,
// as they would in Linkerd viz. What the gauges mean is edges-plan.ts's business.
import type {KubeClient, V1Pod} from '../kube/types.js'
import {adminPort} from '../mesh/admin-port.js'
import type {Edge} from './edges.js'
import {connectionGauges, edgesOf, isEdgesStop, planEdges, unreadClients, type ConnectionGauge, type EdgesRequest} from './edges-plan.js'
import {proxyMetricsFetcher} from './proxy-fetch.js'
import {podKey, type PodError} from './report.js'
import {scrapeOnce, type ScrapeTarget} from './scrape.js'

export type {EdgesRequest} from './edges-plan.js'

export interface DirectEdgesOptions {
  concurrency: number
  scrapeTimeoutMs: number
}

export interface EdgesRun {
  edges: Edge[]
  podsTargeted: number
  podsScraped: number
  errors: PodError[]
  warnings: string[]
  /** A custom type that no pod's owner chain has (a typo). */
  unknownType: boolean
  /** What the request names that does not exist (`namespace shop`): nothing was scraped. */
  notFound: string[]
}

export async function runEdges(kube: KubeClient, request: EdgesRequest & DirectEdgesOptions): Promise<EdgesRun> {
  const plan = await planEdges(kube, request)
  if (isEdgesStop(plan)) return {...plan, edges: [], errors: [], podsScraped: 0, podsTargeted: 0, warnings: []}
  const fetch = proxyMetricsFetcher(kube, request.scrapeTimeoutMs)
  const gauges = new Map<string, ConnectionGauge[]>()
  const errors: PodError[] = []
  const attempted = new Set<string>()
  const scrape = async (pods: readonly V1Pod[]): Promise<void> => {
    const targets: ScrapeTarget[] = pods.map((pod) => ({key: podKey(pod), pod: {name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? ''}, port: adminPort(pod.spec)}))
    if (targets.length === 0) return
    for (const target of targets) attempted.add(target.key)
    request.progress?.(`scraping ${targets.length} meshed pod${targets.length === 1 ? '' : 's'}`)
    const results = await scrapeOnce(targets, fetch, {concurrency: request.concurrency, read: (_target, body) => connectionGauges(body)})
    for (const target of targets) {
      const result = results.get(target.key)
      if (result?.ok) gauges.set(target.key, result.value)
      else if (result) errors.push({error: result.error, namespace: target.pod.namespace, pod: target.pod.name, ...(result.timedOut ? {timedOut: true as const} : {})})
    }
  }
  // Every pod in scope, selected or not: a selected server's clients report its edges.
  await scrape(plan.inScope)
  await scrape(unreadClients(plan, gauges, attempted))
  return {edges: edgesOf(plan, gauges), errors, podsScraped: gauges.size, podsTargeted: attempted.size, notFound: [], unknownType: false, warnings: plan.warnings}
}
