// Collects a PodSnapshot for `diagnose pod` (and the bundle): the pod, its namespace, its top
// owner's pod template, the injector webhook and pods, the control plane's version, and — for a
// running meshed pod — /ready, /live and /metrics through a port-forward to its admin port.
// Failures of secondary reads become "unknown" fields; only a missing pod is an error.
import {type MeshError, NotFoundError, TimeoutError} from '../errors.js'
import type {HttpResult, KubeClient, V1MutatingWebhookConfiguration, V1Pod} from '../kube/types.js'
import {adminPort} from '../mesh/admin-port.js'
import {ANNOTATION, LABEL} from '../mesh/names.js'
import {proxyContainer} from '../ports/index.js'
import {meshDefaultsFromValuesYaml} from './cluster-defaults.js'
import type {MeshDefaults} from '../ports/index.js'
import type {OwnerInfo, PodSnapshot, ProbeResult} from './pod-snapshot.js'

const soft = async <T>(p: Promise<T>): Promise<T | undefined> => {
  try {
    return await p
  } catch {
    return undefined
  }
}

export function isInjectorWebhook(config: V1MutatingWebhookConfiguration): boolean {
  return (config.metadata?.name ?? '').includes('linkerd-proxy-injector') || (config.webhooks ?? []).some((w) => w.name.startsWith('linkerd-proxy-injector'))
}

/** Walks ownerReferences up to the top-most workload and reads its pod template annotations. */
export async function topOwner(kube: KubeClient, pod: V1Pod): Promise<OwnerInfo | undefined> {
  const ns = pod.metadata?.namespace ?? ''
  let ref: {kind: string; name: string} | undefined = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0]
  if (!ref) return undefined
  let owner: OwnerInfo = {kind: ref.kind, name: ref.name}
  for (let depth = 0; depth < 4 && ref; depth++) {
    const kind: string = ref.kind
    const name: string = ref.name
    type Obj = {metadata?: {ownerReferences?: Array<{kind: string; name: string; controller?: boolean}>}; spec?: {template?: {metadata?: {annotations?: Record<string, string>}}; jobTemplate?: {spec?: {template?: {metadata?: {annotations?: Record<string, string>}}}}}}
    let obj: Obj | undefined
    if (kind === 'ReplicaSet') obj = await soft(kube.getReplicaSet(ns, name))
    else if (kind === 'Deployment') obj = await soft(kube.getDeployment(ns, name))
    else if (kind === 'StatefulSet') obj = await soft(kube.getStatefulSet(ns, name))
    else if (kind === 'DaemonSet') obj = await soft(kube.getDaemonSet(ns, name))
    else if (kind === 'Job') obj = await soft(kube.getJob(ns, name))
    else if (kind === 'CronJob') obj = await soft(kube.getCronJob(ns, name))
    if (!obj) return owner
    const annotations = obj.spec?.template?.metadata?.annotations ?? obj.spec?.jobTemplate?.spec?.template?.metadata?.annotations
    owner = {kind, name, ...(annotations ? {templateAnnotations: annotations} : {templateAnnotations: {}})}
    ref = obj.metadata?.ownerReferences?.find((o) => o.controller) ?? obj.metadata?.ownerReferences?.[0]
  }
  return owner
}

async function probe(kube: KubeClient, pod: V1Pod, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const res = await kube.proxyGet({name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? ''}, port, path, timeoutMs)
    return {status: res.status, body: res.body}
  } catch (err) {
    return failedProbe(err)
  }
}

function failedProbe(err: unknown, message = (err as MeshError).message): ProbeResult {
  return err instanceof TimeoutError ? {error: message, timedOut: true} : {error: message}
}

export interface ControlPlaneInfo {
  version?: string
  defaults?: Partial<MeshDefaults>
  webhook: V1MutatingWebhookConfiguration | undefined
  webhookReadable: boolean
  injectorPods: V1Pod[]
}

/** What every pod's diagnosis shares about the control plane, read once. */
export async function collectControlPlane(kube: KubeClient, linkerdNamespace: string): Promise<ControlPlaneInfo> {
  const [config, webhooks, injectorPods, cpPods] = await Promise.all([
    soft(kube.getConfigMap(linkerdNamespace, 'linkerd-config')),
    soft(kube.listMutatingWebhookConfigurations()),
    soft(kube.listPods({namespace: linkerdNamespace, labelSelector: `${LABEL.controlPlaneComponent}=proxy-injector`})),
    soft(kube.listPods({namespace: linkerdNamespace, labelSelector: LABEL.controlPlaneComponent})),
  ])
  const values = config?.data?.values
  let version: string | undefined
  const versionMatch = values ? /^linkerdVersion:\s*["']?([^"'\s]+)/m.exec(values) : null
  if (versionMatch?.[1]) version = versionMatch[1]
  version ??= cpPods?.map((p) => p.metadata?.annotations?.[ANNOTATION.injectedProxyVersion]).find((v) => v)
  const defaults = values ? meshDefaultsFromValuesYaml(values) : undefined
  return {
    ...(version ? {version} : {}),
    ...(defaults ? {defaults} : {}),
    webhook: webhooks?.find(isInjectorWebhook),
    webhookReadable: webhooks !== undefined,
    injectorPods: injectorPods ?? [],
  }
}

/** Reads shared by many pods of one run (their namespace, their owners), each done once. */
export class ReadCache {
  private readonly entries = new Map<string, Promise<unknown>>()

  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key) as Promise<T> | undefined
    if (!entry) {
      entry = read()
      this.entries.set(key, entry)
    }
    return entry
  }
}

/** A KubeClient whose namespace and workload reads go through the cache (lists and port-forwards do not). */
function cachedReads(kube: KubeClient, cache: ReadCache): KubeClient {
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      cache.once(`${name}:${args.join('/')}`, () => fn(...args))
  const overrides: Partial<KubeClient> = {
    getNamespace: wrap('ns', kube.getNamespace.bind(kube)),
    getReplicaSet: wrap('rs', kube.getReplicaSet.bind(kube)),
    getDeployment: wrap('deploy', kube.getDeployment.bind(kube)),
    getStatefulSet: wrap('sts', kube.getStatefulSet.bind(kube)),
    getDaemonSet: wrap('ds', kube.getDaemonSet.bind(kube)),
    getJob: wrap('job', kube.getJob.bind(kube)),
    getCronJob: wrap('cj', kube.getCronJob.bind(kube)),
  }
  // A Proxy rather than a prototype copy: every other method runs on the real client.
  return new Proxy(kube, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof KubeClient]
      const value: unknown = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
}

export async function collectPodSnapshot(client: KubeClient, pod: V1Pod, cp: ControlPlaneInfo, linkerdNamespace: string, timeoutMs: number, cache?: ReadCache): Promise<PodSnapshot> {
  const kube = cache ? cachedReads(client, cache) : client
  const nsName = pod.metadata?.namespace ?? ''
  const [namespace, owner] = await Promise.all([soft(kube.getNamespace(nsName)), topOwner(kube, pod)])
  const snapshot: PodSnapshot = {
    pod,
    namespace,
    ...(owner ? {owner} : {}),
    linkerdNamespace,
    injector: {webhook: cp.webhook, webhookReadable: cp.webhookReadable, pods: cp.injectorPods},
    ...(cp.version ? {controlPlaneVersion: cp.version} : {}),
  }
  if (proxyContainer(pod) && pod.status?.phase === 'Running') {
    const port = adminPort(pod.spec)
    // /ready goes first on its own: when the admin port refuses, its error names pod and port.
    // /live and /metrics then share one tunnel instead of opening one each.
    const ready = await probe(kube, pod, port, '/ready', timeoutMs)
    let live: ProbeResult = ready
    let metrics: ProbeResult = ready
    if (ready.error === undefined) {
      const ref = {name: pod.metadata?.name ?? '', namespace: nsName}
      const asProbe = (path: string, answer: HttpResult | Error | undefined): ProbeResult =>
        answer === undefined || answer instanceof Error
          ? failedProbe(answer, `GET ${path} on port ${port} of pod/${ref.name} in ${nsName}: ${answer?.message ?? 'no answer'}`)
          : {status: answer.status, body: answer.body}
      try {
        const answers = await kube.proxyGetMany(ref, port, ['/live', '/metrics'], timeoutMs)
        live = asProbe('/live', answers[0])
        metrics = asProbe('/metrics', answers[1])
      } catch (err) {
        live = metrics = failedProbe(err)
      }
    }
    snapshot.admin = {port, ready, live, metrics}
  }
  return snapshot
}

export async function getPodOrFail(kube: KubeClient, namespace: string, name: string): Promise<V1Pod> {
  const pod = await kube.getPod(namespace, name)
  if (!pod) throw new NotFoundError([`pod/${name} in namespace ${namespace}`], {hint: `list the pods with kubectl get pods -n ${namespace}`})
  return pod
}
