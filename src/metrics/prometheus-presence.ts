// Which pods a Prometheus holds series of, and why it holds none. Every proxy a Prometheus
// scrapes has `response_total` series (its scrapes are requests to the admin port), carrying the
// target labels viz's relabelling gives (namespace, pod, deployment, …). One query,
//   group by (namespace, pod, <owner labels>) (response_total{<scope>})
// tells which pods are there, with which labels, and fixes the evaluation time of every later
// query of the run. When none of the pods asked about is there, a few counts tell apart a
// Prometheus that scrapes no proxy at all, one whose series lack `namespace` or `pod`, and one
// that does not scrape these namespaces, each with what to do about it.
import {MeshError} from '../errors.js'
import {PrometheusErrorCode, type V1Pod} from '../kube/types.js'
import {relabelRuleFor} from '../mesh/viz.js'
import {by, eq, ne, oneOf, selector, type Matcher} from './promql.js'
import type {PrometheusSource} from './prometheus-source.js'

export interface Presence {
  /** The answer's evaluation time (seconds); undefined when it was empty. */
  time: number | undefined
  /** Pods with series, by `namespace/pod`, with the labels asked for. */
  pods: Map<string, Record<string, string>>
}

/** The metric every scraped proxy has. */
export const PRESENCE_METRIC = 'response_total'

export async function presence(source: PrometheusSource, scope: ReadonlyArray<Matcher | undefined>, labels: readonly string[]): Promise<Presence> {
  const samples = await source.instant(`group ${by(['namespace', 'pod', ...labels])} (${selector(PRESENCE_METRIC, scope)})`)
  const pods = new Map<string, Record<string, string>>()
  for (const sample of samples) {
    const {namespace, pod} = sample.labels
    if (namespace && pod) pods.set(`${namespace}/${pod}`, sample.labels)
  }
  return {pods, time: samples[0]?.time}
}

/** The namespaces a query covers: the request's, else those of the pods (a list up to 50 long), else any. */
export function namespaceScope(namespace: string | undefined, namespaces: ReadonlySet<string>): Matcher | undefined {
  if (namespace !== undefined) return eq('namespace', namespace)
  return namespaces.size <= 50 ? oneOf('namespace', namespaces) : undefined
}

export interface PodsPresent extends Presence {
  /** One per namespace where Prometheus lacks some of the pods: a namespace left out of the scrape config is one cause. */
  warnings: string[]
}

/**
 * Which of a run's meshed pods (by `namespace/name`) Prometheus holds within `scope`, with
 * `labels`. None at all is an error that says why (explainNoSeries).
 */
export async function podsPresent(source: PrometheusSource, pods: ReadonlyMap<string, V1Pod>, scope: Matcher | undefined, labels: readonly string[], controlPlaneNamespace: string): Promise<PodsPresent> {
  const namespaces = [...new Set([...pods.values()].map((p) => p.metadata?.namespace ?? ''))].sort()
  const present = await presence(source, [scope], labels)
  const targeted = [...pods.keys()]
  if (!targeted.some((key) => present.pods.has(key))) throw await explainNoSeries(source, namespaces, pods.size, controlPlaneNamespace)
  const warnings: string[] = []
  for (const namespace of namespaces) {
    const inNamespace = targeted.filter((key) => key.startsWith(`${namespace}/`))
    const absent = inNamespace.filter((key) => !present.pods.has(key)).map((key) => key.slice(namespace.length + 1))
    if (absent.length === 0) continue
    const plural = inNamespace.length === 1 ? '' : 's'
    if (absent.length === inNamespace.length) warnings.push(`Prometheus at ${source.client.label} holds no series of the ${inNamespace.length} meshed pod${plural} in namespace ${namespace}: it does not scrape them`)
    else warnings.push(`Prometheus at ${source.client.label} holds no series of ${absent.length} of the ${inNamespace.length} meshed pods in namespace ${namespace} (${absent.slice(0, 3).join(', ')}${absent.length > 3 ? ', …' : ''}): not scraped yet, or not at all`)
  }
  return {...present, warnings}
}

/** Why Prometheus holds no series of the meshed pods of `namespaces`: the error to report. */
export async function explainNoSeries(source: PrometheusSource, namespaces: readonly string[], pods: number, controlPlaneNamespace: string): Promise<MeshError> {
  const where = source.client.label
  const count = async (matchers: Matcher[]): Promise<number> => (await source.instant(`count(${selector(PRESENCE_METRIC, matchers)})`))[0]?.value ?? 0
  const [any, withNamespace, withPod] = await Promise.all([count([]), count([ne('namespace', '')]), count([ne('pod', '')])])
  if (any === 0) {
    return new MeshError(`Prometheus at ${where} holds no ${PRESENCE_METRIC} series at all: it does not scrape the Linkerd proxies`, {
      code: PrometheusErrorCode.noSeries,
      hint: "scrape every proxy's linkerd-admin port as Linkerd viz's linkerd-proxy job does (meshport's docs/viz-stat.md, \"Prometheus labels\"), or leave out --prometheus to scrape the proxies directly",
    })
  }
  for (const [label, n] of [['namespace', withNamespace], ['pod', withPod]] as const) {
    if (n === 0) {
      return new MeshError(`Prometheus at ${where} holds proxy series without the \`${label}\` label that Linkerd viz's relabelling adds, so they cannot be told apart by pod`, {
        code: PrometheusErrorCode.missingLabel,
        hint: `add to the scrape config of the proxies: relabel_configs: - ${relabelRuleFor(label)}`,
      })
    }
  }
  const names = namespaces.length <= 5 ? namespaces.join(', ') : `${namespaces.slice(0, 5).join(', ')} and ${namespaces.length - 5} more`
  return new MeshError(`Prometheus at ${where} holds no series of the ${pods} meshed pod${pods === 1 ? '' : 's'} in namespace${namespaces.length === 1 ? '' : 's'} ${names}: it does not scrape them`, {
    code: PrometheusErrorCode.noSeries,
    hint: `Linkerd viz's Prometheus scrapes pods labelled linkerd.io/control-plane-ns=${controlPlaneNamespace} whose linkerd-proxy container has a linkerd-admin port; check its scrape config, or use --prometheus none to scrape the proxies directly`,
  })
}
