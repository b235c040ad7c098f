// The pods behind viz rows and the objects their owner chains need, listed once per run, and
// `-l` applied to the rows' own objects. Shared by viz stat, edges and authz.
import type {KubeClient, V1Pod} from '../kube/types.js'
import {matchesLabels, parseLabelSelector} from '../kube/selectors.js'
import type {ResourceRow} from '../resources/group.js'
import {buildOwnerIndex, type OwnerIndex} from '../resources/owners.js'

export interface Listing {
  pods: V1Pod[]
  index: OwnerIndex
  /** Owner lists that could not be read (e.g. RBAC): chains stop at the pod's direct owner. */
  warnings: string[]
}

export async function listing(kube: KubeClient, namespace: string | undefined): Promise<Listing> {
  const options = namespace === undefined ? {} : {namespace}
  const warnings: string[] = []
  // Pods are required; ReplicaSets and Jobs only lengthen owner chains, so their failure is a warning.
  const optional = async <T>(what: string, list: Promise<T[]>): Promise<T[]> => {
    try {
      return await list
    } catch (err) {
      warnings.push(`cannot list ${what} (${err instanceof Error ? err.message : String(err)}): pods are grouped by their direct owner only`)
      return []
    }
  }
  const [pods, replicaSets, jobs] = await Promise.all([kube.listPods(options), optional('replicasets', kube.listReplicaSets(options)), optional('jobs', kube.listJobs(options))])
  const index = buildOwnerIndex([
    ...replicaSets.map((o) => ({kind: 'ReplicaSet', metadata: o.metadata})),
    ...jobs.map((o) => ({kind: 'Job', metadata: o.metadata})),
  ])
  return {index, pods, warnings}
}

// -l selects the objects of the rows, as kubectl and Linkerd do. Kinds we list cheaply are
// matched on their own labels; others (custom kinds, ReplicationControllers) on their pods' labels.
export async function applyLabelSelector(kube: KubeClient, rows: ResourceRow[], labelSelector: string | undefined, namespace: string | undefined, index: OwnerIndex): Promise<ResourceRow[]> {
  if (!labelSelector) return rows
  const requirements = parseLabelSelector(labelSelector)
  const options = {labelSelector, ...(namespace === undefined ? {} : {namespace})}
  const kinds = new Set(rows.map((r) => r.kind.name))
  const allowed = new Map<string, Set<string>>()
  const add = (kind: string, objects: Array<{metadata?: {name?: string; namespace?: string} | undefined}>): void => {
    allowed.set(kind, new Set(objects.map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`)))
  }
  const lists: Array<Promise<void>> = []
  if (kinds.has('deployment')) lists.push(kube.listDeployments(options).then((l) => add('deployment', l)))
  if (kinds.has('statefulset')) lists.push(kube.listStatefulSets(options).then((l) => add('statefulset', l)))
  if (kinds.has('daemonset')) lists.push(kube.listDaemonSets(options).then((l) => add('daemonset', l)))
  if (kinds.has('cronjob')) lists.push(kube.listCronJobs(options).then((l) => add('cronjob', l)))
  if (kinds.has('namespace')) {
    lists.push(
      kube.listNamespaces({labelSelector}).then((l) => {
        allowed.set('namespace', new Set(l.map((n) => `${n.metadata?.name ?? ''}/${n.metadata?.name ?? ''}`)))
      }),
    )
  }
  await Promise.all(lists)
  return rows.filter((row) => {
    const names = allowed.get(row.kind.name)
    if (names) return names.has(`${row.namespace}/${row.name}`)
    if (row.kind.name === 'pod') return matchesLabels(requirements, row.pods[0]?.metadata?.labels)
    const owner = row.kind.name === 'replicaset' || row.kind.name === 'job' ? index.get(`${row.namespace}/${row.kind.kind}/${row.name}`) : undefined
    if (owner) return matchesLabels(requirements, owner.labels ?? undefined)
    return row.pods.some((p) => matchesLabels(requirements, p.metadata?.labels))
  })
}
