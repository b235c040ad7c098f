// What the cluster holds, read once per kind and shared by every check of a run. Each accessor
// memoises its promise, so ten checks asking for pods cause one list call; a retry under --wait
// takes a fresh snapshot. Pods are listed across all namespaces once when the run spans them
// (`check --proxy` without -n), and the control plane's pods are then filtered from that list, so
// the number of list calls does not depend on the number of pods or namespaces.
import type {
  ServerVersion,
  KubeClient,
  V1APIService,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1CustomResourceDefinition,
  V1DaemonSet,
  V1Deployment,
  V1Endpoints,
  V1MutatingWebhookConfiguration,
  V1Namespace,
  V1Node,
  V1Pod,
  V1ReplicaSet,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1ValidatingWebhookConfiguration,
} from '../kube/types.js'

export interface SnapshotScope {
  /** List pods of all namespaces once instead of one namespace at a time. */
  allPods: boolean
}

export class Snapshot {
  private readonly memo = new Map<string, Promise<unknown>>()

  constructor(
    readonly kube: KubeClient,
    readonly scope: SnapshotScope = {allPods: false},
  ) {}

  /** A new, empty snapshot over the same client (for retries). */
  fresh(): Snapshot {
    return new Snapshot(this.kube, this.scope)
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.memo.get(key) as Promise<T> | undefined
    if (!value) {
      value = load()
      // A rejected load is remembered like a value: every check that needs it reports the same cause.
      value.catch(() => {})
      this.memo.set(key, value)
    }
    return value
  }

  version(): Promise<ServerVersion> {
    return this.once('version', () => this.kube.getVersion())
  }

  namespaces(): Promise<V1Namespace[]> {
    return this.once('namespaces', () => this.kube.listNamespaces())
  }

  async namespace(name: string): Promise<V1Namespace | undefined> {
    if (this.memo.has('namespaces')) return (await this.namespaces()).find((ns) => ns.metadata?.name === name)
    return this.once(`namespace/${name}`, () => this.kube.getNamespace(name))
  }

  nodes(): Promise<V1Node[]> {
    return this.once('nodes', () => this.kube.listNodes())
  }

  allPods(): Promise<V1Pod[]> {
    return this.once('pods', () => this.kube.listPods())
  }

  /** Pods of one namespace, from the all-namespaces list when the run uses it. */
  async pods(namespace: string): Promise<V1Pod[]> {
    if (this.scope.allPods) return (await this.allPods()).filter((pod) => pod.metadata?.namespace === namespace)
    return this.once(`pods/${namespace}`, () => this.kube.listPods({namespace}))
  }

  replicaSets(namespace: string): Promise<V1ReplicaSet[]> {
    return this.once(`replicasets/${namespace}`, () => this.kube.listReplicaSets({namespace}))
  }

  deployments(namespace?: string): Promise<V1Deployment[]> {
    return this.once(`deployments/${namespace ?? ''}`, () => this.kube.listDeployments(namespace === undefined ? {} : {namespace}))
  }

  daemonSets(namespace: string): Promise<V1DaemonSet[]> {
    return this.once(`daemonsets/${namespace}`, () => this.kube.listDaemonSets({namespace}))
  }

  services(namespace?: string): Promise<V1Service[]> {
    return this.once(`services/${namespace ?? ''}`, () => this.kube.listServices(namespace === undefined ? {} : {namespace}))
  }

  endpoints(namespace?: string): Promise<V1Endpoints[]> {
    return this.once(`endpoints/${namespace ?? ''}`, () => this.kube.listEndpoints(namespace === undefined ? {} : {namespace}))
  }

  configMaps(namespace: string): Promise<V1ConfigMap[]> {
    return this.once(`configmaps/${namespace}`, () => this.kube.listConfigMaps({namespace}))
  }

  async configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    if (this.memo.has(`configmaps/${namespace}`)) return (await this.configMaps(namespace)).find((cm) => cm.metadata?.name === name)
    return this.once(`configmap/${namespace}/${name}`, () => this.kube.getConfigMap(namespace, name))
  }

  secret(namespace: string, name: string): Promise<V1Secret | undefined> {
    return this.once(`secret/${namespace}/${name}`, () => this.kube.getSecret(namespace, name))
  }

  serviceAccounts(namespace: string): Promise<V1ServiceAccount[]> {
    return this.once(`serviceaccounts/${namespace}`, () => this.kube.listServiceAccounts({namespace}))
  }

  crds(): Promise<V1CustomResourceDefinition[]> {
    return this.once('crds', () => this.kube.listCustomResourceDefinitions())
  }

  clusterRoles(labelSelector: string): Promise<V1ClusterRole[]> {
    return this.once(`clusterroles/${labelSelector}`, () => this.kube.listClusterRoles({labelSelector}))
  }

  clusterRoleBindings(labelSelector: string): Promise<V1ClusterRoleBinding[]> {
    return this.once(`clusterrolebindings/${labelSelector}`, () => this.kube.listClusterRoleBindings({labelSelector}))
  }

  mutatingWebhooks(): Promise<V1MutatingWebhookConfiguration[]> {
    return this.once('mutatingwebhookconfigurations', () => this.kube.listMutatingWebhookConfigurations())
  }

  validatingWebhooks(): Promise<V1ValidatingWebhookConfiguration[]> {
    return this.once('validatingwebhookconfigurations', () => this.kube.listValidatingWebhookConfigurations())
  }

  apiServices(): Promise<V1APIService[]> {
    return this.once('apiservices', () => this.kube.listAPIServices())
  }

  /** Anything else a check wants to share, keyed by the caller. */
  shared<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.once(`shared/${key}`, load)
  }
}
