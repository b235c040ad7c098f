// The one way a command gets a cluster client (kubectl's flags in, a KubeClient out) or a
// Prometheus client (--prometheus). The rest of the kube layer (and what it loads) is imported
// here, lazily, so that commands and paths that never reach a cluster (inject without
// --from-cluster, --version) never load it.
import {UsageError} from '../errors.js'
import {parseDuration} from '../util/duration.js'
import type {PrometheusOptions} from './prometheus.js'
import type {KubeClient, KubeOptions, PrometheusClient, PrometheusEndpoint, ScrapeVia} from './types.js'

export interface KubeFlagValues {
  context?: string | undefined
  kubeconfig?: string | undefined
  'request-timeout': string
  /** --scrape-via, on the commands that read proxies' admin endpoints. */
  'scrape-via'?: string | undefined
}

/** The client options for these flags; UsageError (exit 2) for a bad --request-timeout. */
export function kubeOptions(flags: KubeFlagValues, extra: Pick<KubeOptions, 'onExecPlugin' | 'onRetry'> = {}): KubeOptions {
  const requestTimeoutMs = parseDuration(flags['request-timeout'])
  if (requestTimeoutMs === undefined || requestTimeoutMs <= 0) {
    throw new UsageError(`invalid --request-timeout "${flags['request-timeout']}"`, {hint: 'use a duration such as 10s, 500ms or 1m'})
  }
  const options: KubeOptions = {context: flags.context, kubeconfig: flags.kubeconfig, ...extra, requestTimeoutMs}
  if (flags['scrape-via'] !== undefined) options.scrapeVia = flags['scrape-via'] as ScrapeVia
  return options
}

/** Throws ClusterError (exit 3) for kubeconfig trouble. */
export async function openKube(options: KubeOptions): Promise<KubeClient> {
  const {createKubeClient} = await import('./index.js')
  return createKubeClient(options)
}

/** A client for another cluster from kubeconfig text (a multicluster Link's Secret); `source` names it in errors. */
export async function openKubeFromText(kubeconfig: string, source: string, requestTimeoutMs: number): Promise<KubeClient> {
  const {kubeClientFromText} = await import('./index.js')
  return kubeClientFromText(kubeconfig, source, requestTimeoutMs)
}

/** A Prometheus HTTP API client (`--prometheus URL|auto`); `options.kube` carries requests to a Prometheus behind a Service. */
export async function openPrometheus(endpoint: PrometheusEndpoint, options: PrometheusOptions): Promise<PrometheusClient> {
  const index = await import('./index.js')
  return index.openPrometheus(endpoint, options)
}

/** The context names of the kubeconfig `kubeconfig` (else $KUBECONFIG, else ~/.kube/config) holds, for completion. */
export async function kubeconfigContextNames(kubeconfig: string | undefined): Promise<string[]> {
  const {kubeconfigContexts} = await import('./index.js')
  return kubeconfigContexts(kubeconfig)
}
