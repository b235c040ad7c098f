// linkerd-cni-plugin: when linkerd-config's values say cniEnabled, pods get their iptables rules
// from the linkerd-cni DaemonSet instead of linkerd-init, so a node without a ready CNI pod
// starts meshed pods whose traffic bypasses the proxy (or never gets network). The plugin's
// ConfigMap, RBAC, ServiceAccount and DaemonSet in --cni-namespace, as Linkerd checks them.
import type {V1Pod} from '../../kube/types.js'
import {CNI_CONFIG_MAP, CNI_DEFAULT_NAMESPACE, CNI_RESOURCE_NAME} from '../../mesh/cni.js'
import type {CheckContext} from '../context.js'
import {linkerdValues, LINKERD_CONFIG} from '../linkerd.js'
import {listProblems, podName} from '../pods.js'
import {defineCheck, fail, pass, skip, type Category, type Check, type CheckScope, type Outcome} from '../types.js'

const NOT_ENABLED = 'skipping check because CNI is not enabled'

/** Runs `check` only when the values enable CNI. */
function whenEnabled(id: string, description: string, hint: string, check: (ctx: CheckContext, scope: CheckScope, ns: string) => Promise<Outcome>, extra: Partial<Check<CheckContext>> = {}): Check<CheckContext> {
  const run = async (ctx: CheckContext, scope: CheckScope): Promise<Outcome> => {
    const cp = ctx.settings.controlPlaneNamespace
    const values = await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${cp}`, linkerdValues(ctx.snapshot, cp))
    if (!values.cniEnabled) return skip(NOT_ENABLED)
    return check(ctx, scope, ctx.settings.cniNamespace ?? CNI_DEFAULT_NAMESPACE)
  }
  return defineCheck(id, description, hint, 'error', run, extra)
}

const named = <T extends {metadata?: {name?: string | undefined} | undefined}>(items: readonly T[], name: string) => items.find((o) => o.metadata?.name === name)

async function daemonSet(ctx: CheckContext, scope: CheckScope, ns: string) {
  return named(await scope.waitFor(`daemonsets in ${ns}`, ctx.snapshot.daemonSets(ns)), CNI_RESOURCE_NAME)
}

const notReady = (pod: V1Pod) => !pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')

export const linkerdCni: Category<CheckContext> = {
  id: 'linkerd-cni-plugin',
  name: 'linkerd-cni-plugin',
  checks: [
    whenEnabled('config-map-exists', 'cni plugin ConfigMap exists', 'cni-plugin-cm-exists', async (ctx, scope, ns) =>
      (await scope.waitFor(`configmap/${CNI_CONFIG_MAP} in ${ns}`, ctx.snapshot.configMap(ns, CNI_CONFIG_MAP))) ? pass() : fail(`configmap/${CNI_CONFIG_MAP} in ${ns} not found (is --cni-namespace right?)`),
    ),
    whenEnabled('cluster-role-exists', 'cni plugin ClusterRole exists', 'cni-plugin-cr-exists', async (ctx, scope) =>
      named(await scope.waitFor('clusterroles', ctx.snapshot.clusterRoles('')), CNI_RESOURCE_NAME) ? pass() : fail(`missing ClusterRole: ${CNI_RESOURCE_NAME}`),
    ),
    whenEnabled('cluster-role-binding-exists', 'cni plugin ClusterRoleBinding exists', 'cni-plugin-crb-exists', async (ctx, scope) =>
      named(await scope.waitFor('clusterrolebindings', ctx.snapshot.clusterRoleBindings('')), CNI_RESOURCE_NAME) ? pass() : fail(`missing ClusterRoleBinding: ${CNI_RESOURCE_NAME}`),
    ),
    whenEnabled('service-account-exists', 'cni plugin ServiceAccount exists', 'cni-plugin-sa-exists', async (ctx, scope, ns) =>
      named(await scope.waitFor(`serviceaccounts in ${ns}`, ctx.snapshot.serviceAccounts(ns)), CNI_RESOURCE_NAME) ? pass() : fail(`missing ServiceAccount: ${CNI_RESOURCE_NAME} in ${ns}`),
    ),
    whenEnabled('daemon-set-exists', 'cni plugin DaemonSet exists', 'cni-plugin-ds-exists', async (ctx, scope, ns) =>
      (await daemonSet(ctx, scope, ns)) ? pass() : fail(`missing DaemonSet: ${CNI_RESOURCE_NAME} in ${ns}`),
    ),
    whenEnabled(
      'pods-ready',
      'cni plugin pod is running on all nodes',
      'cni-plugin-ready',
      async (ctx, scope, ns) => {
        const ds = await daemonSet(ctx, scope, ns)
        if (!ds) return fail(`missing DaemonSet: ${CNI_RESOURCE_NAME} in ${ns}`)
        const scheduled = ds.status?.desiredNumberScheduled ?? 0
        const ready = ds.status?.numberReady ?? 0
        if (scheduled === ready) return pass()
        const pods = (await scope.waitFor(`pods in ${ns}`, ctx.snapshot.pods(ns))).filter((pod) => pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.name === CNI_RESOURCE_NAME))
        const summary = `number ready: ${ready}, number scheduled: ${scheduled}`
        const stuck = pods.filter(notReady).map((pod) => `${podName(pod)} on node ${pod.spec?.nodeName ?? '(none)'} is not ready`)
        return fail(stuck.length === 0 ? summary : listProblems(`${summary}:`, stuck))
      },
      {retry: true},
    ),
  ],
}
