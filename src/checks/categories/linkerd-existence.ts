// linkerd-existence: the control plane is installed and its pods run. Unlike Linkerd, a control
// plane pod that is not ready does not stop the run: identity and data-plane checks still report.
import type {V1Pod} from '../../kube/types.js'
import {LABEL} from '../../mesh/names.js'
import {clusterNetworksOf, nodeCidrProblems, setClusterNetworksHint, podIpProblems, serviceIpProblems, type ClusterNetworks} from '../cluster-networks.js'
import type {CheckContext} from '../context.js'
import {CORE_COMPONENTS, HEARTBEAT_SA, linkerdValues, LINKERD_CONFIG} from '../linkerd.js'
import {listProblems, podName} from '../pods.js'
import {fail, pass, skip, type Category, type Check, type CheckScope} from '../types.js'

/** Pods or services with an address outside clusterNetworks (both share Linkerd's pods anchor). */
function networkCheck(id: string, description: string, noun: string, outside: (ctx: CheckContext, scope: CheckScope) => Promise<string[]>): Check<CheckContext> {
  return {
    id,
    description,
    severity: 'error',
    hint: 'l5d-cluster-networks-pods',
    async run(ctx, scope) {
      const found = await outside(ctx, scope)
      const {text} = await clusterNetworks(ctx, scope)
      return found.length === 0 ? pass() : fail(listProblems(`the Linkerd clusterNetworks [${text}] do not include ${found.length} ${noun}${found.length === 1 ? '' : 's'}:`, found))
    },
  }
}

async function clusterNetworks(ctx: CheckContext, scope: CheckScope): Promise<ClusterNetworks> {
  const ns = ctx.settings.controlPlaneNamespace
  return clusterNetworksOf(await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${ns}`, linkerdValues(ctx.snapshot, ns)))
}

function componentOf(pod: V1Pod): string | undefined {
  const label = pod.metadata?.labels?.[LABEL.controlPlaneComponent]
  if (label) return label
  // Linkerd itself matches `linkerd-<component>-<hash>-<id>` names.
  const match = /^linkerd-(.+)-[a-z0-9]+-[a-z0-9]+$/.exec(pod.metadata?.name ?? '')
  return match?.[1]
}

/** Why the pod is not running with every container ready, or undefined. */
function podNotReady(pod: V1Pod): string | undefined {
  if (pod.status?.phase !== 'Running') return `${podName(pod)} is ${pod.status?.phase ?? 'Unknown'}`
  // Init containers that ran to completion are done; a native-sidecar proxy never terminates.
  const statuses = [...(pod.status.initContainerStatuses ?? []).filter((s) => s.state?.terminated === undefined), ...(pod.status.containerStatuses ?? [])]
  const notReady = statuses.find((s) => !s.ready)
  if (notReady) return `${podName(pod)} container ${notReady.name} is not ready`
  return undefined
}

export const linkerdExistence: Category<CheckContext> = {
  id: 'linkerd-existence',
  name: 'linkerd-existence',
  checks: [
    {
      id: 'config-map-exists',
      description: `'${LINKERD_CONFIG}' config map exists`,
      severity: 'error',
      fatal: true,
      hint: 'l5d-existence-linkerd-config',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${ns}`, linkerdValues(ctx.snapshot, ns))
        return pass()
      },
    },
    {
      id: 'heartbeat-service-account-exists',
      description: 'heartbeat ServiceAccount exist',
      severity: 'error',
      hint: 'l5d-existence-sa',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const values = await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${ns}`, linkerdValues(ctx.snapshot, ns))
        if (values.heartbeatDisabled) return skip('the heartbeat is disabled (disableHeartBeat)')
        const accounts = await scope.waitFor(`serviceaccounts in ${ns}`, ctx.snapshot.serviceAccounts(ns))
        return accounts.some((sa) => sa.metadata?.name === HEARTBEAT_SA) ? pass() : fail(`serviceaccount/${HEARTBEAT_SA} in ${ns} not found`)
      },
    },
    {
      id: 'replica-sets-ready',
      description: 'control plane replica sets are ready',
      severity: 'error',
      retry: true,
      hint: 'l5d-existence-replicasets',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const sets = await scope.waitFor(`replicasets in ${ns}`, ctx.snapshot.replicaSets(ns))
        const failing = sets.flatMap((rs) => {
          const condition = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True')
          return condition ? [`replicaset/${rs.metadata?.name ?? '?'}: ${condition.message ?? condition.reason ?? 'ReplicaFailure'}`] : []
        })
        return failing.length === 0 ? pass() : fail(failing.join('\n'))
      },
    },
    {
      id: 'no-unschedulable-pods',
      description: 'no unschedulable pods',
      severity: 'warning',
      retry: true,
      hint: 'l5d-existence-unschedulable-pods',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const pods = await scope.waitFor(`pods in ${ns}`, ctx.snapshot.pods(ns))
        const stuck = pods.flatMap((pod) => {
          const condition = pod.status?.conditions?.find((c) => c.reason === 'Unschedulable')
          return condition ? [`${podName(pod)}: ${condition.message ?? 'Unschedulable'}`] : []
        })
        return stuck.length === 0 ? pass() : fail(stuck.join('\n'))
      },
    },
    {
      id: 'control-plane-pods-ready',
      description: 'control plane pods are ready',
      severity: 'error',
      retry: true,
      hint: 'l5d-api-control-ready',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const pods = await scope.waitFor(`pods in ${ns}`, ctx.snapshot.pods(ns))
        const problems: string[] = []
        for (const component of CORE_COMPONENTS) {
          const mine = pods.filter((pod) => componentOf(pod) === component)
          if (mine.length === 0) {
            problems.push(`No running pods for "linkerd-${component}"`)
            continue
          }
          const reasons = mine.map(podNotReady)
          // Linkerd's rule: at least one pod of the component is running with all containers ready.
          if (reasons.every((r): r is string => r !== undefined)) problems.push(...reasons)
        }
        return problems.length === 0 ? pass() : fail(listProblems('control plane components are not ready:', problems))
      },
    },
    {
      id: 'cluster-networks-node-cidrs',
      description: 'cluster networks contains all node podCIDRs',
      severity: 'error',
      hint: 'l5d-cluster-networks-cidr',
      async run(ctx, scope) {
        const cn = await clusterNetworks(ctx, scope)
        const found = nodeCidrProblems(await scope.waitFor('nodes', ctx.snapshot.nodes()), cn)
        // Some providers (DigitalOcean) do not expose spec.podCIDR: nothing to compare.
        if (found === undefined) return skip("the nodes aren't exposing podCIDR")
        if (found.length === 0) return pass()
        const nodes = listProblems(`node podCIDRs not contained in the Linkerd clusterNetworks [${cn.text}]:`, found.map((f) => `node/${f.node} (${f.cidr})`))
        return fail(`${nodes}\n${setClusterNetworksHint(found.map((f) => f.cidr))}`)
      },
    },
    networkCheck('cluster-networks-pods', 'cluster networks contains all pods', 'pod', async (ctx, scope) => podIpProblems(await scope.waitFor('pods in all namespaces', ctx.snapshot.allPods()), await clusterNetworks(ctx, scope))),
    networkCheck('cluster-networks-services', 'cluster networks contains all services', 'service', async (ctx, scope) => serviceIpProblems(await scope.waitFor('services in all namespaces', ctx.snapshot.services()), await clusterNetworks(ctx, scope))),
  ],
}
