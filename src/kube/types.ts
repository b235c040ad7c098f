// The narrow Kubernetes client that everything above src/kube/ uses (check, viz stat, diagnose).
// Only src/kube/ talks to @kubernetes/client-node (client.ts for API calls, credentials.ts for
// auth-providers); tests hand commands' domain code an
// in-memory implementation (test/helpers/fake-kube.ts) or point the CLI at the simulated cluster.
//
// Contract for every implementation:
// - `list*` resolve to the items (never the List wrapper), `get*` resolve to `undefined` on 404.
// - Objects look exactly as client-node deserialises them: timestamps are `Date`s, Secret `data`
//   values stay base64 strings.
// - Failures are MeshErrors (src/errors.ts), mapped once in src/kube/errors.ts:
//     ClusterError (exit 3)  API unreachable, TLS trouble, 401, 403  (codes in KubeErrorCode)
//     TimeoutError (exit 4)  a call or port-forward ran past KubeOptions.requestTimeoutMs
//     KubeApiError (exit 1)  any other API status (its `status` field holds the HTTP code,
//                            e.g. 404 from listCustom when the CRD is not installed)
//     PortForwardError       the kubelet refused the forward (nothing listens on that port)
//   and never hold a credential (src/kube/redact.ts, applied at the boundary in guard.ts).
// - Every call has a timeout; nothing keeps the process alive after `close()`.
import type {
  V1APIService,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1CronJob,
  V1CustomResourceDefinition,
  V1DaemonSet,
  V1Deployment,
  V1Endpoints,
  V1Job,
  V1MutatingWebhookConfiguration,
  V1Namespace,
  V1Node,
  V1ObjectMeta,
  V1Pod,
  V1ReplicaSet,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V1ValidatingWebhookConfiguration,
  CoreV1Event,
  KubernetesObject,
} from '@kubernetes/client-node'

export type {
  CoreV1Event,
  KubernetesObject,
  V1APIService,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1CronJob,
  V1CustomResourceDefinition,
  V1DaemonSet,
  V1Deployment,
  V1Endpoints,
  V1Job,
  V1MutatingWebhookConfiguration,
  V1Namespace,
  V1Node,
  V1ObjectMeta,
  V1Pod,
  V1ReplicaSet,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V1ValidatingWebhookConfiguration,
}

/**
 * How a GET reaches a port of a pod (a proxy's admin endpoints): through the API server's
 * `pods/NAME:PORT/proxy` subresource, all pods multiplexed on one HTTP/2 connection (`proxy`), a
 * port-forward per pod (`port-forward`), or the first with a fallback per pod to the second where
 * RBAC forbids `pods/proxy` or the API server cannot reach the pod (`auto`, the default).
 */
export type ScrapeVia = 'auto' | 'proxy' | 'port-forward'

export const SCRAPE_VIA: readonly ScrapeVia[] = ['auto', 'proxy', 'port-forward']

/** What the kube layer needs to build a client, resolved from the command's flags. */
export interface KubeOptions {
  context: string | undefined
  kubeconfig: string | undefined
  requestTimeoutMs: number
  /** Default `auto`. */
  scrapeVia?: ScrapeVia | undefined
  /**
   * Told when an exec credential plugin starts (true) and ends (false): it may write to the
   * terminal or prompt there, so a spinner should stop drawing meanwhile.
   */
  onExecPlugin?: ((running: boolean) => void) | undefined
  /** Told before each retry of a request or port-forward dial (for --verbose). */
  onRetry?: ((notice: RetryNotice) => void) | undefined
}

/** One retry about to happen (src/kube/retry.ts), for --verbose. */
export interface RetryNotice {
  /** What is retried, e.g. `list pods in emojivoto` or `port-forward to pod/web-1 in shop`. */
  action: string
  /** The attempt that failed (1 = the first). */
  attempt: number
  waitMs: number
  reason: string
}

/** A namespaced object by name, e.g. the pod to port-forward to. */
export interface ObjectRef {
  name: string
  namespace: string
}

/** Options of namespaced lists. No namespace means all namespaces. */
export interface ListOptions {
  /** e.g. `status.phase=Running` or `involvedObject.name=web-1`. */
  fieldSelector?: string
  /** kubectl syntax: `app=web,tier!=db,env in (a,b),!legacy`. */
  labelSelector?: string
  namespace?: string
}

/** Options of cluster-scoped lists. */
export interface ClusterListOptions {
  fieldSelector?: string
  labelSelector?: string
}

/** `/version` of the API server. */
export interface ServerVersion {
  gitVersion: string
  major: string
  minor: string
  platform?: string
}

/** Attributes of a SelfSubjectAccessReview (authorization.k8s.io/v1 ResourceAttributes). */
export interface AccessAttributes {
  group?: string
  name?: string
  namespace?: string
  resource: string
  subresource?: string
  verb: string
  version?: string
}

export interface AccessReviewResult {
  allowed: boolean
  denied?: boolean
  reason?: string
}

export interface HttpResult {
  body: string
  /** Lower-case header names. */
  headers: Record<string, string>
  status: number
  /** The path a pod's answer came by (see ScrapeVia); absent for other requests. */
  via?: 'proxy' | 'port-forward'
}

/** A GET through a Service's proxy subresource. */
export interface ServiceProxyRequest {
  /** The Service port, by number or name. */
  port: number | string
  /** Path and query below `/proxy`, e.g. `/api/v1/query?query=up`. */
  path: string
  headers?: Record<string, string>
  timeoutMs?: number
}

/** Any object of a custom resource (e.g. an argoproj.io Rollout); shape is the caller's business. */
export type CustomObject = KubernetesObject & {[key: string]: unknown}

export interface KubeClient {
  /** The kubeconfig context in use (for messages such as "connected to meshport-sim"). */
  readonly contextName: string
  /**
   * The namespace of commands run without -n, as kubectl picks it: the context's namespace, else
   * (in a pod) $POD_NAMESPACE or the service account's namespace file, else `default`.
   */
  readonly namespace: string
  /** The API server URL of that context. */
  readonly server: string

  getVersion(): Promise<ServerVersion>

  listNamespaces(options?: ClusterListOptions): Promise<V1Namespace[]>
  getNamespace(name: string): Promise<V1Namespace | undefined>
  listNodes(options?: ClusterListOptions): Promise<V1Node[]>

  /** Pods as the API server sent them: timestamps may be RFC 3339 strings where the type says Date. */
  listPods(options?: ListOptions): Promise<V1Pod[]>
  getPod(namespace: string, name: string): Promise<V1Pod | undefined>
  listServices(options?: ListOptions): Promise<V1Service[]>
  getService(namespace: string, name: string): Promise<V1Service | undefined>
  listEndpoints(options?: ListOptions): Promise<V1Endpoints[]>
  listConfigMaps(options?: ListOptions): Promise<V1ConfigMap[]>
  getConfigMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>
  listSecrets(options?: ListOptions): Promise<V1Secret[]>
  getSecret(namespace: string, name: string): Promise<V1Secret | undefined>
  listServiceAccounts(options?: ListOptions): Promise<V1ServiceAccount[]>
  getServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount | undefined>
  listEvents(options?: ListOptions): Promise<CoreV1Event[]>

  listDeployments(options?: ListOptions): Promise<V1Deployment[]>
  getDeployment(namespace: string, name: string): Promise<V1Deployment | undefined>
  listReplicaSets(options?: ListOptions): Promise<V1ReplicaSet[]>
  getReplicaSet(namespace: string, name: string): Promise<V1ReplicaSet | undefined>
  listStatefulSets(options?: ListOptions): Promise<V1StatefulSet[]>
  getStatefulSet(namespace: string, name: string): Promise<V1StatefulSet | undefined>
  listDaemonSets(options?: ListOptions): Promise<V1DaemonSet[]>
  getDaemonSet(namespace: string, name: string): Promise<V1DaemonSet | undefined>
  listJobs(options?: ListOptions): Promise<V1Job[]>
  getJob(namespace: string, name: string): Promise<V1Job | undefined>
  listCronJobs(options?: ListOptions): Promise<V1CronJob[]>
  getCronJob(namespace: string, name: string): Promise<V1CronJob | undefined>

  listCustomResourceDefinitions(options?: ClusterListOptions): Promise<V1CustomResourceDefinition[]>
  getCustomResourceDefinition(name: string): Promise<V1CustomResourceDefinition | undefined>
  listMutatingWebhookConfigurations(options?: ClusterListOptions): Promise<V1MutatingWebhookConfiguration[]>
  getMutatingWebhookConfiguration(name: string): Promise<V1MutatingWebhookConfiguration | undefined>
  listValidatingWebhookConfigurations(options?: ClusterListOptions): Promise<V1ValidatingWebhookConfiguration[]>
  getValidatingWebhookConfiguration(name: string): Promise<V1ValidatingWebhookConfiguration | undefined>
  listAPIServices(options?: ClusterListOptions): Promise<V1APIService[]>
  getAPIService(name: string): Promise<V1APIService | undefined>
  listClusterRoles(options?: ClusterListOptions): Promise<V1ClusterRole[]>
  listClusterRoleBindings(options?: ClusterListOptions): Promise<V1ClusterRoleBinding[]>

  /**
   * Objects of any API resource, e.g. `listCustom('argoproj.io', 'v1alpha1', 'rollouts', 'shop')`.
   * No namespace: all namespaces (or a cluster-scoped resource). A resource the server does not
   * know rejects with KubeApiError status 404.
   */
  listCustom(group: string, version: string, plural: string, namespace?: string, options?: ClusterListOptions): Promise<CustomObject[]>
  getCustom(group: string, version: string, plural: string, name: string, namespace?: string): Promise<CustomObject | undefined>

  /** `kubectl auth can-i` for the current user. */
  selfSubjectAccessReview(attributes: AccessAttributes): Promise<AccessReviewResult>

  /**
   * Opens a port-forward to `port` of the pod, runs `fn` with a local port on 127.0.0.1 that
   * tunnels to it, then closes the local server and every socket and tunnel, also when `fn` throws.
   */
  withPortForward<T>(pod: ObjectRef, port: number, fn: (localPort: number) => Promise<T>): Promise<T>
  /**
   * One HTTP GET to a port of a pod, e.g. a proxy's `/metrics` on its admin port, by the path
   * KubeOptions.scrapeVia chooses (`result.via` says which was taken). Any HTTP status of the pod
   * resolves (a 503 from `/ready` is an answer); refusals, API-server failures and timeouts
   * reject. `timeoutMs` defaults to the client's request timeout.
   */
  proxyGet(pod: ObjectRef, port: number, path: string, timeoutMs?: number): Promise<HttpResult>
  /**
   * Several GETs to one port of a pod: through ONE port-forward (one keep-alive connection) in
   * order, or as concurrent streams of the API session. Failures to reach the pod at all reject;
   * after that each path resolves to its answer or its own Error. `timeoutMs` bounds each request.
   */
  proxyGetMany(pod: ObjectRef, port: number, paths: readonly string[], timeoutMs?: number): Promise<Array<HttpResult | Error>>
  /**
   * A GET through the API server's `services/NAME:PORT/proxy/PATH` subresource (e.g. Linkerd viz's
   * Prometheus), on the API session. Any status the service answers resolves; the API server's
   * own refusals (no such Service, no ready endpoint, RBAC on `services/proxy`) reject.
   */
  serviceProxyGet(service: ObjectRef, request: ServiceProxyRequest): Promise<HttpResult>

  /** Frees connections and agents. Safe to call twice. */
  close(): Promise<void>
}

/** `code` values of the MeshErrors the kube layer throws, for callers that branch on them. */
export const KubeErrorCode = {
  apiError: 'KUBE_API',
  badKubeconfig: 'KUBECONFIG_INVALID',
  execPlugin: 'KUBE_EXEC_PLUGIN',
  forbidden: 'KUBE_FORBIDDEN',
  noKubeconfig: 'KUBECONFIG_MISSING',
  podProxy: 'POD_PROXY',
  portForward: 'PORT_FORWARD',
  proxy: 'KUBE_PROXY',
  timeout: 'KUBE_TIMEOUT',
  tls: 'KUBE_TLS',
  unauthorized: 'KUBE_UNAUTHORIZED',
  unknownContext: 'KUBE_CONTEXT_UNKNOWN',
  unreachable: 'KUBE_UNREACHABLE',
} as const

/** One sample of an instant query's answer. */
export interface PromSample {
  labels: Record<string, string>
  value: number
  /** The evaluation time, seconds since the epoch (ms precision). */
  time: number
}

/** Where a Prometheus (viz's, Thanos, Mimir, …) is asked. */
export type PrometheusEndpoint =
  | {
      kind: 'url'
      /** May carry `user:password@` (basic auth); never shown. */
      url: string
      /** Sent with every request (bearer tokens, `X-Scope-OrgID`); values are never shown. */
      headers: Record<string, string>
      /** PEM file of the CA that signed its certificate; default: the system's trust store. */
      caFile?: string | undefined
      insecureSkipTlsVerify?: boolean
    }
  | {
      /** Through the API server's `services/NAME:PORT/proxy` (Linkerd viz's Prometheus). */
      kind: 'service'
      namespace: string
      name: string
      port: number
      headers: Record<string, string>
    }

/** The Prometheus HTTP API, as far as the viz commands use it. */
export interface PrometheusClient {
  /** Where it asks, fit for messages and JSON: the URL without credentials or query, or `service NS/NAME:PORT`. */
  readonly label: string
  /**
   * An instant query (`/api/v1/query`) at `time` (seconds; default: the server's now). A scalar
   * answers one sample without labels. Failures are MeshErrors with PrometheusErrorCode codes.
   */
  query(promql: string, time?: number): Promise<PromSample[]>
  close(): Promise<void>
}

/** `code` values of Prometheus failures (exit codes as for the cluster: docs/exit-codes.md). */
export const PrometheusErrorCode = {
  /** Connection refused, DNS, proxy: exit 3. */
  unreachable: 'PROM_UNREACHABLE',
  tls: 'PROM_TLS',
  unauthorized: 'PROM_UNAUTHORIZED',
  forbidden: 'PROM_FORBIDDEN',
  /** Linkerd viz's Prometheus is not where --prometheus auto looks, or has no ready endpoint: exit 3. */
  notFound: 'PROM_NOT_FOUND',
  /** No answer within --request-timeout, or Prometheus' own query timeout: exit 4. */
  timeout: 'PROM_TIMEOUT',
  /** Any other 4xx/5xx, with Prometheus' errorType and error: exit 1. */
  query: 'PROM_QUERY',
  /** An answer that is not the Prometheus API's JSON: exit 1. */
  badAnswer: 'PROM_BAD_ANSWER',
  /** Prometheus holds no series of the pods asked about: exit 1. */
  noSeries: 'PROM_NO_SERIES',
  /** Its series lack a label viz's relabelling adds: exit 1. */
  missingLabel: 'PROM_MISSING_LABEL',
} as const
