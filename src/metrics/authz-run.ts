// One `viz authz` measurement: the target's pods and the policy objects that apply to them from
// the API (the default policy of their uncovered ports too), and their authorization counters per
// Server, route and authorization from the run's source (two scrapes of each proxy a window apart,
// or viz's queries to a Prometheus: source.ts), chosen for the table (authz-report.ts).
import type {KubeClient, V1Pod} from '../kube/types.js'
import {loadDefaultPolicyInputs} from '../policy/cluster-default.js'
import {authorizationsFor, defaultPolicyOf, serversFor, uncoveredPorts, type Authorization, type DefaultPolicy} from '../policy/authorizations.js'
import {loadPolicyObjects} from '../policy/objects.js'
import {groupPods} from '../resources/group.js'
import {namespaceExists, targetExists, targetName} from '../resources/lookup.js'
import {isMeshedBy} from '../resources/pods.js'
import type {Target} from '../resources/targets.js'
import type {AuthzRow} from './authz.js'
import {authzTableRows} from './authz-report.js'
import {podKey, scrapeable, type PodError} from './report.js'
import type {AuthzCarry, MetricsSource, SourceInfo} from './source.js'
import {applyLabelSelector, listing} from './workloads.js'

export interface AuthzRequest {
  /** Undefined: all namespaces. */
  namespace: string | undefined
  target: Target
  labelSelector?: string | undefined
  windowMs: number
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
  /** What the next window starts from in watch mode (direct: the second scrapes). */
  latest: AuthzCarry | undefined
  /** Where the numbers came from; undefined when nothing was measured. */
  source: SourceInfo | undefined
}

export async function runAuthz(kube: KubeClient, request: AuthzRequest, source: MetricsSource, previous?: AuthzCarry): Promise<AuthzRun> {
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
  const empty: AuthzRun = {authorizations: [], defaults: [], errors: [], latest: undefined, measuredSeconds: undefined, notFound: [], pods: 0, podsScraped: 0, podsTargeted: 0, rows: [], servers: [], source: undefined, unknownType: false, warnings, windowSeconds}
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

  const measured = await source.authz(
    {
      controlPlaneNamespace: request.controlPlaneNamespace,
      includeAdmin: request.includeAdmin,
      namespace: namespaceRows ? undefined : request.namespace,
      pods: new Map(pods.filter((p) => scrapeable(p, request.controlPlaneNamespace)).map((p) => [podKey(p), p])),
      progress: request.progress,
      rows,
      windowMs: request.windowMs,
    },
    previous,
  )
  return {
    authorizations,
    defaults: [...defaults.values()],
    errors: measured.errors,
    latest: measured.carry,
    measuredSeconds: measured.measuredSeconds,
    notFound: [],
    pods: pods.length,
    podsScraped: measured.podsScraped,
    podsTargeted: measured.podsTargeted,
    rows: authzTableRows(measured.rows, authorizations),
    servers,
    source: measured.source,
    unknownType: false,
    warnings: [...warnings, ...measured.warnings],
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
