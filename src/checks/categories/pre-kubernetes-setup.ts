// pre-kubernetes-setup (`check --pre`): can this user install Linkerd into this cluster? Access is
// verified with SelfSubjectAccessReviews for what an install creates (linkerd/linkerd2#2993: RBAC
// checks must match the real manifests), plus clock skew and leftovers of an earlier install.
import type {AccessAttributes} from '../../kube/types.js'
import type {CheckContext} from '../context.js'
import {crdProblems} from '../linkerd.js'
import {fail, pass, type Category, type Check} from '../types.js'

/** Cluster-scoped objects a Linkerd install creates. */
const CLUSTER_RESOURCES: ReadonlyArray<Omit<AccessAttributes, 'verb'>> = [
  {resource: 'namespaces'},
  {group: 'rbac.authorization.k8s.io', resource: 'clusterroles'},
  {group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings'},
  {group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions'},
  {group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations'},
  {group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations'},
]

/** Linkerd's allowance: the nodes' 5 minute heartbeat plus the TLS clock-skew allowance (10s). */
export const ALLOWED_CLOCK_SKEW_MS = 5 * 60_000 + 10_000

async function denied(ctx: CheckContext, attributes: AccessAttributes[], label: (a: AccessAttributes) => string): Promise<string[]> {
  const reviews = await Promise.all(attributes.map(async (a) => ({a, review: await ctx.kube.selfSubjectAccessReview(a)})))
  return reviews.filter(({review}) => !review.allowed).map(({a, review}) => `${label(a)}${review.reason ? ` (${review.reason})` : ''}`)
}

function namespacedAccess(id: string, description: string, verb: string, resource: string, group?: string): Check<CheckContext> {
  return {
    id,
    description,
    severity: 'error',
    hint: 'pre-k8s',
    async run(ctx, scope) {
      const namespace = ctx.settings.controlPlaneNamespace
      const attributes: AccessAttributes = {verb, resource, namespace, ...(group ? {group} : {})}
      const missing = await scope.waitFor(`SelfSubjectAccessReview ${verb} ${resource}`, denied(ctx, [attributes], () => `${verb} ${resource} in ${namespace}`))
      return missing.length === 0 ? pass() : fail(`missing permission to ${missing.join(', ')}`)
    },
  }
}

export const preKubernetesSetup: Category<CheckContext> = {
  id: 'pre-kubernetes-setup',
  name: 'pre-kubernetes-setup',
  checks: [
    {
      id: 'namespace-absent',
      description: 'control plane namespace does not already exist',
      severity: 'error',
      hint: 'pre-ns',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const found = await scope.waitFor(`namespace/${ns}`, ctx.snapshot.namespace(ns))
        if (!found) return pass()
        // Linkerd fails on any existing namespace; what it holds tells an old install from an empty one.
        const [pods, configMaps] = await Promise.all([ctx.snapshot.pods(ns), ctx.snapshot.configMaps(ns)])
        const content = [...pods.map((p) => `pod/${p.metadata?.name ?? '?'}`), ...configMaps.filter((c) => c.metadata?.name !== 'kube-root-ca.crt').map((c) => `configmap/${c.metadata?.name ?? '?'}`)]
        if (content.length === 0) {
          return fail(`The "${ns}" namespace already exists (it is empty: if it was created for this install on purpose, skip this check with --skip pre-kubernetes-setup.namespace-absent)`)
        }
        return fail(`The "${ns}" namespace already exists and holds ${content.slice(0, 5).join(', ')}${content.length > 5 ? ` and ${content.length - 5} more` : ''}`)
      },
    },
    {
      id: 'can-create-cluster-resources',
      description: 'can create non-namespaced resources',
      severity: 'error',
      hint: 'pre-k8s-cluster-k8s',
      async run(ctx, scope) {
        const attributes = CLUSTER_RESOURCES.map((r) => ({...r, verb: 'create'}))
        const missing = await scope.waitFor('SelfSubjectAccessReviews (cluster resources)', denied(ctx, attributes, (a) => `create ${a.resource}`))
        return missing.length === 0 ? pass() : fail(`missing permission to ${missing.join(', ')}`)
      },
    },
    namespacedAccess('can-create-service-accounts', 'can create ServiceAccounts', 'create', 'serviceaccounts'),
    namespacedAccess('can-create-services', 'can create Services', 'create', 'services'),
    namespacedAccess('can-create-deployments', 'can create Deployments', 'create', 'deployments', 'apps'),
    namespacedAccess('can-create-cronjobs', 'can create CronJobs', 'create', 'cronjobs', 'batch'),
    namespacedAccess('can-create-configmaps', 'can create ConfigMaps', 'create', 'configmaps'),
    namespacedAccess('can-create-secrets', 'can create Secrets', 'create', 'secrets'),
    namespacedAccess('can-read-secrets', 'can read Secrets', 'get', 'secrets'),
    {
      id: 'can-read-extension-apiserver-authentication',
      description: 'can read extension-apiserver-authentication configmap',
      severity: 'error',
      hint: 'pre-k8s',
      async run(ctx, scope) {
        const cm = await scope.waitFor('configmap/extension-apiserver-authentication in kube-system', ctx.snapshot.configMap('kube-system', 'extension-apiserver-authentication'))
        if (!cm) return fail('configmap/extension-apiserver-authentication in kube-system not found')
        if (!cm.data?.['requestheader-client-ca-file']) return fail('configmap/extension-apiserver-authentication in kube-system has no requestheader-client-ca-file')
        return pass()
      },
    },
    {
      id: 'no-clock-skew',
      description: 'no clock skew detected',
      severity: 'warning',
      hint: 'pre-k8s-clock-skew',
      async run(ctx, scope) {
        const nodes = await scope.waitFor('nodes', ctx.snapshot.nodes())
        const now = ctx.settings.now()
        const skewed: string[] = []
        for (const node of nodes) {
          const ready = node.status?.conditions?.find((c) => c.type === 'Ready')
          if (ready?.status !== 'True' || !ready.lastHeartbeatTime) continue
          const skew = now - new Date(ready.lastHeartbeatTime).getTime()
          if (Math.abs(skew) > ALLOWED_CLOCK_SKEW_MS) skewed.push(`node/${node.metadata?.name ?? '?'} (${Math.round(skew / 1000)}s)`)
        }
        if (skewed.length === 0) return pass()
        return fail(`clock skew between this machine and ${skewed.join(', ')} is more than ${ALLOWED_CLOCK_SKEW_MS / 1000}s`)
      },
    },
    {
      id: 'crds-compatible',
      description: 'Linkerd CRDs are absent or compatible',
      severity: 'error',
      hint: 'l5d-existence-crd',
      async run(ctx, scope) {
        const crds = await scope.waitFor('customresourcedefinitions', ctx.snapshot.crds())
        const problems = crdProblems(crds, true)
        return problems.length === 0 ? pass() : fail(problems.join('\n'))
      },
    },
  ],
}
