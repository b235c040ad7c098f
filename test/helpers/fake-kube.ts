// An in-memory KubeClient for unit tests of check / viz stat / diagnose domain code, built from
// plain Kubernetes objects (what `kubectl get -o json` prints). Objects are deserialised with
// client-node's own ObjectSerializer, so code under test sees `Date` timestamps exactly as in
// production. End-to-end tests use the simulated cluster (test/helpers/sim.ts) instead.
//
//   const kube = fakeKube({
//     objects: [{apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web-1', namespace: 'shop'}, ...}],
//     proxies: {'shop/web-1:4191': (path) => (path === '/ready' ? 'ready\n' : {status: 404, body: ''})},
//     failures: {listSecrets: new ClusterError('forbidden', {code: 'KUBE_FORBIDDEN'})},
//   })
import {createServer} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'

import {ObjectSerializer} from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js'

import {KubeApiError} from '../../src/errors.js'
import {PortForwardError} from '../../src/kube/errors.js'
import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from '../../src/kube/selectors.js'
import type {
  AccessAttributes,
  AccessReviewResult,
  ClusterListOptions,
  CustomObject,
  HttpResult,
  KubeClient,
  ListOptions,
  ObjectRef,
  ServerVersion,
  ServiceProxyRequest,
} from '../../src/kube/types.js'

/** A plain object as `kubectl get -o json` prints it. */
export interface PlainObject {
  apiVersion?: string
  kind: string
  metadata?: {name?: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown}
  [key: string]: unknown
}

/** What a port-forwarded HTTP GET answers: a body (status 200) or a full result. */
export type ProxyHandler = (path: string) => string | Partial<HttpResult> | Promise<string | Partial<HttpResult>>

export interface FakeKubeOptions {
  access?: (attributes: AccessAttributes) => boolean | AccessReviewResult
  contextName?: string
  /** The context's namespace (default: `default`). */
  namespace?: string
  /** Rejects the named method with this error (or the error returned by the function). */
  failures?: Partial<Record<keyof KubeClient, Error | ((...args: unknown[]) => Error | undefined)>>
  objects?: PlainObject[]
  /** Keyed `namespace/pod:port`; ports without a handler are refused like the kubelet does. */
  proxies?: Record<string, ProxyHandler>
  /** Keyed `namespace/service:port` (the port as the caller names it); others are a 404 of the API server. */
  services?: Record<string, ProxyHandler>
  version?: ServerVersion
}

// kind -> [client-node model type, namespaced]
const MODELS: Record<string, [string, boolean]> = {
  APIService: ['V1APIService', false],
  ClusterRole: ['V1ClusterRole', false],
  ClusterRoleBinding: ['V1ClusterRoleBinding', false],
  ConfigMap: ['V1ConfigMap', true],
  CronJob: ['V1CronJob', true],
  CustomResourceDefinition: ['V1CustomResourceDefinition', false],
  DaemonSet: ['V1DaemonSet', true],
  Deployment: ['V1Deployment', true],
  Endpoints: ['V1Endpoints', true],
  Event: ['CoreV1Event', true],
  Job: ['V1Job', true],
  MutatingWebhookConfiguration: ['V1MutatingWebhookConfiguration', false],
  Namespace: ['V1Namespace', false],
  Node: ['V1Node', false],
  Pod: ['V1Pod', true],
  ReplicaSet: ['V1ReplicaSet', true],
  Secret: ['V1Secret', true],
  Service: ['V1Service', true],
  ServiceAccount: ['V1ServiceAccount', true],
  StatefulSet: ['V1StatefulSet', true],
  ValidatingWebhookConfiguration: ['V1ValidatingWebhookConfiguration', false],
}

/** Lower-case plural the way most CRDs name themselves (Rollout -> rollouts, Policy -> policies). */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase()
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`
  return `${lower}s`
}

export interface FakeKube extends KubeClient {
  /** Adds or replaces an object (by kind, namespace and name). */
  add(object: PlainObject): void
  /** Method names in call order, e.g. `listPods`, `proxyGet shop/web-1:4191/metrics`. */
  readonly calls: string[]
  /** Number of local port-forward servers still open (0 after every withPortForward). */
  openForwards(): number
}

export function fakeKube(options: FakeKubeOptions = {}): FakeKube {
  const store: PlainObject[] = []
  const calls: string[] = []
  let forwards = 0

  const add = (object: PlainObject): void => {
    const key = (o: PlainObject): string => `${o.apiVersion ?? ''}|${o.kind}|${o.metadata?.namespace ?? ''}|${o.metadata?.name ?? ''}`
    const index = store.findIndex((o) => key(o) === key(object))
    if (index >= 0) store[index] = object
    else store.push(object)
  }
  for (const object of options.objects ?? []) add(object)

  const fail = (method: keyof KubeClient, ...args: unknown[]): void => {
    calls.push(method)
    const failure = options.failures?.[method]
    if (!failure) return
    const err = failure instanceof Error ? failure : failure(...args)
    if (err) throw err
  }
  const deserialize = <T>(o: PlainObject): T => {
    const model = MODELS[o.kind]
    return (model ? ObjectSerializer.deserialize(structuredClone(o), model[0], '') : structuredClone(o)) as T
  }
  const select = (kind: string, opts: ListOptions = {}): PlainObject[] => {
    const labels = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : []
    const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : []
    return store.filter(
      (o) =>
        o.kind === kind &&
        (opts.namespace === undefined || o.metadata?.namespace === opts.namespace) &&
        matchesLabels(labels, o.metadata?.labels) &&
        matchesFields(fields, o),
    )
  }
  const lister =
    <T>(method: keyof KubeClient, kind: string) =>
    async (opts?: ListOptions): Promise<T[]> => {
      fail(method, opts)
      return select(kind, opts).map((o) => deserialize<T>(o))
    }
  const getter =
    <T>(method: keyof KubeClient, kind: string) =>
    async (namespace: string, name: string): Promise<T | undefined> => {
      fail(method, namespace, name)
      const found = select(kind, {namespace}).find((o) => o.metadata?.name === name)
      return found ? deserialize<T>(found) : undefined
    }
  const clusterGetter =
    <T>(method: keyof KubeClient, kind: string) =>
    async (name: string): Promise<T | undefined> => {
      fail(method, name)
      const found = select(kind).find((o) => o.metadata?.name === name)
      return found ? deserialize<T>(found) : undefined
    }

  const answer = async (pod: ObjectRef, port: number, path: string): Promise<HttpResult> => {
    const handler = options.proxies?.[`${pod.namespace}/${pod.name}:${port}`]
    if (!handler) {
      throw new PortForwardError(pod, port, `error forwarding port ${port} to pod ${pod.name}: connect: connection refused`)
    }
    const result = await handler(path)
    if (typeof result === 'string') return {body: result, headers: {'content-type': 'text/plain'}, status: 200}
    return {body: result.body ?? '', headers: result.headers ?? {}, status: result.status ?? 200}
  }

  const customMatches = (o: PlainObject, group: string, version: string, plural: string): boolean => {
    const [g, v] = (o.apiVersion ?? '').includes('/') ? (o.apiVersion as string).split('/') : ['', o.apiVersion]
    return g === group && v === version && pluralOf(o.kind) === plural
  }

  const client: FakeKube = {
    add,
    calls,
    contextName: options.contextName ?? 'fake',
    namespace: options.namespace ?? 'default',
    server: 'https://fake.invalid',
    openForwards: () => forwards,

    async getVersion() {
      fail('getVersion')
      return options.version ?? {gitVersion: 'v1.32.4', major: '1', minor: '32', platform: 'linux/amd64'}
    },
    listNamespaces: lister('listNamespaces', 'Namespace'),
    getNamespace: clusterGetter('getNamespace', 'Namespace'),
    listNodes: lister('listNodes', 'Node'),
    listPods: lister('listPods', 'Pod'),
    getPod: getter('getPod', 'Pod'),
    listServices: lister('listServices', 'Service'),
    getService: getter('getService', 'Service'),
    listEndpoints: lister('listEndpoints', 'Endpoints'),
    listConfigMaps: lister('listConfigMaps', 'ConfigMap'),
    getConfigMap: getter('getConfigMap', 'ConfigMap'),
    listSecrets: lister('listSecrets', 'Secret'),
    getSecret: getter('getSecret', 'Secret'),
    listServiceAccounts: lister('listServiceAccounts', 'ServiceAccount'),
    getServiceAccount: getter('getServiceAccount', 'ServiceAccount'),
    listEvents: lister('listEvents', 'Event'),
    listDeployments: lister('listDeployments', 'Deployment'),
    getDeployment: getter('getDeployment', 'Deployment'),
    listReplicaSets: lister('listReplicaSets', 'ReplicaSet'),
    getReplicaSet: getter('getReplicaSet', 'ReplicaSet'),
    listStatefulSets: lister('listStatefulSets', 'StatefulSet'),
    getStatefulSet: getter('getStatefulSet', 'StatefulSet'),
    listDaemonSets: lister('listDaemonSets', 'DaemonSet'),
    getDaemonSet: getter('getDaemonSet', 'DaemonSet'),
    listJobs: lister('listJobs', 'Job'),
    getJob: getter('getJob', 'Job'),
    listCronJobs: lister('listCronJobs', 'CronJob'),
    getCronJob: getter('getCronJob', 'CronJob'),
    listCustomResourceDefinitions: lister('listCustomResourceDefinitions', 'CustomResourceDefinition'),
    getCustomResourceDefinition: clusterGetter('getCustomResourceDefinition', 'CustomResourceDefinition'),
    listMutatingWebhookConfigurations: lister('listMutatingWebhookConfigurations', 'MutatingWebhookConfiguration'),
    getMutatingWebhookConfiguration: clusterGetter('getMutatingWebhookConfiguration', 'MutatingWebhookConfiguration'),
    listValidatingWebhookConfigurations: lister('listValidatingWebhookConfigurations', 'ValidatingWebhookConfiguration'),
    getValidatingWebhookConfiguration: clusterGetter('getValidatingWebhookConfiguration', 'ValidatingWebhookConfiguration'),
    listAPIServices: lister('listAPIServices', 'APIService'),
    getAPIService: clusterGetter('getAPIService', 'APIService'),
    listClusterRoles: lister('listClusterRoles', 'ClusterRole'),
    listClusterRoleBindings: lister('listClusterRoleBindings', 'ClusterRoleBinding'),

    async listCustom(group: string, version: string, plural: string, namespace?: string, opts: ClusterListOptions = {}) {
      fail('listCustom', group, version, plural, namespace)
      const labels = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : []
      const known = store.some((o) => customMatches(o, group, version, plural)) || hasCrd(store, group, version, plural)
      if (!known) throw new KubeApiError(`the server could not find the requested resource (${plural}.${group})`, 404)
      return store
        .filter((o) => customMatches(o, group, version, plural))
        .filter((o) => namespace === undefined || o.metadata?.namespace === namespace)
        .filter((o) => matchesLabels(labels, o.metadata?.labels))
        .map((o) => structuredClone(o) as CustomObject)
    },
    async getCustom(group: string, version: string, plural: string, name: string, namespace?: string) {
      fail('getCustom', group, version, plural, name, namespace)
      const found = store.find(
        (o) => customMatches(o, group, version, plural) && o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace),
      )
      return found ? (structuredClone(found)) : undefined
    },

    async selfSubjectAccessReview(attributes: AccessAttributes) {
      fail('selfSubjectAccessReview', attributes)
      const verdict = options.access ? options.access(attributes) : true
      return typeof verdict === 'boolean' ? {allowed: verdict} : verdict
    },

    async proxyGet(pod: ObjectRef, port: number, path: string) {
      fail('proxyGet', pod, port, path)
      calls.push(`proxyGet ${pod.namespace}/${pod.name}:${port}${path}`)
      return answer(pod, port, path)
    },

    async proxyGetMany(pod: ObjectRef, port: number, paths: readonly string[]) {
      fail('proxyGetMany', pod, port, paths)
      calls.push(`proxyGetMany ${pod.namespace}/${pod.name}:${port}${paths.join(',')}`)
      if (!options.proxies?.[`${pod.namespace}/${pod.name}:${port}`]) await answer(pod, port, '/') // throws the refusal
      const answers: Array<HttpResult | Error> = []
      for (const path of paths) answers.push(await answer(pod, port, path).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))))
      return answers
    },

    async serviceProxyGet(service: ObjectRef, request: ServiceProxyRequest) {
      fail('serviceProxyGet', service, request)
      calls.push(`serviceProxyGet ${service.namespace}/${service.name}:${request.port}${request.path}`)
      const handler = options.services?.[`${service.namespace}/${service.name}:${request.port}`]
      if (!handler) throw new KubeApiError(`GET services/${service.name}:${request.port}/proxy in ${service.namespace}: services "${service.name}" not found`, 404)
      const result = await handler(request.path)
      return typeof result === 'string' ? {body: result, headers: {}, status: 200} : {body: '', headers: {}, status: 200, ...result}
    },

    async withPortForward<T>(pod: ObjectRef, port: number, fn: (localPort: number) => Promise<T>): Promise<T> {
      fail('withPortForward', pod, port)
      if (!options.proxies?.[`${pod.namespace}/${pod.name}:${port}`]) await answer(pod, port, '/') // throws the refusal
      const sockets = new Set<Socket>()
      const server = createServer((req, res) => {
        answer(pod, port, new URL(req.url ?? '/', 'http://localhost').pathname).then(
          (result) => {
            res.writeHead(result.status, result.headers)
            res.end(result.body)
          },
          (err: unknown) => {
            res.destroy(err instanceof Error ? err : undefined)
          },
        )
      })
      server.on('connection', (socket) => {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      forwards++
      try {
        return await fn((server.address() as AddressInfo).port)
      } finally {
        for (const socket of sockets) socket.destroy()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        forwards--
      }
    },

    async close() {},
  }
  return client
}

function hasCrd(store: PlainObject[], group: string, _version: string, plural: string): boolean {
  return store.some((o) => o.kind === 'CustomResourceDefinition' && o.metadata?.name === `${plural}.${group}`)
}
