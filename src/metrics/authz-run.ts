// One `viz authz` measurement from the proxies themselves: the target's pods are scraped twice,
// a window apart (as viz stat does), their authorization counters reduced to rows per Server,
// route and authorization; the policy objects that apply to the pods and the default policy of
// their uncovered ports are read from the API.
import type {KubeClient, V1Pod} from '../kube/types.js'
import {adminPort} from '../mesh/admin-port.js'
import {loadDefaultPolicyInputs} from '../policy/cluster-default.js'
import {authorizationsFor, defaultPolicyOf, serversFor, uncoveredPorts, type Authorization, type DefaultPolicy} from '../policy/authorizations.js'
import {loadPolicyObjects} from '../policy/objects.js'
import {groupPods} from '../resources/group.js'
import {namespaceExists, targetExists, targetName} from '../resources/lookup.js'
import {isMeshedBy} from '../resources/pods.js'
import type {Target} from '../resources/targets.js'
import {aggregateAuthz, AUTHZ_SAMPLES, authzBetween, authzSnapshot, type AuthzRow, type AuthzSnapshot, type PodAuthz} from './authz.js'
import {authzTableRows} from './authz-report.js'
import {proxyMetricsFetcher} from './proxy-fetch.js'
import {podKey, scrapeable, type PodError} from './report.js'
import {parsedScrape, scrapeWindow, type ScrapeTarget} from './scrape.js'
import {applyLabelSelector, listing} from './workloads.js'

export interface AuthzRequest {
  /** Undefined: all namespaces. */
  namespace: string | undefined
  target: Target
  labelSelector?: string | undefined
  windowMs: number
  concurrency: number
  scrapeTimeoutMs: number
  includeAdmin: boolean
  controlPlaneNamespace: string
  progress?: ((message: string) => void) | undefined
}

/** Pods whose uncovered ports get one default policy from one source. */
export interface DefaultPolicyUse extends DefaultPolicy {
  namespace: string
  pods: number
  /** Application ports no Server covers. */
  ports: number[]
}

export interface AuthzRun {
  rows: AuthzRow[]
  /** Servers that select the pods, by namespace. */
  servers: Array<{namespace: string; name: string}>
  authorizations: Array<{namespace: string; authorization: Authorization}>
  defaults: DefaultPolicyUse[]
  /** The target's pods (not finished), meshed or not. */
  pods: number
  podsTargeted: number
  podsScraped: number
  errors: PodError[]
  warnings: string[]
  /**
   * What the request names that does not exist, as `deployment/web in namespace shop` or
   * `namespace shop`: nothing was scraped (kubectl's NotFound, exit 1).
   */
  notFound: string[]
  unknownType: boolean
  windowSeconds: number
  measuredSeconds: {min: number; max: number} | undefined
  /** Second scrapes, for the next window in watch mode. */
  latest: Map<string, AuthzSnapshot>
}

export async function runAuthz(kube: KubeClient, request: AuthzRequest, previous?: ReadonlyMap<string, AuthzSnapshot>): Promise<AuthzRun> {
  const {target} = request
  request.progress?.('listing pods')
  const namespaceRows = target.kind === 'namespace'
  const listed = await listing(kube, namespaceRows ? undefined : request.namespace)
  const warnings = [...listed.warnings]
  const grouping = groupPods(listed.pods, listed.index, {all: false, targets: [target]})
  // Namespace rows are namespaces themselves (`ns/shop`), whatever -n says, as in viz stat.
  const inScope = grouping.rows.filter((row) => namespaceRows || request.namespace === undefined || row.namespace === request.namespace)
  const rows = await applyLabelSelector(kube, inScope, request.labelSelector, request.namespace, listed.index)
  const pods = [...new Map(rows.flatMap((row) => row.pods).map((pod) => [podKey(pod), pod])).values()]
  const windowSeconds = request.windowMs / 1000
  const empty: AuthzRun = {authorizations: [], defaults: [], errors: [], latest: new Map(), measuredSeconds: undefined, notFound: [], pods: 0, podsScraped: 0, podsTargeted: 0, rows: [], servers: [], unknownType: false, warnings, windowSeconds}
  if (grouping.rows.length === 0 && target.custom) return {...empty, unknownType: true}
  if (pods.length === 0) return {...empty, notFound: await absent(kube, request, listed.pods)}

  const namespaces = [...new Set(pods.map((p) => p.metadata?.namespace ?? ''))].sort()
  const [policy, inputs] = await Promise.all([
    loadPolicyObjects(kube, namespaces.length === 1 ? namespaces[0] : undefined),
    loadDefaultPolicyInputs(kube, namespaces, request.controlPlaneNamespace),
  ])
  warnings.push(...policy.warnings, ...inputs.warnings)
  const authorizations: AuthzRun['authorizations'] = []
  const servers: AuthzRun['servers'] = []
  const defaults = new Map<string, DefaultPolicyUse>()
  for (const namespace of namespaces) {
    const own = pods.filter((p) => p.metadata?.namespace === namespace)
    for (const server of serversFor(own, policy.objects.servers)) servers.push({name: server.metadata?.name ?? '', namespace})
    for (const authorization of authorizationsFor(own, policy.objects)) authorizations.push({authorization, namespace})
    for (const pod of own) {
      // Only a proxy applies a policy.
      if (!isMeshedBy(pod, request.controlPlaneNamespace)) continue
      const ports = uncoveredPorts(pod, policy.objects.servers)
      if (ports.length === 0) continue
      const used = defaultPolicyOf(pod, inputs.namespaceAnnotations.get(namespace), inputs.clusterDefault)
      const id = `${namespace}/${used.policy}/${used.source}/${used.sameAsNamespace === true}`
      const entry = defaults.get(id) ?? {...used, namespace, pods: 0, ports: []}
      entry.pods++
      entry.ports = [...new Set([...entry.ports, ...ports])].sort((a, b) => a - b)
      defaults.set(id, entry)
    }
  }

  const {between, ...scrape} = await scrapePods(kube, pods.filter((p) => scrapeable(p, request.controlPlaneNamespace)), request, previous)
  return {
    ...scrape,
    authorizations,
    defaults: [...defaults.values()],
    notFound: [],
    pods: pods.length,
    rows: authzTableRows(aggregateAuthz(between), authorizations),
    servers,
    unknownType: false,
    warnings,
    windowSeconds,
  }
}

/**
 * Why a request found no pod: a namespace or a named resource that does not exist. One that
 * exists without pods (scaled to zero) or that -l left out is no error: it has no traffic.
 */
async function absent(kube: KubeClient, request: AuthzRequest, listed: readonly V1Pod[]): Promise<string[]> {
  const {namespace, target} = request
  const ns = namespace ?? ''
  if (namespace !== undefined && target.kind !== 'namespace' && !listed.some((p) => p.metadata?.namespace === ns) && !(await namespaceExists(kube, ns))) return [`namespace ${ns}`]
  if (target.name === undefined || (await targetExists(kube, ns, target))) return []
  return [target.kind === 'namespace' ? targetName(target) : `${targetName(target)} in namespace ${ns}`]
}

async function scrapePods(
  kube: KubeClient,
  pods: readonly V1Pod[],
  request: AuthzRequest,
  previous: ReadonlyMap<string, AuthzSnapshot> | undefined,
): Promise<{between: PodAuthz[]; errors: PodError[]; podsTargeted: number; podsScraped: number; measuredSeconds: AuthzRun['measuredSeconds']; latest: Map<string, AuthzSnapshot>}> {
  const targets: ScrapeTarget[] = pods.map((pod) => ({key: podKey(pod), pod: {name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? ''}, port: adminPort(pod.spec)}))
  request.progress?.(`scraping ${targets.length} meshed pod${targets.length === 1 ? '' : 's'} twice, ${request.windowMs / 1000}s apart`)
  const parse = parsedScrape((name) => AUTHZ_SAMPLES.has(name))
  const between: PodAuthz[] = []
  const latest = new Map<string, AuthzSnapshot>()
  const results = await scrapeWindow(targets, proxyMetricsFetcher(kube, request.scrapeTimeoutMs), {
    concurrency: request.concurrency,
    onPair: (target, first, second) => {
      between.push(authzBetween(target.pod.namespace, first, second))
      latest.set(target.key, second)
    },
    read: (target, body, timing) => authzSnapshot(parse(target, body, timing), {adminPort: target.port, includeAdmin: request.includeAdmin}),
    windowMs: request.windowMs,
    ...(previous ? {previous} : {}),
  })
  const errors: PodError[] = []
  for (const target of targets) {
    const result = results.get(target.key)
    if (result && !result.ok) errors.push({error: result.error, namespace: target.pod.namespace, pod: target.pod.name, ...(result.timedOut ? {timedOut: true as const} : {})})
  }
  const seconds = between.map((p) => p.seconds)
  const measuredSeconds = seconds.length > 0 ? {max: Math.max(...seconds), min: Math.min(...seconds)} : undefined
  return {between, errors, latest, measuredSeconds, podsScraped: between.length, podsTargeted: targets.length}
}
