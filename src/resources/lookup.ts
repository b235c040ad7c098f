// Named resources in the cluster. Whether one exists, for the targets whose pods could not be
// found: a Deployment scaled to zero is there (a row with MESHED 0/0), a mistyped name is not
// (kubectl's NotFound, exit 1). And the names of a kind, for shell completion. Kinds this client
// cannot read by name (ReplicationControllers, custom owners) are known only through their pods.
import {isMeshError} from '../errors.js'
import type {KubeClient} from '../kube/types.js'
import type {Target} from './targets.js'

type Getter = (kube: KubeClient, namespace: string, name: string) => Promise<unknown>

const GETTERS: Readonly<Record<string, Getter>> = {
  cronjob: (kube, ns, name) => kube.getCronJob(ns, name),
  daemonset: (kube, ns, name) => kube.getDaemonSet(ns, name),
  deployment: (kube, ns, name) => kube.getDeployment(ns, name),
  job: (kube, ns, name) => kube.getJob(ns, name),
  namespace: (kube, _ns, name) => kube.getNamespace(name),
  pod: (kube, ns, name) => kube.getPod(ns, name),
  replicaset: (kube, ns, name) => kube.getReplicaSet(ns, name),
  rollout: (kube, ns, name) => kube.getCustom('argoproj.io', 'v1alpha1', 'rollouts', name, ns),
  service: (kube, ns, name) => kube.getService(ns, name),
  statefulset: (kube, ns, name) => kube.getStatefulSet(ns, name),
}

/**
 * True or false when the API server says so; false for kinds known only through their pods. A
 * resource type the server does not serve (no Rollout CRD: 404) does not exist either.
 */
export async function targetExists(kube: KubeClient, namespace: string, target: Target): Promise<boolean> {
  const get = target.custom || target.name === undefined ? undefined : GETTERS[target.kind]
  if (get === undefined) return false
  try {
    return (await get(kube, namespace, target.name as string)) !== undefined
  } catch (err) {
    if (isMeshError(err) && (err as {status?: number}).status === 404) return false
    throw err
  }
}

type Lister = (kube: KubeClient, namespace: string) => Promise<Array<{metadata?: {name?: string} | undefined}>>

const LISTERS: Readonly<Record<string, Lister>> = {
  cronjob: (kube, ns) => kube.listCronJobs({namespace: ns}),
  daemonset: (kube, ns) => kube.listDaemonSets({namespace: ns}),
  deployment: (kube, ns) => kube.listDeployments({namespace: ns}),
  job: (kube, ns) => kube.listJobs({namespace: ns}),
  namespace: (kube) => kube.listNamespaces(),
  pod: (kube, ns) => kube.listPods({namespace: ns}),
  replicaset: (kube, ns) => kube.listReplicaSets({namespace: ns}),
  rollout: (kube, ns) => kube.listCustom('argoproj.io', 'v1alpha1', 'rollouts', ns),
  service: (kube, ns) => kube.listServices({namespace: ns}),
  statefulset: (kube, ns) => kube.listStatefulSets({namespace: ns}),
}

/** Names of the objects of a canonical kind in a namespace, sorted; [] for kinds without a list here. */
export async function namesOf(kube: KubeClient, kind: string, namespace: string): Promise<string[]> {
  const list = LISTERS[kind]
  if (list === undefined) return []
  const names = (await list(kube, namespace)).map((o) => o.metadata?.name ?? '').filter((n) => n !== '')
  return names.sort()
}

/** `deployment/web`, as messages name a target. */
export function targetName(target: Target): string {
  return target.name === undefined ? target.kind : `${target.kind}/${target.name}`
}
