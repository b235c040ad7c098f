// The viz family (stat, edges, authz) shares where its numbers come from: the proxies themselves
// or a Prometheus (src/metrics/source.ts). The flags that choose are defined here once, and
// openSource turns them into the run's one MetricsSource; the window, the first round's spinner
// and the error for an unknown TYPE are shared too.
import {Flags} from '@oclif/core'

import {ClusterCommand, scrapeViaFlag, type ClusterFlagValues} from './cluster-command.js'
import {UsageError} from './errors.js'
import type {ColorMode} from './output/color.js'
import {startProgress} from './output/progress.js'
import {parseDuration} from './util/duration.js'
import type {KubeClient, PrometheusEndpoint, ScrapeVia} from './kube/types.js'
import {DirectSource} from './metrics/direct-source.js'
import {PrometheusSource} from './metrics/prometheus-source.js'
import {chooseSource} from './metrics/source-choice.js'
import type {MetricsSource} from './metrics/source.js'
import {VIZ_NAMESPACE} from './mesh/viz.js'

const SOURCE = 'METRICS SOURCE'

/** --prometheus and friends, and --scrape-via: spread into a viz command's flags. */
export const sourceFlags = {
  prometheus: Flags.string({
    description: "Where the numbers come from: a Prometheus URL (Linkerd viz's, your own, Thanos, Mimir; user:password@ for basic auth), `auto` (Linkerd viz's Prometheus through the API server), or `none` (scrape the proxies). Default: the proxies for windows up to 1m; above, viz's Prometheus when installed.",
    env: 'MESHPORT_PROMETHEUS_URL',
    helpGroup: SOURCE,
  }),
  'prometheus-header': Flags.string({description: "A header for every Prometheus request, 'Name: value' (repeatable): a bearer token, X-Scope-OrgID for a Mimir or Cortex tenant. Values are never printed.", helpGroup: SOURCE, multiple: true}),
  'prometheus-ca': Flags.string({description: "PEM file of the CA that signed Prometheus' certificate (default: the system's trust store).", helpGroup: SOURCE}),
  'prometheus-insecure-skip-tls-verify': Flags.boolean({default: false, description: "Do not verify Prometheus' certificate.", helpGroup: SOURCE}),
  'viz-namespace': Flags.string({default: VIZ_NAMESPACE, description: 'Namespace of Linkerd viz, for --prometheus auto.', helpGroup: SOURCE}),
  'scrape-via': scrapeViaFlag(SOURCE),
}

export interface SourceFlagValues extends ClusterFlagValues {
  prometheus?: string | undefined
  'prometheus-header'?: string[] | undefined
  'prometheus-ca'?: string | undefined
  'prometheus-insecure-skip-tls-verify': boolean
  'viz-namespace': string
  'scrape-via'?: string | undefined
  verbose: boolean
}

/** `Name: value` headers as given to --prometheus-header. */
export function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const value of values) {
    const colon = value.indexOf(':')
    const name = colon > 0 ? value.slice(0, colon).trim() : ''
    // The value is never echoed: it may be a token.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--prometheus-header must be 'Name: value' (got a value without a valid header name before its colon)`, {hint: "e.g. --prometheus-header 'X-Scope-OrgID: team-a'"})
    headers[name] = value.slice(colon + 1).trim()
  }
  return headers
}

/** --window (-t) in milliseconds: a duration of at least 1s. */
export function windowMs(text: string): number {
  const ms = parseDuration(text)
  if (ms === undefined || ms < 1000) throw new UsageError(`invalid --window "${text}": it must be a duration of at least 1s`, {hint: 'e.g. -t 10s, -t 1m'})
  return ms
}

/** A TYPE that no pod has an owner of. */
export function unknownTypeError(kind: string, options: {all: boolean}): UsageError {
  return new UsageError(`unknown resource type "${kind}": no pod has an owner of that kind`, {
    hint: `use deploy, sts, ds, job, cronjob, rs, rc, po, ns, rollout, ${options.all ? 'all, ' : ''}or the kind of a custom owner of your pods`,
  })
}

export abstract class VizCommand extends ClusterCommand {
  /**
   * A spinner on stderr for the first round only (on a terminal, not for JSON); later rounds
   * redraw their data, which is progress enough. `show` is the run's progress callback; `round`
   * wraps a round and ends the spinner, and `show` with it, once the first is over.
   */
  protected async firstRoundProgress(enabled: boolean, color: ColorMode): Promise<{show: (message: string) => void; round: <T>(run: Promise<T>) => Promise<T>}> {
    const progress = await startProgress({color, enabled})
    this.pauseSpinner = (paused) => progress.pause(paused)
    let first = true
    return {
      round: (run) =>
        run.finally(() => {
          first = false
          progress.stop()
        }),
      show: (message) => {
        if (first) progress.show(message)
      },
    }
  }

  /** Runs `fn` with the run's source (openSource), closed after it, also when `fn` throws. */
  protected async withSource<T>(kube: KubeClient, flags: SourceFlagValues, window: {ms: number; text: string}, options: {concurrency: number}, fn: (source: MetricsSource) => Promise<T>): Promise<T> {
    const source = await this.openSource(kube, flags, window, options)
    try {
      return await fn(source)
    } finally {
      await source.close()
    }
  }

  /**
   * The source of this run, from the flags and the window: see src/metrics/source-choice.ts. A
   * notice (which source was picked, or how long a direct run will take) goes to stderr.
   */
  protected async openSource(kube: KubeClient, flags: SourceFlagValues, window: {ms: number; text: string}, options: {concurrency: number}): Promise<MetricsSource> {
    const headers = parseHeaders(flags['prometheus-header'] ?? [])
    const choice = await chooseSource(kube, {prometheus: flags.prometheus, vizNamespace: flags['viz-namespace'], windowMs: window.ms, windowText: window.text})
    if (choice.notice) this.err(`${choice.notice}\n`)
    const timeoutMs = this.kubeOptions(flags).requestTimeoutMs
    if (choice.kind === 'direct') {
      return new DirectSource(kube, {concurrency: options.concurrency, scrapeVia: (flags['scrape-via'] ?? 'auto') as ScrapeVia, timeoutMs})
    }
    const endpoint: PrometheusEndpoint =
      choice.kind === 'url'
        ? {caFile: flags['prometheus-ca'], headers, insecureSkipTlsVerify: flags['prometheus-insecure-skip-tls-verify'], kind: 'url', url: choice.url}
        : {headers, kind: 'service', name: choice.name, namespace: choice.namespace, port: choice.port}
    const onQuery = flags.verbose ? (promql: string, ms: number, samples: number) => this.err(`# ${Math.round(ms)}ms, ${samples} sample${samples === 1 ? '' : 's'}: ${promql}\n`) : undefined
    const client = await this.prometheus(endpoint, kube, {timeoutMs, verbose: flags.verbose, ...(onQuery ? {onQuery} : {})})
    if (flags.verbose) {
      const names = Object.keys(headers)
      this.err(`Querying Prometheus at ${client.label}${names.length > 0 ? ` with header${names.length === 1 ? '' : 's'} ${names.join(', ')}` : ''}\n`)
    }
    return new PrometheusSource(client)
  }
}
