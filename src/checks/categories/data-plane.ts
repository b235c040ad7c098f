// linkerd-data-plane (`check --proxy`): every meshed pod's proxy is ready, answers /live and
// /ready on its admin port through a port-forward, runs the control plane's version and holds an
// identity certificate that is not about to expire. Completed and failed pods are skipped
// (linkerd/linkerd2#6128); every problem names its pod.
import {TimeoutError} from '../../errors.js'
import type {V1ObjectMeta, V1Pod, V1Service} from '../../kube/types.js'
import type {CheckContext} from '../context.js'
import {expectedProxyVersion, linkerdValues, LINKERD_CONFIG} from '../linkerd.js'
import {annotationsThatShouldBeLabels, labelsThatShouldBeAnnotations, opaquePortProblems} from '../metadata.js'
import {hasProxyContainer, isFinished, listProblems, podName, proxyNotReady, staleProxies} from '../pods.js'
import {adminProbe, endpointProblem, type AdminProbe} from '../proxy-admin.js'
import {leafCertFromMetrics, leafExpiryProblem} from '../proxy-cert.js'
import {fail, pass, skip, type Category, type Check, type CheckScope, type Outcome} from '../types.js'

/** Meshed, unfinished pods of the data plane: `-n`, else every namespace but the control plane's. */
export async function dataPlanePods(ctx: CheckContext, scope: CheckScope): Promise<V1Pod[]> {
  const {dataPlaneNamespace: ns, controlPlaneNamespace: cp} = ctx.settings
  const pods = ns === undefined ? await scope.waitFor('pods in all namespaces', ctx.snapshot.allPods()) : await scope.waitFor(`pods in ${ns}`, ctx.snapshot.pods(ns))
  return pods.filter((pod) => hasProxyContainer(pod) && !isFinished(pod) && (ns !== undefined || pod.metadata?.namespace !== cp))
}

/**
 * Starts the admin probes of every running data-plane pod in the background, so the port-forward
 * fan-out (the slow part of `check --proxy`) overlaps the control-plane categories. The results
 * land in the snapshot the data-plane checks read; failures are theirs to report.
 */
function prefetchAdminProbes(ctx: CheckContext): void {
  const scope: CheckScope = {signal: new AbortController().signal, waitFor: (_label, promise) => promise}
  dataPlanePods(ctx, scope).then(
    (pods) => {
      for (const pod of pods) if (pod.status?.phase === 'Running') adminProbe(ctx, pod).catch(() => {})
    },
    () => {},
  )
}

const noPods = (ctx: CheckContext): Outcome =>
  fail(`no "linkerd-proxy" containers found${ctx.settings.dataPlaneNamespace ? ` in the "${ctx.settings.dataPlaneNamespace}" namespace` : ''}`)

/**
 * Probes every running pod's admin port (shared, concurrency-limited) and keeps the problems.
 * When the only problems are proxies that did not answer in time (a stalled port-forward), the
 * answer is unknown rather than wrong: the check ends as `timeout` naming them (exit 4).
 */
async function probeProblems(ctx: CheckContext, scope: CheckScope, problem: (probe: AdminProbe, pod: V1Pod) => string | undefined): Promise<Outcome> {
  const pods = await dataPlanePods(ctx, scope)
  if (pods.length === 0) return noPods(ctx)
  const running = pods.filter((pod) => pod.status?.phase === 'Running')
  const problems: string[] = []
  let stalled = 0
  await Promise.all(
    running.map(async (pod) => {
      if (scope.signal.aborted) return
      const probe = await scope.waitFor(podName(pod), adminProbe(ctx, pod))
      const found = problem(probe, pod)
      if (!found) return
      problems.push(`${podName(pod)}: ${found}`)
      if (probe.timedOut) stalled++
    }),
  )
  problems.sort()
  const notProbed = pods.length - running.length
  const note = notProbed > 0 ? notProbed === 1 ? '1 pod not running was not probed' : `${notProbed} pods not running were not probed` : undefined
  if (problems.length > 0 && stalled === problems.length) throw new TimeoutError(listProblems(`${stalled} of ${running.length} proxies did not answer in time:`, problems))
  return problems.length === 0 ? pass(note) : fail(listProblems(`${problems.length} of ${running.length} proxies failed:`, problems))
}

/** Services of the data plane: `-n`, else every namespace (as Linkerd checks them). */
function dataPlaneServices(ctx: CheckContext, scope: CheckScope): Promise<V1Service[]> {
  const ns = ctx.settings.dataPlaneNamespace
  return scope.waitFor(`services in ${ns ?? 'all namespaces'}`, ctx.snapshot.services(ns))
}

const objectName = (kind: string, meta: V1ObjectMeta | undefined) => `${kind}/${meta?.name ?? '?'} in ${meta?.namespace ?? '?'}`

/** Linkerd keys in the wrong place on pods or services (warnings: they silently do nothing). */
function misplaced<T extends {metadata?: V1ObjectMeta | undefined}>(id: string, description: string, hint: string, summary: string, kind: string, objects: (ctx: CheckContext, scope: CheckScope) => Promise<T[]>, keys: (meta: V1ObjectMeta | undefined) => string[]): Check<CheckContext> {
  return {
    id,
    description,
    severity: 'warning',
    hint,
    async run(ctx, scope) {
      const found = (await objects(ctx, scope)).flatMap((o) => {
        const wrong = keys(o.metadata)
        return wrong.length === 0 ? [] : [`${objectName(kind, o.metadata)}: ${wrong.join(', ')}`]
      })
      return found.length === 0 ? pass() : fail(listProblems(summary, found))
    },
  }
}

function adminEndpoint(path: 'live' | 'ready'): Check<CheckContext> {
  return {
    id: `admin-${path}`,
    description: `data plane proxies answer /${path} on their admin port`,
    severity: 'error',
    retry: true,
    hint: 'l5d-data-plane-ready',
    run: (ctx, scope) => probeProblems(ctx, scope, (probe) => endpointProblem(probe, path)),
  }
}

export const dataPlane: Category<CheckContext> = {
  id: 'data-plane',
  name: 'linkerd-data-plane',
  aliases: ['linkerd-data-plane'],
  checks: [
    {
      id: 'namespace-exists',
      description: 'data plane namespace exists',
      severity: 'error',
      fatal: true,
      hint: 'l5d-data-plane-exists',
      async run(ctx, scope) {
        const ns = ctx.settings.dataPlaneNamespace
        if (ns === undefined) return skip('no -n given: all namespaces')
        return (await scope.waitFor(`namespace/${ns}`, ctx.snapshot.namespace(ns))) ? pass() : fail(`The "${ns}" namespace does not exist`)
      },
    },
    {
      id: 'proxies-ready',
      description: 'data plane proxies are ready',
      severity: 'error',
      retry: true,
      hint: 'l5d-data-plane-ready',
      async run(ctx, scope) {
        const pods = await dataPlanePods(ctx, scope)
        if (pods.length === 0) return noPods(ctx)
        const problems = pods.map(proxyNotReady).filter((p): p is string => p !== undefined)
        return problems.length === 0 ? pass() : fail(listProblems(`${problems.length} of ${pods.length} proxies are not ready:`, problems))
      },
    },
    adminEndpoint('live'),
    adminEndpoint('ready'),
    {
      id: 'proxy-version',
      description: 'data plane proxies run the control plane version',
      severity: 'warning',
      hint: 'l5d-data-plane-version',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const values = await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${ns}`, linkerdValues(ctx.snapshot, ns))
        const expected = expectedProxyVersion(values)
        if (!expected) return skip(`configmap/${LINKERD_CONFIG} does not record the control plane version`)
        const pods = await dataPlanePods(ctx, scope)
        if (pods.length === 0) return noPods(ctx)
        const stale = staleProxies(pods, expected)
        return stale.length === 0 ? pass() : fail(listProblems(`${stale.length} proxies are not running the control plane version ${expected}:`, stale))
      },
    },
    {
      id: 'proxy-certs-not-expiring',
      description: 'data plane proxy certificates are not expiring',
      severity: 'warning',
      hint: 'https://linkerd.io/2/tasks/generate-certificates/',
      async run(ctx, scope) {
        let expired = false
        const outcome = await probeProblems(ctx, scope, (probe) => {
          if (probe.error) return undefined // reported by admin-live / admin-ready
          const metrics = probe.metrics
          if (!metrics || 'error' in metrics || metrics.status !== 200) return undefined
          const leaf = leafCertFromMetrics(metrics.body)
          if (!leaf) return undefined
          const problem = leafExpiryProblem(leaf, ctx.settings.now(), ctx.settings.certExpiryThresholdMs)
          if (leaf.expiresAt !== undefined && leaf.expiresAt <= ctx.settings.now()) expired = true
          return problem
        })
        // An expired certificate means the proxy cannot talk mTLS any more: an error, not a warning.
        return outcome.kind === 'fail' && expired ? {...outcome, severity: 'error'} : outcome
      },
    },
    misplaced('pod-labels', 'data plane pod labels are configured correctly', 'l5d-data-plane-pod-labels', 'Some labels on data plane pods should be annotations:', 'pod', dataPlanePods, labelsThatShouldBeAnnotations),
    misplaced('service-labels', 'data plane service labels are configured correctly', 'l5d-data-plane-services-labels', 'Some labels on data plane services should be annotations:', 'service', dataPlaneServices, labelsThatShouldBeAnnotations),
    misplaced('service-annotations', 'data plane service annotations are configured correctly', 'l5d-data-plane-services-annotations', 'Some annotations on data plane services should be labels:', 'service', dataPlaneServices, annotationsThatShouldBeLabels),
    {
      id: 'opaque-ports-annotated',
      description: 'opaque ports are properly annotated',
      severity: 'warning',
      hint: 'linkerd-opaque-ports-definition',
      aliases: ['linkerd-opaque-ports-definition'],
      async run(ctx, scope) {
        const ns = ctx.settings.dataPlaneNamespace
        const [services, endpoints, pods] = await Promise.all([
          dataPlaneServices(ctx, scope),
          scope.waitFor(`endpoints in ${ns ?? 'all namespaces'}`, ctx.snapshot.endpoints(ns)),
          ns === undefined ? scope.waitFor('pods in all namespaces', ctx.snapshot.allPods()) : scope.waitFor(`pods in ${ns}`, ctx.snapshot.pods(ns)),
        ])
        const found = opaquePortProblems(services, endpoints, pods)
        return found.length === 0 ? pass() : fail(listProblems(`${found.length} Service/pod opaque-ports mismatch(es):`, found))
      },
    },
  ],
  // The port-forward fan-out is the slow part of --proxy: start it while the control plane is checked.
  prefetch(ctx, selected) {
    if (['admin-live', 'admin-ready', 'proxy-certs-not-expiring'].some((id) => selected(id))) prefetchAdminProbes(ctx)
  },
}
