// Whether a named resource exists, for the targets whose pods could not be found: a Deployment
// scaled to zero is there (a row with MESHED 0/0), a mistyped name is not (kubectl's NotFound,
// exit 1). Kinds this client cannot read by name (ReplicationControllers, custom owners) are
// known only through their pods.
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

/** `deployment/web`, as messages name a target. */
export function targetName(target: Target): string {
  return target.name === undefined ? target.kind : `${target.kind}/${target.name}`
}
