// Which workloads a pod belongs to, by walking controller ownerReferences upwards: Pod →
// ReplicaSet → Deployment (or an Argo Rollout, or any custom owner), Pod → Job → CronJob,
// Pod → StatefulSet/DaemonSet/custom kind. Only objects the caller listed can be walked through;
// the last owner named is kept even when its own object was not listed.

export interface OwnerReference {
  apiVersion?: string
  kind: string
  name: string
  controller?: boolean
}

export interface ObjectMetaLike {
  name?: string
  namespace?: string
  labels?: Record<string, string> | null | undefined
  ownerReferences?: OwnerReference[] | null | undefined
}

export interface ChainLink {
  /** Kubernetes Kind, e.g. `ReplicaSet`. */
  kind: string
  name: string
}

/** Listed intermediate owners (ReplicaSets, Jobs, …) by `namespace/Kind/name`. */
export type OwnerIndex = Map<string, ObjectMetaLike>

export function ownerKey(namespace: string, kind: string, name: string): string {
  return `${namespace}/${kind}/${name}`
}

export function buildOwnerIndex(objects: ReadonlyArray<{kind: string; metadata?: ObjectMetaLike | undefined}>): OwnerIndex {
  const index: OwnerIndex = new Map()
  for (const object of objects) {
    const meta = object.metadata
    if (meta?.name && meta.namespace) index.set(ownerKey(meta.namespace, object.kind, meta.name), meta)
  }
  return index
}

function controllerOf(meta: ObjectMetaLike | undefined): OwnerReference | undefined {
  const refs = meta?.ownerReferences ?? []
  return refs.find((r) => r.controller) ?? refs[0]
}

/** The pod's owners from nearest to top-most (empty for a bare pod). */
export function ownerChain(pod: ObjectMetaLike, index: OwnerIndex): ChainLink[] {
  const chain: ChainLink[] = []
  const namespace = pod.namespace ?? ''
  let ref = controllerOf(pod)
  const seen = new Set<string>()
  while (ref && chain.length < 10) {
    const key = ownerKey(namespace, ref.kind, ref.name)
    if (seen.has(key)) break
    seen.add(key)
    chain.push({kind: ref.kind, name: ref.name})
    ref = controllerOf(index.get(key))
  }
  return chain
}
