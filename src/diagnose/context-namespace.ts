// The namespace a namespaced command uses without -n: the kubeconfig context's namespace when the
// kube layer exposes it (as kubectl does), else `default` — the same rule as viz stat.
import type {KubeClient} from '../kube/types.js'

export function contextNamespace(kube: KubeClient): string {
  const withNamespace = kube as KubeClient & {namespace?: string}
  return withNamespace.namespace ?? 'default'
}
