// The KubeClient on top of @kubernetes/client-node 1.x. Every request is retried the way
// client-go retries (retry.ts) inside one AbortSignal deadline (KubeOptions.requestTimeoutMs),
// every failure becomes a MeshError through toKubeError, and `get*` turn 404 into undefined.
// Credentials, TLS and the proxy come from the context's transport (transport.ts), not from
// client-node's KubeConfig. Only src/kube/ imports client-node.
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  ApiregistrationV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  HttpMethod,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
} from './client-node.js'
import type {RequestContext, ResponseContext, V1Pod} from '@kubernetes/client-node'

import {ClusterError} from '../errors.js'
import {ApiSession} from './api-session.js'
import {isNotFound, toKubeError} from './errors.js'
import {PodPorts} from './pod-ports.js'
import {PortForwarder} from './port-forward.js'
import {attemptSignal, recordAnswer, Retrier} from './retry.js'
import type {ClusterTransport} from './transport.js'
import {
  KubeErrorCode,
  type AccessAttributes,
  type AccessReviewResult,
  type ClusterListOptions,
  type CustomObject,
  type HttpResult,
  type KubeClient,
  type ListOptions,
  type ObjectRef,
  type RetryNotice,
  type ScrapeVia,
  type ServerVersion,
  type ServiceProxyRequest,
} from './types.js'

type ApiClass<T> = new (config: ReturnType<typeof createConfiguration>) => T

interface Selectors {
  fieldSelector?: string
  labelSelector?: string
}

/** Aborts a request at its deadline (retries included) with an unref'd timer, which can never delay the CLI's exit. */
function withTimeout(context: RequestContext, timeoutMs: number): RequestContext {
  // node-fetch rejects with AbortError, which toKubeError maps to a TimeoutError.
  context.setSignal(attemptSignal(timeoutMs))
  return context
}

function selectors(options: ClusterListOptions | undefined): Selectors {
  const out: Selectors = {}
  if (options?.labelSelector) out.labelSelector = options.labelSelector
  if (options?.fieldSelector) out.fieldSelector = options.fieldSelector
  return out
}

export class ClientNodeKube implements KubeClient {
  private readonly core: CoreV1Api
  private readonly apps: AppsV1Api
  private readonly batch: BatchV1Api
  private readonly ext: ApiextensionsV1Api
  private readonly admission: AdmissionregistrationV1Api
  private readonly registration: ApiregistrationV1Api
  private readonly rbac: RbacAuthorizationV1Api
  private readonly authz: AuthorizationV1Api
  private readonly custom: CustomObjectsApi
  private readonly versionApi: VersionApi
  private readonly forwarder: PortForwarder
  private readonly session: ApiSession
  /** GETs to pods' ports, by pods/proxy or port-forward (KubeOptions.scrapeVia). */
  readonly podPorts: PodPorts
  private readonly config: ReturnType<typeof createConfiguration>
  private readonly retrier: Retrier

  readonly server: string

  constructor(
    private readonly transport: ClusterTransport,
    readonly contextName: string,
    readonly namespace: string,
    private readonly timeoutMs: number,
    options: {onRetry?: ((notice: RetryNotice) => void) | undefined; scrapeVia?: ScrapeVia | undefined} = {},
  ) {
    this.server = transport.server
    this.retrier = new Retrier(transport.server, timeoutMs, {onRetry: options.onRetry})
    const config = (this.config = createConfiguration({
      authMethods: {default: transport},
      baseServer: new ServerConfiguration(transport.server, {}),
      promiseMiddleware: [
        {
          post: (response: ResponseContext) => recordAnswer(response),
          pre: async (context: RequestContext) => withTimeout(context, timeoutMs),
        },
      ],
    }))
    const make = <T>(api: ApiClass<T>): T => new api(config)
    this.core = make(CoreV1Api)
    this.apps = make(AppsV1Api)
    this.batch = make(BatchV1Api)
    this.ext = make(ApiextensionsV1Api)
    this.admission = make(AdmissionregistrationV1Api)
    this.registration = make(ApiregistrationV1Api)
    this.rbac = make(RbacAuthorizationV1Api)
    this.authz = make(AuthorizationV1Api)
    this.custom = make(CustomObjectsApi)
    this.versionApi = make(VersionApi)
    this.forwarder = new PortForwarder(transport, timeoutMs, options.onRetry)
    this.session = new ApiSession(transport)
    this.podPorts = new PodPorts(transport, this.session, this.forwarder, options.scrapeVia ?? 'auto', this.retrier)
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    const context = {action, anonymous: false, server: this.server, timeoutMs: this.timeoutMs}
    let generation = -1
    try {
      const material = await this.transport.current()
      generation = material.generation
      context.anonymous = material.anonymous
      return await this.retrier.run(action, fn)
    } catch (err) {
      const mapped = toKubeError(err, context)
      // Expired exec-plugin or token-file credentials: fetch them again and retry once.
      const unauthorized = mapped instanceof ClusterError && mapped.code === KubeErrorCode.unauthorized
      if (!unauthorized || generation < 0 || !(await this.transport.renew(generation))) throw mapped
    }
    try {
      return await this.retrier.run(action, fn)
    } catch (err) {
      throw toKubeError(err, context)
    }
  }

  private async items<T>(action: string, fn: () => Promise<{items: T[]}>): Promise<T[]> {
    return (await this.call(action, fn)).items
  }

  private async optional<T>(action: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(action, fn)
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  /**
   * A list as the API server's JSON, through client-node's server, auth and HTTP layers but
   * without its model deserialisation: for the lists that grow with the cluster (pods), where
   * walking every field of every object cost ~0.1 s of a cold run at 200 pods. Timestamps stay
   * RFC 3339 strings rather than Date objects; readers accept both.
   */
  private async listJson<T>(action: string, path: string, s: Selectors): Promise<T[]> {
    return this.call(action, async () => {
      const context = this.config.baseServer.makeRequestContext(path, HttpMethod.GET)
      context.setHeaderParam('Accept', 'application/json')
      if (s.labelSelector) context.setQueryParam('labelSelector', s.labelSelector)
      if (s.fieldSelector) context.setQueryParam('fieldSelector', s.fieldSelector)
      await this.transport.applySecurityAuthentication(context)
      const response = await recordAnswer(await this.config.httpApi.send(withTimeout(context, this.timeoutMs)).toPromise())
      const text = await response.body.text()
      // The shape toKubeError and the retrier read from client-node's ApiException: status, body, headers.
      if (response.httpStatusCode < 200 || response.httpStatusCode > 299) throw Object.assign(new Error(`HTTP ${response.httpStatusCode}`), {body: text, code: response.httpStatusCode, headers: response.headers})
      return (JSON.parse(text) as {items?: T[] | null}).items ?? []
    })
  }

  /** list in one namespace, or across all of them. */
  private async namespaced<T>(what: string, options: ListOptions | undefined, inNamespace: (ns: string, s: Selectors) => Promise<{items: T[]}>, everywhere: (s: Selectors) => Promise<{items: T[]}>): Promise<T[]> {
    const s = selectors(options)
    const ns = options?.namespace
    return ns === undefined ? this.items(`list ${what} in all namespaces`, () => everywhere(s)) : this.items(`list ${what} in ${ns}`, () => inNamespace(ns, s))
  }

  async getVersion(): Promise<ServerVersion> {
    const info = await this.call('read the server version', () => this.versionApi.getCode())
    return {gitVersion: info.gitVersion, major: info.major, minor: info.minor, platform: info.platform}
  }

  listNamespaces(options?: ClusterListOptions) {
    return this.items('list namespaces', () => this.core.listNamespace(selectors(options)))
  }
  getNamespace(name: string) {
    return this.optional(`read namespace ${name}`, () => this.core.readNamespace({name}))
  }
  listNodes(options?: ClusterListOptions) {
    return this.items('list nodes', () => this.core.listNode(selectors(options)))
  }

  listPods(options?: ListOptions) {
    const ns = options?.namespace
    const path = ns === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`
    return this.listJson<V1Pod>(ns === undefined ? 'list pods in all namespaces' : `list pods in ${ns}`, path, selectors(options))
  }
  getPod(namespace: string, name: string) {
    return this.optional(`read pod/${name} in ${namespace}`, () => this.core.readNamespacedPod({name, namespace}))
  }
  listServices(options?: ListOptions) {
    return this.namespaced('services', options, (namespace, s) => this.core.listNamespacedService({namespace, ...s}), (s) => this.core.listServiceForAllNamespaces(s))
  }
  getService(namespace: string, name: string) {
    return this.optional(`read service/${name} in ${namespace}`, () => this.core.readNamespacedService({name, namespace}))
  }
  listEndpoints(options?: ListOptions) {
    return this.namespaced('endpoints', options, (namespace, s) => this.core.listNamespacedEndpoints({namespace, ...s}), (s) => this.core.listEndpointsForAllNamespaces(s))
  }
  listConfigMaps(options?: ListOptions) {
    return this.namespaced('configmaps', options, (namespace, s) => this.core.listNamespacedConfigMap({namespace, ...s}), (s) => this.core.listConfigMapForAllNamespaces(s))
  }
  getConfigMap(namespace: string, name: string) {
    return this.optional(`read configmap/${name} in ${namespace}`, () => this.core.readNamespacedConfigMap({name, namespace}))
  }
  listSecrets(options?: ListOptions) {
    return this.namespaced('secrets', options, (namespace, s) => this.core.listNamespacedSecret({namespace, ...s}), (s) => this.core.listSecretForAllNamespaces(s))
  }
  getSecret(namespace: string, name: string) {
    return this.optional(`read secret/${name} in ${namespace}`, () => this.core.readNamespacedSecret({name, namespace}))
  }
  listServiceAccounts(options?: ListOptions) {
    return this.namespaced('serviceaccounts', options, (namespace, s) => this.core.listNamespacedServiceAccount({namespace, ...s}), (s) => this.core.listServiceAccountForAllNamespaces(s))
  }
  getServiceAccount(namespace: string, name: string) {
    return this.optional(`read serviceaccount/${name} in ${namespace}`, () => this.core.readNamespacedServiceAccount({name, namespace}))
  }
  listEvents(options?: ListOptions) {
    return this.namespaced('events', options, (namespace, s) => this.core.listNamespacedEvent({namespace, ...s}), (s) => this.core.listEventForAllNamespaces(s))
  }

  listDeployments(options?: ListOptions) {
    return this.namespaced('deployments', options, (namespace, s) => this.apps.listNamespacedDeployment({namespace, ...s}), (s) => this.apps.listDeploymentForAllNamespaces(s))
  }
  getDeployment(namespace: string, name: string) {
    return this.optional(`read deployment/${name} in ${namespace}`, () => this.apps.readNamespacedDeployment({name, namespace}))
  }
  listReplicaSets(options?: ListOptions) {
    return this.namespaced('replicasets', options, (namespace, s) => this.apps.listNamespacedReplicaSet({namespace, ...s}), (s) => this.apps.listReplicaSetForAllNamespaces(s))
  }
  getReplicaSet(namespace: string, name: string) {
    return this.optional(`read replicaset/${name} in ${namespace}`, () => this.apps.readNamespacedReplicaSet({name, namespace}))
  }
  listStatefulSets(options?: ListOptions) {
    return this.namespaced('statefulsets', options, (namespace, s) => this.apps.listNamespacedStatefulSet({namespace, ...s}), (s) => this.apps.listStatefulSetForAllNamespaces(s))
  }
  getStatefulSet(namespace: string, name: string) {
    return this.optional(`read statefulset/${name} in ${namespace}`, () => this.apps.readNamespacedStatefulSet({name, namespace}))
  }
  listDaemonSets(options?: ListOptions) {
    return this.namespaced('daemonsets', options, (namespace, s) => this.apps.listNamespacedDaemonSet({namespace, ...s}), (s) => this.apps.listDaemonSetForAllNamespaces(s))
  }
  getDaemonSet(namespace: string, name: string) {
    return this.optional(`read daemonset/${name} in ${namespace}`, () => this.apps.readNamespacedDaemonSet({name, namespace}))
  }
  listJobs(options?: ListOptions) {
    return this.namespaced('jobs', options, (namespace, s) => this.batch.listNamespacedJob({namespace, ...s}), (s) => this.batch.listJobForAllNamespaces(s))
  }
  getJob(namespace: string, name: string) {
    return this.optional(`read job/${name} in ${namespace}`, () => this.batch.readNamespacedJob({name, namespace}))
  }
  listCronJobs(options?: ListOptions) {
    return this.namespaced('cronjobs', options, (namespace, s) => this.batch.listNamespacedCronJob({namespace, ...s}), (s) => this.batch.listCronJobForAllNamespaces(s))
  }
  getCronJob(namespace: string, name: string) {
    return this.optional(`read cronjob/${name} in ${namespace}`, () => this.batch.readNamespacedCronJob({name, namespace}))
  }

  listCustomResourceDefinitions(options?: ClusterListOptions) {
    return this.items('list customresourcedefinitions', () => this.ext.listCustomResourceDefinition(selectors(options)))
  }
  getCustomResourceDefinition(name: string) {
    return this.optional(`read customresourcedefinition/${name}`, () => this.ext.readCustomResourceDefinition({name}))
  }
  listMutatingWebhookConfigurations(options?: ClusterListOptions) {
    return this.items('list mutatingwebhookconfigurations', () => this.admission.listMutatingWebhookConfiguration(selectors(options)))
  }
  getMutatingWebhookConfiguration(name: string) {
    return this.optional(`read mutatingwebhookconfiguration/${name}`, () => this.admission.readMutatingWebhookConfiguration({name}))
  }
  listValidatingWebhookConfigurations(options?: ClusterListOptions) {
    return this.items('list validatingwebhookconfigurations', () => this.admission.listValidatingWebhookConfiguration(selectors(options)))
  }
  getValidatingWebhookConfiguration(name: string) {
    return this.optional(`read validatingwebhookconfiguration/${name}`, () => this.admission.readValidatingWebhookConfiguration({name}))
  }
  listAPIServices(options?: ClusterListOptions) {
    return this.items('list apiservices', () => this.registration.listAPIService(selectors(options)))
  }
  getAPIService(name: string) {
    return this.optional(`read apiservice/${name}`, () => this.registration.readAPIService({name}))
  }
  listClusterRoles(options?: ClusterListOptions) {
    return this.items('list clusterroles', () => this.rbac.listClusterRole(selectors(options)))
  }
  listClusterRoleBindings(options?: ClusterListOptions) {
    return this.items('list clusterrolebindings', () => this.rbac.listClusterRoleBinding(selectors(options)))
  }

  async listCustom(group: string, version: string, plural: string, namespace?: string, options?: ClusterListOptions): Promise<CustomObject[]> {
    const s = selectors(options)
    const list = (await this.call(`list ${plural}.${group}${namespace ? ` in ${namespace}` : ''}`, () =>
      namespace === undefined
        ? this.custom.listClusterCustomObject({group, plural, version, ...s})
        : this.custom.listNamespacedCustomObject({group, namespace, plural, version, ...s}),
    )) as {items?: CustomObject[]}
    return list.items ?? []
  }

  async getCustom(group: string, version: string, plural: string, name: string, namespace?: string): Promise<CustomObject | undefined> {
    return (await this.optional(`read ${plural}.${group}/${name}${namespace ? ` in ${namespace}` : ''}`, () =>
      namespace === undefined ? this.custom.getClusterCustomObject({group, name, plural, version}) : this.custom.getNamespacedCustomObject({group, name, namespace, plural, version}),
    )) as CustomObject | undefined
  }

  async selfSubjectAccessReview(attributes: AccessAttributes): Promise<AccessReviewResult> {
    const review = await this.call(`review access to ${attributes.verb} ${attributes.resource}`, () =>
      this.authz.createSelfSubjectAccessReview({body: {apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {resourceAttributes: attributes}}}),
    )
    const result: AccessReviewResult = {allowed: review.status?.allowed === true}
    if (review.status?.denied !== undefined) result.denied = review.status.denied
    if (review.status?.reason) result.reason = review.status.reason
    return result
  }

  withPortForward<T>(pod: ObjectRef, port: number, fn: (localPort: number) => Promise<T>): Promise<T> {
    return this.forwarder.withPortForward(pod, port, fn)
  }

  proxyGet(pod: ObjectRef, port: number, path: string, timeoutMs?: number): Promise<HttpResult> {
    return this.podPorts.get(pod, port, path, timeoutMs ?? this.timeoutMs)
  }

  proxyGetMany(pod: ObjectRef, port: number, paths: readonly string[], timeoutMs?: number): Promise<Array<HttpResult | Error>> {
    return this.podPorts.getMany(pod, port, paths, timeoutMs ?? this.timeoutMs)
  }

  serviceProxyGet(service: ObjectRef, request: ServiceProxyRequest): Promise<HttpResult> {
    return this.podPorts.serviceGet(service, request, this.timeoutMs)
  }

  async close(): Promise<void> {
    this.session.close()
    this.transport.close()
  }
}
