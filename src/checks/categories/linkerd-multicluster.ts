// linkerd-multicluster: run when the multicluster extension is installed (a namespace labelled
// linkerd.io/extension=multicluster), as `linkerd check` runs installed extensions' checks. The
// Link CRD and Links, each Link's target cluster through its credentials Secret (reachable, may
// watch Services, shares the trust anchors), its service-mirror controller (RBAC, running, not
// legacy, its gateway probes alive per the controller's gateway_alive metric), the mirror
// Services it made (endpoints, a Link of their own) and the extension's proxies.
import {TimeoutError} from '../../errors.js'
import type {V1Deployment, V1Pod} from '../../kube/types.js'
import {
  ADMIN_PORT_SUFFIX,
  CONTROLLER_COMPONENTS,
  CONTROLLER_CONTAINERS,
  GATEWAY_ALIVE_METRIC,
  LEGACY_CONTROLLER_COMPONENT,
  LINK_CRD,
  LINK_GROUP,
  LINK_PLURAL,
  LOCAL_DISCOVERY_ANNOTATION,
  MIRRORED_GATEWAY_LABEL,
  MIRRORED_SERVICE_LABEL,
  mirrorRbac,
  probeLease,
  REMOTE_CLUSTER_LABEL,
  REMOTE_DISCOVERY_ANNOTATION,
  REMOTE_DISCOVERY_LABEL,
} from '../../mesh/multicluster.js'
import {parsePrometheusText} from '../../metrics/parse.js'
import {LABEL} from '../../mesh/names.js'
import type {CheckContext} from '../context.js'
import {LINKERD_CONFIG, linkerdValues, parseLinkerdValues, parseLinkerdVersion, trustAnchorsPem} from '../linkerd.js'
import {hasLabel, linkCrdServed, links, messageOf, multiclusterNamespace, NOT_INSTALLED, remoteClient, type Link} from '../multicluster.js'
import {listProblems, podName} from '../pods.js'
import {proxiesHealthy, proxiesUpToDate} from '../proxy-health.js'
import {defineCheck, fail, pass, skip, type Category, type Check, type CheckScope, type Outcome, type Severity} from '../types.js'
import {parsePemBundle} from '../x509.js'

/** The Links to check, or why there is nothing to check. */
async function linksToCheck(ctx: CheckContext, scope: CheckScope): Promise<Link[] | Outcome> {
  if (!(await multiclusterNamespace(ctx, scope))) return skip(NOT_INSTALLED)
  if (!(await linkCrdServed(ctx, scope))) return skip(`the ${LINK_CRD} CRD is missing`)
  const all = await links(ctx, scope)
  return all.length === 0 ? skip('no links') : all
}

/**
 * A check run over every Link: `problem` says what is wrong with one (or nothing); the run
 * fails listing each Link's problems, and passes naming the Links it checked.
 */
function perLink(id: string, description: string, hint: string, severity: Severity, problem: (ctx: CheckContext, scope: CheckScope, link: Link) => Promise<string[]>, extra: Partial<Check<CheckContext>> = {}): Check<CheckContext> {
  const run = async (ctx: CheckContext, scope: CheckScope): Promise<Outcome> => {
    const found = await linksToCheck(ctx, scope)
    if (!Array.isArray(found)) return found
    // One Link's trouble is that Link's problem; a call past --request-timeout is the check's timeout.
    const problemsOf = (link: Link) => problem(ctx, scope, link).catch((error: unknown) => (error instanceof TimeoutError ? Promise.reject(error) : [messageOf(error)]))
    const problems = (await Promise.all(found.map(async (link) => (await problemsOf(link)).map((p) => `${link.target}: ${p}`)))).flat()
    return problems.length === 0 ? pass(found.map((l) => `* ${l.target}`).join('\n')) : fail(listProblems('Problematic clusters:', problems))
  }
  return defineCheck(id, description, hint, severity, run, extra)
}

/** Runs `check` when the extension is installed. */
function installed(id: string, description: string, hint: string, severity: Severity, check: (ctx: CheckContext, scope: CheckScope) => Promise<Outcome>, extra: Partial<Check<CheckContext>> = {}): Check<CheckContext> {
  return defineCheck(id, description, hint, severity, async (ctx, scope) => ((await multiclusterNamespace(ctx, scope)) ? check(ctx, scope) : skip(NOT_INSTALLED)), extra)
}

/** The Deployments of a Link's service-mirror controller (in any namespace). */
async function controllers(ctx: CheckContext, scope: CheckScope, link: Link): Promise<V1Deployment[]> {
  const all = await scope.waitFor('deployments in all namespaces', ctx.snapshot.deployments())
  return all.filter((d) => CONTROLLER_COMPONENTS.some((c) => hasLabel(d.metadata?.labels, 'component', c)) && hasLabel(d.metadata?.labels, REMOTE_CLUSTER_LABEL, link.target))
}

async function localAnchors(ctx: CheckContext, scope: CheckScope): Promise<Set<string>> {
  const ns = ctx.settings.controlPlaneNamespace
  const {pem} = await scope.waitFor(`trust anchors in ${ns}`, trustAnchorsPem(ctx.snapshot, ns))
  return new Set(parsePemBundle(pem).map((c) => c.fingerprint256))
}

/** Nothing when one of `alternatives` (the chart's name, the legacy one) exists, else a line saying what is missing. */
function missing(kind: string, existing: ReadonlySet<string>, alternatives: readonly string[], where = ''): string[] {
  return alternatives.some((name) => existing.has(name)) ? [] : [`missing ${kind} ${alternatives.join(' (or ')}${alternatives.length > 1 ? ')' : ''}${where}`]
}

const names = <T extends {metadata?: {name?: string | undefined} | undefined}>(items: readonly T[]) => new Set(items.map((i) => i.metadata?.name ?? ''))

async function rbacProblems(ctx: CheckContext, scope: CheckScope, link: Link): Promise<string[]> {
  const ns = link.namespace
  const rbac = mirrorRbac(link.target)
  const rbacList = (plural: string) => ctx.snapshot.shared(`${plural}/${ns}`, () => ctx.kube.listCustom('rbac.authorization.k8s.io', 'v1', plural, ns))
  const [accounts, roles, bindings, clusterRoles, clusterBindings] = await Promise.all([
    scope.waitFor(`serviceaccounts in ${ns}`, ctx.snapshot.serviceAccounts(ns)),
    scope.waitFor(`roles in ${ns}`, rbacList('roles')),
    scope.waitFor(`rolebindings in ${ns}`, rbacList('rolebindings')),
    scope.waitFor('clusterroles', ctx.snapshot.clusterRoles('')),
    scope.waitFor('clusterrolebindings', ctx.snapshot.clusterRoleBindings('')),
  ])
  return [
    ...missing('ServiceAccount', names(accounts), rbac.serviceAccounts, ` in ${ns}`),
    ...missing('ClusterRole', names(clusterRoles), rbac.clusterRoles),
    ...missing('ClusterRoleBinding', names(clusterBindings), rbac.clusterRoleBindings),
    ...missing('Role', names(roles), rbac.roles, ` in ${ns}`),
    ...missing('RoleBinding', names(bindings), rbac.roles, ` in ${ns}`),
  ]
}

/** The gateway_alive gauge the Link's lead controller reports for its target, through a port-forward. */
async function gatewayProblems(ctx: CheckContext, scope: CheckScope, link: Link): Promise<string[]> {
  // A Link made without a gateway has nothing to probe.
  if (link.gatewayAddress === '' || link.probePath === '') return []
  const probes = (await scope.waitFor('services in all namespaces', ctx.snapshot.services())).filter((s) => hasLabel(s.metadata?.labels, MIRRORED_GATEWAY_LABEL) && hasLabel(s.metadata?.labels, REMOTE_CLUSTER_LABEL, link.target))
  if (probes.length !== 1) return [`wrong number (${probes.length}) of probe gateways for target cluster ${link.target}`]
  const probe = probes[0]!
  const endpoints = (await scope.waitFor('endpoints in all namespaces', ctx.snapshot.endpoints())).find((e) => e.metadata?.name === probe.metadata?.name && e.metadata?.namespace === probe.metadata?.namespace)
  if (!endpoints?.subsets?.length) return [`${probe.metadata?.name}.${probe.metadata?.namespace} mirrored from cluster [${link.target}] has no endpoints`]
  const ns = (await multiclusterNamespace(ctx, scope))?.metadata?.name ?? link.namespace
  const lease = await scope.waitFor(`lease/${probeLease(link.target)} in ${ns}`, ctx.kube.getCustom('coordination.k8s.io', 'v1', 'leases', probeLease(link.target), ns))
  const holder = (lease?.spec as {holderIdentity?: string} | undefined)?.holderIdentity
  if (!holder) return [`no holder of lease/${probeLease(link.target)} in ${ns}: no controller leads the probes of ${link.target}`]
  const pod = (await scope.waitFor(`pods in ${ns}`, ctx.snapshot.pods(ns))).find((p) => p.metadata?.name === holder)
  if (!pod) return [`the lead controller ${holder} (lease/${probeLease(link.target)}) is not a pod in ${ns}`]
  if (pod.status?.phase !== 'Running') return [`pod not running: ${holder}`]
  const container = pod.spec?.containers.find((c) => (CONTROLLER_CONTAINERS as readonly string[]).includes(c.name))
  if (!container) return [`pod ${holder} did not have a 'service-mirror' nor a 'controller' container`]
  const port = container.ports?.find((p) => p.name?.endsWith(ADMIN_PORT_SUFFIX))?.containerPort ?? 9999
  const answer = await scope.waitFor(`${podName(pod)} port ${port}`, ctx.limiter.run(() => ctx.kube.proxyGet({name: holder, namespace: ns}, port, '/metrics', ctx.settings.requestTimeoutMs)))
  if (answer.status !== 200) return [`failed to get gateway metrics for target cluster ${link.target}: ${podName(pod)} port ${port} answered ${answer.status}`]
  const metrics = parsePrometheusText(answer.body, {keepSample: (name) => name === GATEWAY_ALIVE_METRIC})
  const alive = metrics.samples.find((s) => s.name === GATEWAY_ALIVE_METRIC && s.labels.target_cluster_name === link.target)
  if (!alive) return [`${podName(pod)} reports no ${GATEWAY_ALIVE_METRIC} metric for ${link.target} (its gateway probes have not run)`]
  return alive.value === 1 ? [] : [`liveness checks failed for ${link.target} (${GATEWAY_ALIVE_METRIC} ${alive.value} on ${podName(pod)})`]
}

/** Meshed pods of the namespaces the Links live in (the extension's controllers). */
async function extensionPods(ctx: CheckContext, scope: CheckScope, found: readonly Link[]): Promise<V1Pod[]> {
  const namespaces = [...new Set(found.map((l) => l.namespace))]
  const pods = await Promise.all(namespaces.map((ns) => scope.waitFor(`pods in ${ns}`, ctx.snapshot.pods(ns))))
  return pods.flat().filter((pod) => hasLabel(pod.metadata?.labels, LABEL.controlPlaneNamespace))
}

/** Mirror Services (not gateway probes), optionally only those that should have endpoints. */
async function mirrorServices(ctx: CheckContext, scope: CheckScope) {
  const services = await scope.waitFor('services in all namespaces', ctx.snapshot.services())
  return services.filter((s) => hasLabel(s.metadata?.labels, MIRRORED_SERVICE_LABEL) && !hasLabel(s.metadata?.labels, MIRRORED_GATEWAY_LABEL))
}

const serviceName = (s: {metadata?: {name?: string | undefined; namespace?: string | undefined; labels?: Record<string, string> | undefined} | undefined}) =>
  `${s.metadata?.name ?? '?'}.${s.metadata?.namespace ?? '?'} mirrored from cluster [${s.metadata?.labels?.[REMOTE_CLUSTER_LABEL] ?? '?'}]`

export const linkerdMulticluster: Category<CheckContext> = {
  id: 'linkerd-multicluster',
  name: 'linkerd-multicluster',
  checks: [
    installed('link-crd-exists', 'Link CRD exists', 'l5d-multicluster-link-crd-exists', 'error', async (ctx, scope) => {
      if (!(await linkCrdServed(ctx, scope))) return fail(`multicluster.linkerd.io/Link CRD is missing: ${LINK_CRD} does not serve v1alpha3`)
      const review = await scope.waitFor('SelfSubjectAccessReview list links', ctx.kube.selfSubjectAccessReview({verb: 'list', group: LINK_GROUP, resource: LINK_PLURAL}))
      return review.allowed ? pass() : fail(`missing permission to list ${LINK_PLURAL}.${LINK_GROUP}${review.reason ? ` (${review.reason})` : ''}`)
    }),
    installed('links-valid', 'Link resources are valid', 'l5d-multicluster-links-are-valid', 'error', async (ctx, scope) => {
      if (!(await linkCrdServed(ctx, scope))) return skip(`the ${LINK_CRD} CRD is missing`)
      const found = await links(ctx, scope)
      if (found.length === 0) return skip('no links detected')
      const invalid = found.flatMap((l) => {
        const absent = [['targetClusterName', l.target], ['clusterCredentialsSecret', l.credentialsSecret]].filter(([, v]) => v === '').map(([k]) => k)
        return absent.length === 0 ? [] : [`link/${l.name} in ${l.namespace} has no spec.${absent.join(', spec.')}`]
      })
      return invalid.length === 0 ? pass(found.map((l) => `* ${l.target}`).join('\n')) : fail(listProblems('invalid Links:', invalid))
    }),
    perLink('links-version', 'Link and control plane versions match', 'l5d-multicluster-links-version', 'warning', async (ctx, scope, link) => {
      const ns = ctx.settings.controlPlaneNamespace
      const current = (await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${ns}`, linkerdValues(ctx.snapshot, ns))).version
      const [by, version] = (link.createdBy ?? '').split(' ')
      if (!by?.startsWith('linkerd/') || !version) return ['unable to determine version']
      if (!current) return []
      return version === current ? [] : [`the control plane version is ${parseLinkerdVersion(current).version} but the Link version is ${parseLinkerdVersion(version).version}`]
    }),
    perLink('remote-credentials', 'remote cluster access credentials are valid', 'l5d-smc-target-clusters-access', 'error', async (ctx, scope, link) => {
      if (!ctx.remotes.enabled) return ['not checked: this run has no client for other clusters']
      const remote = await remoteClient(ctx, scope, link)
      await scope.waitFor(`GET ${remote.server}/version`, remote.getVersion())
      const reviews = await Promise.all(['get', 'list', 'watch'].map(async (verb) => ({verb, review: await scope.waitFor(`SelfSubjectAccessReview ${verb} services on ${link.target}`, remote.selfSubjectAccessReview({verb, resource: 'services'}))})))
      return reviews.filter((r) => !r.review.allowed).map((r) => `missing service permission [${r.verb}] for cluster [${link.target}]${r.review.reason ? ` (${r.review.reason})` : ''}`)
    }),
    perLink('trust-anchors-shared', 'clusters share trust anchors', 'l5d-multicluster-clusters-share-anchors', 'error', async (ctx, scope, link) => {
      if (!ctx.remotes.enabled) return ['not checked: this run has no client for other clusters']
      const [mine, remote] = await Promise.all([localAnchors(ctx, scope), remoteClient(ctx, scope, link)])
      const cm = await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${link.targetLinkerdNamespace} on ${link.target}`, remote.getConfigMap(link.targetLinkerdNamespace, LINKERD_CONFIG))
      const values = cm?.data?.values
      if (!values) return [`unable to fetch anchors: configmap/${LINKERD_CONFIG} in ${link.targetLinkerdNamespace} not found or has no values`]
      const pem = parseLinkerdValues(values).trustAnchorsPem
      if (!pem) return ['unable to fetch anchors: no identityTrustAnchorsPEM']
      const theirs = new Set(parsePemBundle(pem).map((c) => c.fingerprint256))
      return theirs.size === mine.size && [...theirs].every((f) => mine.has(f)) ? [] : ['its trust anchors differ from this cluster\'s: mTLS between the clusters fails']
    }),
    perLink('service-mirror-rbac', 'service mirror controller has required permissions', 'l5d-multicluster-source-rbac-correct', 'error', rbacProblems),
    perLink(
      'service-mirror-running',
      'service mirror controllers are running',
      'l5d-multicluster-service-mirror-running',
      'error',
      async (ctx, scope, link) => {
        const found = await controllers(ctx, scope, link)
        if (found.length > 1) return [`too many service mirror controller deployments for Link ${link.target}`]
        const controller = found[0]
        if (!controller) return [`no service mirror controller deployment for Link ${link.target}`]
        return (controller.status?.availableReplicas ?? 0) < 1 ? [`service mirror controller is not available: ${controller.metadata?.namespace}/${controller.metadata?.name}`] : []
      },
      {retry: true},
    ),
    perLink('managed-controllers', 'extension is managing controllers', 'l5d-multicluster-managed-controllers', 'warning', async (ctx, scope, link) => {
      const controller = (await controllers(ctx, scope, link))[0]
      return controller && hasLabel(controller.metadata?.labels, 'component', LEGACY_CONTROLLER_COMPONENT) ? [`using legacy service mirror controller for Link: ${link.target}`] : []
    }),
    perLink('gateways-alive', 'probe services able to communicate with all gateway mirrors', 'l5d-multicluster-gateways-endpoints', 'error', gatewayProblems),
    installed('mirror-services-endpoints', 'all mirror services have endpoints', 'l5d-multicluster-services-endpoints', 'error', async (ctx, scope) => {
      const services = (await mirrorServices(ctx, scope)).filter((s) => !hasLabel(s.metadata?.labels, REMOTE_DISCOVERY_LABEL))
      if (services.length === 0) return skip('no mirror services')
      const endpoints = await scope.waitFor('endpoints in all namespaces', ctx.snapshot.endpoints())
      const empty = services
        // Federated services are discovered from their members and need no endpoints of their own.
        .filter((s) => !s.metadata?.annotations?.[REMOTE_DISCOVERY_ANNOTATION] && !s.metadata?.annotations?.[LOCAL_DISCOVERY_ANNOTATION])
        .filter((s) => !endpoints.find((e) => e.metadata?.name === s.metadata?.name && e.metadata?.namespace === s.metadata?.namespace)?.subsets?.length)
        .map(serviceName)
      return empty.length === 0 ? pass() : fail(listProblems('Some mirror services do not have endpoints:', empty))
    }),
    installed('no-orphaned-mirrors', 'all mirror services are part of a Link', 'l5d-multicluster-orphaned-services', 'warning', async (ctx, scope) => {
      const services = (await mirrorServices(ctx, scope)).filter((s) => hasLabel(s.metadata?.labels, REMOTE_CLUSTER_LABEL))
      if (services.length === 0) return skip('no mirror services')
      const targets = new Set((await linkCrdServed(ctx, scope)) ? (await links(ctx, scope)).map((l) => l.target) : [])
      const orphans = services.filter((s) => !targets.has(s.metadata?.labels?.[REMOTE_CLUSTER_LABEL] ?? '')).map((s) => `mirror service ${s.metadata?.name}.${s.metadata?.namespace} is not part of any Link`)
      return orphans.length === 0 ? pass() : fail(listProblems(`${orphans.length} orphaned mirror service${orphans.length === 1 ? '' : 's'}:`, orphans))
    }),
    {
      id: 'proxies-healthy',
      description: 'multicluster extension proxies are healthy',
      severity: 'warning',
      retry: true,
      hint: 'l5d-multicluster-proxy-healthy',
      async run(ctx, scope) {
        const found = await linksToCheck(ctx, scope)
        if (!Array.isArray(found)) return found
        return proxiesHealthy(ctx, scope, await extensionPods(ctx, scope, found), 'multicluster')
      },
    },
    {
      id: 'proxies-version',
      description: 'multicluster extension proxies are up-to-date',
      severity: 'warning',
      hint: 'l5d-multicluster-proxy-cp-version',
      async run(ctx, scope) {
        const found = await linksToCheck(ctx, scope)
        if (!Array.isArray(found)) return found
        return proxiesUpToDate(ctx, scope, () => extensionPods(ctx, scope, found))
      },
    },
  ],
}
