// Commands that talk to a cluster (check, viz stat, diagnose) share kubectl's flags, and their `-o json`
// is a report: a failure there is written as an error document too.
import {Flags} from '@oclif/core'

import {BaseCommand} from './base-command.js'
import {type ErrorInfo, UsageError} from './errors.js'
import {kubeconfigContextNames, kubeOptions, openKube, openKubeFromText, openPrometheus} from './kube/connect.js'
import {SCRAPE_VIA, type KubeClient, type KubeOptions, type PrometheusClient, type PrometheusEndpoint, type RetryNotice} from './kube/types.js'
import {renderErrorJson} from './output/json.js'
import {retryLine} from './output/retry-line.js'

export interface ClusterFlagValues {
  'all-namespaces'?: boolean
  context?: string | undefined
  kubeconfig?: string | undefined
  'linkerd-namespace': string
  namespace?: string | undefined
  'request-timeout': string
  'scrape-via'?: string | undefined
  verbose?: boolean
}

/**
 * `--scrape-via`, for the commands that read proxies' admin endpoints (check --proxy, viz stat,
 * diagnose pod, proxy-metrics, bundle): how a GET reaches a pod (src/kube/types.ts ScrapeVia).
 */
export function scrapeViaFlag(helpGroup?: string) {
  return Flags.option({
    default: 'auto',
    description: "How proxies' admin endpoints are reached: the API server's pods/proxy subresource over one HTTP/2 connection (proxy), a port-forward per pod (port-forward), or pods/proxy with a port-forward for the pods it cannot reach (auto).",
    options: SCRAPE_VIA,
    ...(helpGroup === undefined ? {} : {helpGroup}),
  })()
}

export abstract class ClusterCommand extends BaseCommand {
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    context: Flags.string({description: 'Name of the kubeconfig context to use.', helpGroup: 'GLOBAL'}),
    kubeconfig: Flags.string({description: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).', helpGroup: 'GLOBAL'}),
    'linkerd-namespace': Flags.string({char: 'L', default: 'linkerd', description: 'Namespace in which Linkerd is installed.', helpGroup: 'GLOBAL'}),
    'request-timeout': Flags.string({default: '10s', description: 'Timeout for each API call (its retries included) and each port-forward (e.g. 5s, 1m).', helpGroup: 'GLOBAL'}),
  }

  /** Set while one JSON document per line is written (--watch): an error document is one line too. */
  protected jsonLines = false

  /** `-o json` is a report here: a failure is written as the error document (docs/exit-codes.md). */
  protected override errorDocument(info: ErrorInfo, format: string): string | undefined {
    return format === 'json' ? renderErrorJson(info, {lines: this.jsonLines}) : undefined
  }

  /**
   * Set by a command while it draws a spinner: an exec credential plugin may write to the terminal
   * or prompt there, so the spinner pauses while it runs (true) and resumes after (false).
   */
  protected pauseSpinner: ((paused: boolean) => void) | undefined

  protected kubeOptions(flags: ClusterFlagValues): KubeOptions {
    return kubeOptions(flags, {onExecPlugin: (running) => this.pauseSpinner?.(running), onRetry: this.retryNotices(flags.verbose === true)})
  }

  /** client-go logs its retries at -v=4; --verbose says on stderr what was retried and why. */
  protected retryNotices(verbose: boolean): ((notice: RetryNotice) => void) | undefined {
    return verbose ? (notice) => this.err(`${retryLine(notice)}\n`) : undefined
  }

  /** `-A` with `-n` is a usage error, as in kubectl: call before connecting. */
  protected rejectAllWithNamespace(flags: ClusterFlagValues): void {
    if (flags['all-namespaces'] && flags.namespace) throw new UsageError('--all-namespaces and --namespace flags are mutually exclusive')
  }

  /** Where a command looks: every namespace with -A (undefined), else -n, else the context's namespace. */
  protected targetNamespace(flags: ClusterFlagValues, kube: KubeClient): string | undefined {
    return flags['all-namespaces'] ? undefined : (flags.namespace ?? kube.namespace)
  }

  /**
   * The cluster client for these flags (src/kube/connect.ts loads the kube layer lazily, so
   * commands without a cluster never pay for it). Throws ClusterError (exit 3) for kubeconfig trouble.
   */
  protected async kube(flags: ClusterFlagValues): Promise<KubeClient> {
    return openKube(this.kubeOptions(flags))
  }

  /** Builds clients for other clusters from kubeconfig text (multicluster Links' Secrets), loaded lazily too. */
  protected remoteKubeFactory(requestTimeoutMs: number): (kubeconfig: string, source: string) => Promise<KubeClient> {
    return (kubeconfig, source) => openKubeFromText(kubeconfig, source, requestTimeoutMs)
  }

  /**
   * A Prometheus HTTP API client (`--prometheus URL|auto`), loaded like the cluster client.
   * `kube` carries the requests to a Prometheus behind a Service.
   */
  protected prometheus(endpoint: PrometheusEndpoint, kube: KubeClient, options: {timeoutMs: number; verbose: boolean; onQuery?: (promql: string, ms: number, samples: number) => void}): Promise<PrometheusClient> {
    const {verbose, ...rest} = options
    return openPrometheus(endpoint, {...rest, kube, onRetry: this.retryNotices(verbose)})
  }

  /** The context names of the kubeconfig these flags (or $KUBECONFIG) point at. */
  protected kubeContexts(kubeconfig: string | undefined): Promise<string[]> {
    return kubeconfigContextNames(kubeconfig)
  }
}
