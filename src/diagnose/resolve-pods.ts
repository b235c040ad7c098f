// Turns `po/NAME`, `deploy/NAME`, `sts`, ... into the live pods they cover, with viz stat's
// target rules and owner-chain grouping (src/resources), so both commands agree on what
// `deploy/web` means. A bare word that is no resource type is a pod name, as kubectl takes
// `kubectl logs web-7d9f8`.
import {UsageError} from '../errors.js'
import type {KubeClient, V1Pod} from '../kube/types.js'
import {targetName} from '../resources/lookup.js'
import {groupPods} from '../resources/group.js'
import {kindByAlias} from '../resources/kinds.js'
import {buildOwnerIndex} from '../resources/owners.js'
import {isReady} from '../resources/pods.js'
import {parseTargets} from '../resources/targets.js'

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
  const named = await podsByName(kube, query)
  if (named) return named
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
  // A lone word that is neither a type nor a pod's owner kind was a pod name that does not exist.
  const lone = query.targets.length === 1 && parsed.targets[0]?.custom === true && grouping.rows.length === 0
  if (lone) return {pods: [], missing: [`pod/${query.targets[0]}`]}
  return {pods: sortPods(selected), missing: grouping.missing.map(targetName)}
}

/** Bare words that are no resource type and name existing pods (`web-7d9f8`); undefined otherwise. */
async function podsByName(kube: KubeClient, query: PodQuery): Promise<ResolvedPods | undefined> {
  const words = query.targets
  if (query.namespace === undefined || words.some((w) => w.includes('/')) || words[0] === 'all' || kindByAlias(words[0] as string)) return undefined
  const pods = await Promise.all(words.map((name) => kube.getPod(query.namespace as string, name)))
  if (pods.every((p) => p === undefined)) return undefined
  return {pods: sortPods(pods.filter((p): p is V1Pod => p !== undefined)), missing: words.filter((_, i) => pods[i] === undefined).map((name) => `pod/${name}`)}
}

const PHASE_ORDER: Record<string, number> = {Running: 0, Unknown: 1, Pending: 2}

/**
 * The pod `kubectl logs deploy/web` would pick (kubectl's ByLogging order): scheduled before
 * unscheduled, Running before Unknown before Pending, ready before not ready, ready for longer,
 * more container restarts, older.
 */
export function pickPod(pods: readonly V1Pod[]): V1Pod | undefined {
  const readySince = (p: V1Pod): number => {
    const at = p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime
    return at === undefined ? Number.POSITIVE_INFINITY : new Date(at).getTime()
  }
  const restarts = (p: V1Pod): number => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0))
  const created = (p: V1Pod): number => {
    const at = p.metadata?.creationTimestamp
    return at === undefined ? Number.POSITIVE_INFINITY : new Date(at).getTime()
  }
  const rank = (p: V1Pod): number[] => [p.spec?.nodeName ? 0 : 1, PHASE_ORDER[p.status?.phase ?? ''] ?? 3, isReady(p) ? 0 : 1, isReady(p) ? readySince(p) : 0, -restarts(p), created(p)]
  return [...pods].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)]
    const i = x.findIndex((v, j) => v !== y[j])
    return i < 0 ? 0 : (x[i] as number) - (y[i] as number)
  })[0]
}

function sortPods(pods: V1Pod[]): V1Pod[] {
  const key = (p: V1Pod) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`
  return [...pods].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}
