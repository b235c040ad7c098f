// `diagnose ports TARGET`: the live pods' port analysis, with each namespace's annotations (they
// are inherited) and the cluster's proxy defaults from linkerd-config.
import type {KubeClient} from '../kube/types.js'
import type {MeshDefaults} from '../ports/index.js'
import {clusterMeshDefaults} from './cluster-defaults.js'
import {analyzeLivePods, type PortsReport} from './ports-report.js'
import {resolvePods, type PodQuery} from './resolve-pods.js'

export interface LivePortsResult {
  report: PortsReport
  missing: string[]
}

export async function namespaceAnnotationsOf(kube: KubeClient, names: Iterable<string>): Promise<Map<string, Record<string, string> | undefined>> {
  const out = new Map<string, Record<string, string> | undefined>()
  await Promise.all(
    [...new Set(names)].map(async (name) => {
      try {
        const ns = await kube.getNamespace(name)
        out.set(name, ns ? (ns.metadata?.annotations ?? {}) : undefined)
      } catch {
        out.set(name, undefined) // unreadable: treat as unknown rather than "not annotated"
      }
    }),
  )
  return out
}

export async function livePorts(kube: KubeClient, query: PodQuery, linkerdNamespace: string, defaults?: Partial<MeshDefaults>): Promise<LivePortsResult> {
  const [{pods, missing}, clusterDefaults] = await Promise.all([resolvePods(kube, query), defaults ? Promise.resolve(defaults) : clusterMeshDefaults(kube, linkerdNamespace)])
  const [nsAnnotations, services] = await Promise.all([
    namespaceAnnotationsOf(kube, pods.map((p) => p.metadata?.namespace ?? '')),
    // Off-cluster Services matter only for a namespace-wide look, not for one named workload.
    query.targets.length === 0 ? kube.listServices(query.namespace ? {namespace: query.namespace} : {}).catch(() => []) : Promise.resolve([]),
  ])
  const report = analyzeLivePods(
    pods.map((pod) => ({pod, namespaceAnnotations: nsAnnotations.get(pod.metadata?.namespace ?? '')})),
    clusterDefaults,
    services,
  )
  return {report, missing}
}
