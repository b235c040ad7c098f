// linkerd-viz and linkerd-viz-data-plane: run when the viz extension is installed (a namespace
// labelled linkerd.io/extension=viz), as `linkerd check` runs installed extensions' checks. The
// extension's RBAC, the tap API server's certificate and APIService, its pods (injected, running,
// healthy, up to date), Prometheus (installed, and answering on its port, unless viz uses an
// external one); with --proxy, whether Prometheus may scrape the data plane and holds every
// proxy's metrics (asked directly, through the API server's service proxy). meshport reads
// proxies itself rather than through viz's metrics API, so the checks that only test that API
// are not carried over (docs/check.md says which).
import {KubeApiError} from '../../errors.js'
import type {V1Namespace, V1Pod} from '../../kube/types.js'
import {LABEL} from '../../mesh/names.js'
import {
  EXTERNAL_PROMETHEUS_ANNOTATION,
  PROMETHEUS_COMPONENT,
  PROMETHEUS_CONFIG_MAP,
  PROMETHEUS_PORT,
  prometheusRbac,
  SCRAPE_POLICY,
  TAP_API_SERVICE,
  TAP_LEGACY_SECRET,
  TAP_SECRET,
  VIZ_COMPONENTS,
  VIZ_EXTENSION,
  vizClusterRoleBindings,
  vizClusterRoles,
} from '../../mesh/viz.js'
import {eq, selector} from '../../metrics/promql.js'
import type {CheckContext} from '../context.js'
import {hasProxyContainer, listProblems, podName, proxyContainer, proxyNotReady} from '../pods.js'
import {proxiesHealthy, proxiesUpToDate} from '../proxy-health.js'
import {parseCaBundle, servedCert, servedCertExpiry, servedCertProblems, tlsSecrets} from '../served-cert.js'
import {defineCheck, fail, pass, skip, type Category, type Check, type CheckScope, type Outcome, type Severity} from '../types.js'
import {dataPlanePods} from './data-plane.js'

/** Every proxy exports it; viz's metrics API finds a pod in Prometheus by it. */
const PROCESS_START_METRIC = 'process_start_time_seconds'

const NOT_INSTALLED = `the viz extension is not installed (no namespace labelled ${LABEL.extension}=${VIZ_EXTENSION})`

async function vizNamespace(ctx: CheckContext, scope: CheckScope): Promise<V1Namespace | undefined> {
  return (await scope.waitFor('namespaces', ctx.snapshot.namespaces())).find((ns) => ns.metadata?.labels?.[LABEL.extension] === VIZ_EXTENSION)
}

/** A viz check: skipped unless viz is installed; `check` gets the viz namespace's name. */
function viz(id: string, description: string, hint: string, severity: Severity, check: (ctx: CheckContext, scope: CheckScope, ns: string, namespace: V1Namespace) => Promise<Outcome>, extra: Partial<Check<CheckContext>> = {}): Check<CheckContext> {
  const run = async (ctx: CheckContext, scope: CheckScope): Promise<Outcome> => {
    const namespace = await vizNamespace(ctx, scope)
    return namespace ? check(ctx, scope, namespace.metadata?.name ?? '', namespace) : skip(NOT_INSTALLED)
  }
  return defineCheck(id, description, hint, severity, run, extra)
}

const vizPods = (ctx: CheckContext, scope: CheckScope, ns: string): Promise<V1Pod[]> => scope.waitFor(`pods in ${ns}`, ctx.snapshot.pods(ns))

function missingNames(kind: string, found: ReadonlyArray<{metadata?: {name?: string | undefined} | undefined}>, expected: readonly string[]): Outcome {
  const names = new Set(found.map((o) => o.metadata?.name))
  const missing = expected.filter((name) => !names.has(name))
  return missing.length === 0 ? pass() : fail(`missing ${kind}: ${missing.join(', ')}`)
}

async function tapCaBundle(ctx: CheckContext, scope: CheckScope) {
  const service = (await scope.waitFor('apiservices', ctx.snapshot.apiServices())).find((s) => s.metadata?.name === TAP_API_SERVICE)
  return service ? parseCaBundle(service.spec?.caBundle, `apiservice/${TAP_API_SERVICE}`) : `apiservice/${TAP_API_SERVICE} not found`
}

const tapCert = (ctx: CheckContext, scope: CheckScope, ns: string) => servedCert(ctx, scope, ns, tlsSecrets(TAP_SECRET, TAP_LEGACY_SECRET))

const component = (pod: V1Pod) => pod.metadata?.labels?.component ?? pod.metadata?.labels?.[LABEL.controlPlaneComponent]

/**
 * Viz pods that are not running with every container ready (Linkerd looks at the proxy only; a
 * tap or Prometheus container that is not ready breaks viz as surely), and components with no pod.
 */
function podProblems(pods: readonly V1Pod[], components: readonly string[]): string[] {
  const problems = components.filter((c) => !pods.some((pod) => component(pod) === c)).map((c) => `no pod of component ${c}`)
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running') {
      problems.push(`${podName(pod)} is ${pod.status?.phase ?? 'Unknown'}`)
      continue
    }
    const proxy = hasProxyContainer(pod) ? proxyNotReady(pod) : undefined
    if (proxy) problems.push(proxy)
    for (const status of pod.status.containerStatuses ?? []) if (!status.ready) problems.push(`container ${status.name} in ${podName(pod)} is not ready`)
  }
  return problems
}

export const linkerdViz = (validFor = '60 days'): Category<CheckContext> => ({
  id: 'linkerd-viz',
  name: 'linkerd-viz',
  checks: [
    viz('namespace-exists', 'linkerd-viz Namespace exists', 'l5d-viz-ns-exists', 'error', async (_ctx, _scope, ns) => pass(`namespace ${ns}`)),
    viz('cluster-roles-exist', 'linkerd-viz ClusterRoles exist', 'l5d-viz-cr-exists', 'error', async (ctx, scope, ns) =>
      missingNames('ClusterRoles', await scope.waitFor('clusterroles', ctx.snapshot.clusterRoles('')), vizClusterRoles(ns)),
    ),
    viz('cluster-role-bindings-exist', 'linkerd-viz ClusterRoleBindings exist', 'l5d-viz-crb-exists', 'error', async (ctx, scope, ns) =>
      missingNames('ClusterRoleBindings', await scope.waitFor('clusterrolebindings', ctx.snapshot.clusterRoleBindings('')), vizClusterRoleBindings(ns)),
    ),
    viz('tap-cert-valid', 'tap API server has valid cert', 'l5d-tap-cert-valid', 'error', async (ctx, scope, ns) => {
      const served = await tapCert(ctx, scope, ns)
      if (!served) return fail(`secret/${TAP_SECRET} in ${ns} not found`)
      const problems = servedCertProblems(served, `tap.${ns}.svc`, await tapCaBundle(ctx, scope), `apiservice/${TAP_API_SERVICE}`, ctx.settings.now())
      return problems.length === 0 ? pass() : fail(`${served.source}: ${problems.join('\n')}`)
    }),
    viz('tap-cert-not-expiring', `tap API server cert is valid for at least ${validFor}`, 'l5d-tap-cert-not-expiring-soon', 'warning', async (ctx, scope, ns) => {
      const served = await tapCert(ctx, scope, ns)
      if (!served) return skip(`secret/${TAP_SECRET} in ${ns} not found`)
      const problems = servedCertExpiry(ctx, served, await tapCaBundle(ctx, scope), `apiservice/${TAP_API_SERVICE}`)
      return problems.length === 0 ? pass() : fail(problems.join('\n'))
    }),
    viz(
      'tap-api-service-running',
      'tap API service is running',
      'l5d-tap-api',
      'warning',
      async (ctx, scope) => {
        const service = (await scope.waitFor('apiservices', ctx.snapshot.apiServices())).find((s) => s.metadata?.name === TAP_API_SERVICE)
        if (!service) return fail(`apiservice/${TAP_API_SERVICE} not found`)
        const available = service.status?.conditions?.find((c) => c.type === 'Available')
        if (available?.status === 'True') return pass()
        return fail(available ? `${available.reason ?? 'Unavailable'}: ${available.message ?? ''}`.trim() : `${TAP_API_SERVICE} service not available`)
      },
      {retry: true},
    ),
    viz('pods-injected', 'linkerd-viz pods are injected', 'l5d-viz-pods-injection', 'warning', async (ctx, scope, ns) => {
      const bare = (await vizPods(ctx, scope, ns)).filter((pod) => !hasProxyContainer(pod) && pod.status?.phase !== 'Succeeded').map((pod) => `could not find proxy container for ${podName(pod)}`)
      return bare.length === 0 ? pass() : fail(bare.join('\n'))
    }),
    viz(
      'pods-running',
      'viz extension pods are running',
      'l5d-viz-pods-running',
      'warning',
      async (ctx, scope, ns) => {
        const pods = (await vizPods(ctx, scope, ns)).filter((pod) => pod.metadata?.labels?.[LABEL.extension] === VIZ_EXTENSION)
        const problems = podProblems(pods, VIZ_COMPONENTS)
        return problems.length === 0 ? pass() : fail(listProblems('viz extension pods are not ready:', problems))
      },
      {retry: true},
    ),
    viz('proxies-healthy', 'viz extension proxies are healthy', 'l5d-viz-proxy-healthy', 'warning', async (ctx, scope, ns) =>
      proxiesHealthy(ctx, scope, (await vizPods(ctx, scope, ns)).filter((pod) => pod.metadata?.labels?.[LABEL.controlPlaneNamespace] !== undefined), 'viz'),
    ),
    viz('proxies-version', 'viz extension proxies are up-to-date', 'l5d-viz-proxy-cp-version', 'warning', async (ctx, scope, ns) =>
      proxiesUpToDate(ctx, scope, async () => (await vizPods(ctx, scope, ns)).filter(hasProxyContainer)),
    ),
    viz('prometheus-installed', 'prometheus is installed and configured correctly', 'l5d-viz-prometheus', 'warning', async (ctx, scope, ns, namespace) => {
      if (namespace.metadata?.annotations?.[EXTERNAL_PROMETHEUS_ANNOTATION]) return skip('prometheus is disabled')
      const rbac = prometheusRbac(ns)
      const [roles, bindings, configMaps, pods] = await Promise.all([
        scope.waitFor('clusterroles', ctx.snapshot.clusterRoles('')),
        scope.waitFor('clusterrolebindings', ctx.snapshot.clusterRoleBindings('')),
        scope.waitFor(`configmaps in ${ns}`, ctx.snapshot.configMaps(ns)),
        vizPods(ctx, scope, ns),
      ])
      const problems: string[] = []
      for (const [kind, found, name] of [['ClusterRoles', roles, rbac], ['ClusterRoleBindings', bindings, rbac], ['ConfigMaps', configMaps, PROMETHEUS_CONFIG_MAP]] as const) {
        const outcome = missingNames(kind, found, [name])
        if (outcome.kind === 'fail') problems.push(outcome.message)
      }
      if (!pods.some((pod) => component(pod) === PROMETHEUS_COMPONENT)) problems.push(`Could not find pods for deployment ${PROMETHEUS_COMPONENT}`)
      return problems.length === 0 ? pass() : fail(problems.join('\n'))
    }),
    viz(
      'prometheus-ready',
      'prometheus is ready to serve queries',
      'l5d-viz-prometheus',
      'warning',
      async (ctx, scope, ns, namespace) => {
        const external = namespace.metadata?.annotations?.[EXTERNAL_PROMETHEUS_ANNOTATION]
        if (external) return skip(`viz uses the external Prometheus ${external}`)
        const pods = (await vizPods(ctx, scope, ns)).filter((pod) => component(pod) === PROMETHEUS_COMPONENT && pod.status?.phase === 'Running')
        if (pods.length === 0) return fail(`no running ${PROMETHEUS_COMPONENT} pod in ${ns}`)
        // Its pod's port, as `linkerd viz` reaches it (pods/proxy or a port-forward, per --scrape-via): /-/ready answers 200 once Prometheus serves queries.
        const results = await Promise.all(
          pods.map(async (pod) => {
            const name = pod.metadata?.name ?? ''
            const answer = await scope
              .waitFor(`${podName(pod)} port ${PROMETHEUS_PORT}`, ctx.limiter.run(() => ctx.kube.proxyGet({name, namespace: ns}, PROMETHEUS_PORT, '/-/ready', ctx.settings.requestTimeoutMs)))
              .catch((error: unknown) => error as Error)
            if (answer instanceof Error) return `${podName(pod)}: ${answer.message}`
            return answer.status === 200 ? undefined : `${podName(pod)}: GET /-/ready on port ${PROMETHEUS_PORT} answered ${answer.status}${answer.body.trim() ? ` (${answer.body.trim().slice(0, 80)})` : ''}`
          }),
        )
        const problems = results.filter((r): r is string => r !== undefined)
        return problems.length === 0 ? pass() : fail(problems.join('\n'))
      },
      {retry: true},
    ),
  ],
})

/** Linkerd's env var with the proxy's default inbound policy (set by the injector). */
const DEFAULT_POLICY_ENV = 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY'

export const linkerdVizDataPlane: Category<CheckContext> = {
  id: 'linkerd-viz-data-plane',
  name: 'linkerd-viz-data-plane',
  checks: [
    viz('namespace-exists', 'data plane namespace exists', 'l5d-data-plane-exists', 'error', async (ctx, scope) => {
      const ns = ctx.settings.dataPlaneNamespace
      if (ns === undefined) return skip('no -n given: all namespaces')
      return (await scope.waitFor(`namespace/${ns}`, ctx.snapshot.namespace(ns))) ? pass() : fail(`The "${ns}" namespace does not exist`)
    }),
    viz('prometheus-authorized', 'prometheus is authorized to scrape data plane pods', 'l5d-viz-data-plane-prom-authz', 'warning', async (ctx, scope) => {
      // Namespaces with `linkerd viz allow-scrapes`' policy let Prometheus in whatever the default.
      const policies = await scope.waitFor(
        'authorizationpolicies',
        ctx.snapshot.shared('authorizationpolicies', () =>
          // Without Linkerd's policy CRD there is no such policy (linkerd-config.crds-exist says why).
          ctx.kube.listCustom('policy.linkerd.io', 'v1alpha1', 'authorizationpolicies').catch((error: unknown) => {
            if (error instanceof KubeApiError && error.status === 404) return []
            throw error
          }),
        ),
      )
      const allowed = new Set(policies.filter((p) => p.metadata?.name === SCRAPE_POLICY).map((p) => p.metadata?.namespace))
      const denied = (await dataPlanePods(ctx, scope))
        .filter((pod) => !allowed.has(pod.metadata?.namespace))
        // The injector writes the cluster's or the annotation's default into the proxy's env.
        .filter((pod) => proxyContainer(pod)?.env?.some((e) => e.name === DEFAULT_POLICY_ENV && e.value === 'deny'))
        .map(podName)
      return denied.length === 0 ? pass() : fail(`${listProblems('prometheus may not be authorized to scrape the following pods:', denied)}\nconsider running \`linkerd viz allow-scrapes\` to authorize prometheus scrapes`)
    }),
    viz(
      'metrics-in-prometheus',
      'data plane proxy metrics are present in Prometheus',
      'l5d-data-plane-prom',
      'warning',
      async (ctx, scope, ns, namespace) => {
        const external = namespace.metadata?.annotations?.[EXTERNAL_PROMETHEUS_ANNOTATION]
        if (external) return skip(`not checked: viz uses the external Prometheus ${external}, which meshport does not query`)
        if (!ctx.vizPrometheus) return skip('not checked: this run does not query Prometheus')
        const pods = await dataPlanePods(ctx, scope)
        if (pods.length === 0) return pass()
        // viz's metrics API asks the same: which pods' proxies Prometheus holds a start time of.
        const dp = ctx.settings.dataPlaneNamespace
        const query = `max(${selector(PROCESS_START_METRIC, [dp === undefined ? undefined : eq('namespace', dp)])}) by (pod, namespace)`
        const prometheus = await scope.waitFor(`Prometheus in ${ns}`, ctx.vizPrometheus(ns))
        const samples = await scope.waitFor(`Prometheus in ${ns}`, prometheus.query(query))
        const found = new Set(samples.map((s) => `${s.labels.namespace}/${s.labels.pod}`))
        const missing = pods.filter((pod) => !found.has(`${pod.metadata?.namespace}/${pod.metadata?.name}`)).map((pod) => pod.metadata?.name ?? '')
        return missing.length === 0 ? pass() : fail(`Data plane metrics not found for ${missing.join(', ')}.`)
      },
      // Prometheus scrapes a new pod within its scrape interval: --wait waits for that.
      {retry: true},
    ),
  ],
}
