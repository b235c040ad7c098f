// Turns `po/NAME`, `deploy/NAME`, `sts`, ... into the live pods they cover, with viz stat's
// target rules and owner-chain grouping (src/resources), so both commands agree on what
// `deploy/web` means.
import {UsageError} from '../errors.js'
import type {KubeClient, V1Pod} from '../kube/types.js'
import {groupPods} from '../resources/group.js'
import {buildOwnerIndex} from '../resources/owners.js'
import {parseTargets, type Target} from '../resources/targets.js'

export interface PodQuery {
  /** undefined: every namespace. */
  namespace: string | undefined
  labelSelector?: string | undefined
  /** TYPE/NAME arguments; empty means every pod of the namespace. */
  targets: readonly string[]
}

export interface ResolvedPods {
  pods: V1Pod[]
  /** Named targets that matched no pod, as `deploy/web`. */
  missing: string[]
}

export async function resolvePods(kube: KubeClient, query: PodQuery): Promise<ResolvedPods> {
  const list = {...(query.namespace ? {namespace: query.namespace} : {}), ...(query.labelSelector ? {labelSelector: query.labelSelector} : {})}
  const scope = query.namespace ? {namespace: query.namespace} : {}
  if (query.targets.length === 0) {
    const pods = await kube.listPods(list)
    return {pods: sortPods(pods), missing: []}
  }
  const parsed = parseTargets(query.targets)
  if (!parsed.ok) throw new UsageError(parsed.error, {hint: 'targets look like po/NAME, deploy/NAME or a bare type such as sts'})
  const needsOwners = parsed.all || parsed.targets.some((t) => t.kind !== 'pod')
  const [pods, replicaSets, jobs] = await Promise.all([
    kube.listPods(list),
    needsOwners ? kube.listReplicaSets(scope) : Promise.resolve([]),
    needsOwners ? kube.listJobs(scope) : Promise.resolve([]),
  ])
  const index = buildOwnerIndex([
    ...replicaSets.map((o) => ({kind: 'ReplicaSet', metadata: o.metadata as never})),
    ...jobs.map((o) => ({kind: 'Job', metadata: o.metadata as never})),
  ])
  const grouping = groupPods(pods, index, {all: parsed.all, targets: parsed.targets})
  const seen = new Set<string>()
  const selected: V1Pod[] = []
  for (const row of grouping.rows) {
    for (const pod of row.pods) {
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`
      if (seen.has(key)) continue
      seen.add(key)
      selected.push(pod)
    }
  }
  return {pods: sortPods(selected), missing: grouping.missing.map(targetText)}
}

function targetText(t: Target): string {
  return t.name === undefined ? t.kind : `${t.kind}/${t.name}`
}

function sortPods(pods: V1Pod[]): V1Pod[] {
  const key = (p: V1Pod) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`
  return [...pods].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}
