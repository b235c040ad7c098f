// What Linkerd's injector adds to one pod template in `--manual` mode, computed from plain data:
// the per-pod values (run values + the pod's own config annotations), then the containers,
// volumes, annotations and labels, with where each goes. Pure: no YAML nodes, no IO.
import {ANNOTATION, CONFIG_PREFIXES, LABEL, proxyOwnerLabel, VOLUME} from '../../mesh/names.js'
import {goParseBool, goParseDuration} from '../../mesh/proxy-go.js'
import {applyAnnotationOverrides, mergeAdditionalEnv, type Annotations, type Warn} from '../../mesh/proxy-overrides.js'
import type {InjectValues} from '../../mesh/proxy-values.js'
import {RenderError, renderDebug, renderNetworkValidator, renderProxy, renderProxyInit, type Container} from './render.js'

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount'

/** Kinds whose pods get a `linkerd.io/proxy-<kind>: <name>` label. */
const OWNER_LABEL_KINDS = new Set(['deployment', 'replicationcontroller', 'replicaset', 'job', 'daemonset', 'statefulset', 'cronjob'])

/** The settings of one `inject --manual` run, shared by every pod template. */
export interface ManualConfig {
  /** Baseline values with this run's flags and --set values applied. */
  values: InjectValues
  /** The control plane's namespace (`-L`). */
  controlPlaneNamespace: string
  /** Annotations describing this run's overrides of the baseline; written, not re-read. */
  overrideAnnotations: Annotations
  /** `linkerd.io/created-by`, e.g. `meshport/cli 0.1.0`. */
  createdBy: string
  enableDebugSidecar?: boolean
  /** `--close-wait-timeout`, as a Go duration string (`1m0s`). */
  closeWaitTimeout?: string
  /**
   * Annotations of the cluster's Namespaces, by name (--from-cluster): like the injector webhook,
   * a pod inherits the `config.linkerd.io/*` settings of its Namespace that it does not set itself.
   */
  namespaceAnnotations?: ReadonlyMap<string, Annotations>
}

/** One pod template, as plain data. */
export interface PodTemplate {
  /** The document's `kind`, any case (`Deployment`, `pod`, ...). */
  kind: string
  /** The workload's name and namespace (a Pod's own). */
  name: string
  namespace: string
  /** The workload's own metadata annotations (a Pod's own): `proxy-additional-env` is read there. */
  workloadAnnotations: Annotations
  metadata: {annotations?: Annotations | null; labels?: Annotations | null; [key: string]: unknown} | null | undefined
  spec: PodSpec
}

export interface PodSpec {
  containers?: Container[] | null
  initContainers?: Container[] | null
  volumes?: Container[] | null
  [key: string]: unknown
}

/** The additions, in the order Linkerd's JSON patch applies them. */
export interface PodPatch {
  /** Set on the pod template's metadata (existing keys replaced), sorted by key. */
  annotations: [string, string][]
  labels: [string, string][]
  /** Inserted at the start of initContainers, before the application's own (native sidecar). */
  initContainersFirst: Container[]
  /** Appended after the application's init containers (legacy layout's linkerd-init). */
  initContainersLast: Container[]
  /** Inserted as containers[0] (legacy layout with proxy await). */
  containersFirst: Container[]
  /** Appended to containers (linkerd-debug; legacy proxy without await). */
  containersLast: Container[]
  volumes: Container[]
}

// node:crypto is loaded on first use: annotate mode and uninject, bundled with this, never need it.
const sha256 = (text: string) => process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex')

function portNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined
}

/** Every container port and integer HTTP probe port of the pod, sorted as strings (Linkerd does). */
export function podInboundPorts(spec: PodSpec): string {
  const ports = new Set<string>()
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const p of (c.ports as Container[] | undefined) ?? []) ports.add(String(portNumber(p.containerPort) ?? 0))
    for (const probe of [c.readinessProbe, c.livenessProbe] as (Container | undefined)[]) {
      const port = portNumber((probe?.httpGet as Container | undefined)?.port)
      if (port !== undefined) ports.add(String(port))
    }
  }
  return [...ports].sort().join(',')
}

function namedPorts(spec: PodSpec): Map<string, number> {
  const out = new Map<string, number>()
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const p of (c.ports as Container[] | undefined) ?? []) {
      const port = portNumber(p.containerPort)
      if (typeof p.name === 'string' && p.name !== '' && port !== undefined) out.set(p.name, port)
    }
  }
  return out
}

function stringMap(value: unknown): Annotations {
  const out: Annotations = {}
  if (typeof value !== 'object' || value === null) return out
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v)
  return out
}

/** The Namespace's proxy settings the pod does not set itself (the webhook's AppendNamespaceAnnotations). */
function inheritedFromNamespace(pod: Annotations, namespace: Annotations): Annotations {
  const out: Annotations = {}
  for (const [k, v] of Object.entries(namespace)) {
    if (k in pod) continue
    if (CONFIG_PREFIXES.some((prefix) => k.startsWith(prefix))) out[k] = v
    else if (k === ANNOTATION.inject && v === 'ingress') out[k] = v
  }
  return out
}

/**
 * Computes Linkerd's additions to one pod template. Throws RenderError where Linkerd's templates
 * fail (no trust anchors, bad cluster networks, ...); `warn` receives what Linkerd only logs.
 */
export function computePodPatch(pod: PodTemplate, config: ManualConfig, warn: Warn = () => {}): PodPatch {
  const podAnnotations = stringMap(pod.metadata?.annotations)
  const namespaceAnnotations = config.namespaceAnnotations?.get(pod.namespace) ?? {}
  const inherited = inheritedFromNamespace(podAnnotations, namespaceAnnotations)
  const ownAnnotations = {...inherited, ...podAnnotations}
  const labels = stringMap(pod.metadata?.labels)
  const kind = pod.kind.toLowerCase()
  const addedLabels: Annotations = {[LABEL.controlPlaneNamespace]: config.controlPlaneNamespace, [LABEL.workloadNamespace]: pod.namespace}
  if (OWNER_LABEL_KINDS.has(kind)) addedLabels[proxyOwnerLabel(kind)] = pod.name
  const podLabels = Object.entries(addedLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

  // Pods that agree on everything the sidecar depends on share one rendering (large manifests
  // repeat the same shapes thousands of times).
  let cache = SHARED.get(config)
  if (!cache) SHARED.set(config, (cache = new Map()))
  const key = sharedKey(pod, ownAnnotations, labels, config) + JSON.stringify([inherited, namespaceAnnotations[ANNOTATION.additionalEnv] ?? null])
  let shared = cache.get(key)
  if (!shared) {
    // Frozen: shared by many pods, and the renderer caches frozen values' text (src/inject/render.ts).
    shared = deepFreeze(sharedPatch(pod, {own: ownAnnotations, inherited, namespace: namespaceAnnotations}, labels, config, warn))
    cache.set(key, shared)
  }
  return {...shared, labels: podLabels}
}

type SharedPatch = Omit<PodPatch, 'labels'>

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
const SHARED = new WeakMap<ManualConfig, Map<string, SharedPatch>>()

/** Everything of the pod that the sidecar's rendering reads. */
function sharedKey(pod: PodTemplate, own: Annotations, labels: Annotations, config: ManualConfig): string {
  const relevant = Object.entries(own).filter(([k]) => k.startsWith('config.') || k === ANNOTATION.inject || k.startsWith('resource.opentelemetry.io/'))
  const spec = pod.spec
  const first = spec.containers?.[0]
  return JSON.stringify([
    relevant,
    config.values.proxy.tracing?.enabled ? [labels['app.kubernetes.io/instance'], labels['app.kubernetes.io/name']] : null,
    stringMap(pod.workloadAnnotations)[ANNOTATION.additionalEnv] ?? null,
    podInboundPorts(spec),
    relevant.some(([k]) => k === ANNOTATION.opaquePorts) ? [...namedPorts(spec)] : null,
    (first?.securityContext as Container | undefined)?.capabilities ?? null,
    ((first?.volumeMounts as Container[] | undefined) ?? []).find((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH) ?? null,
  ])
}

function sharedPatch(pod: PodTemplate, annotations: {own: Annotations; inherited: Annotations; namespace: Annotations}, labels: Annotations, config: ManualConfig, warn: Warn): SharedPatch {
  const ownAnnotations = annotations.own
  const values: InjectValues = structuredClone(config.values)
  const spec = pod.spec

  // The pod's own config annotations apply on top of the run's values, except where this run's
  // flags set the same setting: those were applied to the values already and win.
  const podOverrides: Annotations = {}
  for (const [k, v] of Object.entries(ownAnnotations)) if (!(k in config.overrideAnnotations)) podOverrides[k] = v
  applyAnnotationOverrides(values, podOverrides, labels, namedPorts(spec), warn)
  mergeAdditionalEnv(values, annotations.namespace, stringMap(pod.workloadAnnotations), warn)
  values.proxy.podInboundPorts = podInboundPorts(spec)

  for (const network of values.clusterNetworks.replace(/^,+|,+$/g, '').split(',')) {
    if (values.clusterNetworks !== '' && !isCidr(network)) throw new RenderError(`cannot parse destination get networks: invalid CIDR address: ${network}`)
  }

  // Annotations the run adds (flags, created-by, debug, close-wait), then the proxy's own.
  // Inherited Namespace settings are written on the pod too, as the webhook writes them.
  const added: Annotations = {...annotations.inherited, ...config.overrideAnnotations, [ANNOTATION.createdBy]: config.createdBy}
  if (config.enableDebugSidecar) added[ANNOTATION.enableDebugSidecar] = 'true'
  if (config.closeWaitTimeout) added[ANNOTATION.closeWaitTimeout] = config.closeWaitTimeout
  const effective = {...ownAnnotations, ...added}
  added[ANNOTATION.injectedProxyVersion] = values.proxy.image.version || values.linkerdVersion
  added[ANNOTATION.trustRootSha256] = sha256(values.identityTrustAnchorsPEM)

  // The first application container's capabilities and service-account mount are shared with
  // the proxy (so the pod passes the same admission policies).
  const first = spec.containers?.[0]
  const capabilities = (first?.securityContext as Container | undefined)?.capabilities as Container | null | undefined
  if (capabilities !== undefined && capabilities !== null) {
    const add = ((capabilities.add as unknown[] | undefined) ?? []).map(String)
    const drop = ((capabilities.drop as unknown[] | undefined) ?? []).map(String)
    values.proxy.capabilities = {add, drop}
  }
  const saMount = ((first?.volumeMounts as Container[] | undefined) ?? []).find((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)
  if (saMount) values.proxy.saMountPath = {mountPath: SERVICE_ACCOUNT_MOUNT_PATH, name: typeof saMount.name === 'string' ? saMount.name : '', readOnly: saMount.readOnly === true}

  let debug = false
  const debugText = effective[ANNOTATION.enableDebugSidecar] ?? ''
  if (debugText !== '') {
    const parsed = goParseBool(debugText)
    if (parsed === undefined) warn(`unrecognized value used for the ${ANNOTATION.enableDebugSidecar} annotation: ${debugText}`)
    debug = parsed === true
  }

  if (values.proxy.capabilities) {
    values.proxyInit.capabilities = {add: values.proxy.capabilities.add, drop: values.proxy.capabilities.drop.filter((d) => d !== 'NET_RAW' && d !== 'NET_ADMIN')}
  }
  values.proxyInit.saMountPath = values.proxy.saMountPath
  const closeWait = effective[ANNOTATION.closeWaitTimeout] ?? ''
  if (closeWait !== '') {
    const seconds = goParseDuration(closeWait)
    if (seconds === undefined) warn(`invalid duration value used for the ${ANNOTATION.closeWaitTimeout} annotation: ${closeWait}`)
    else values.proxyInit.closeWaitTimeoutSecs = Math.trunc(seconds)
  }

  const patch: SharedPatch = {
    annotations: Object.entries(added).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    initContainersFirst: [],
    initContainersLast: [],
    containersFirst: [],
    containersLast: [],
    volumes: [],
  }
  const native = values.proxy.nativeSidecar
  const initTarget = native ? patch.initContainersFirst : patch.initContainersLast
  if (!values.cniEnabled) {
    patch.volumes.push({emptyDir: {}, name: values.proxyInit.xtMountPath.name})
    initTarget.push(renderProxyInit(values))
  } else {
    initTarget.push(renderNetworkValidator(values))
  }
  if (debug) patch.containersLast.push(renderDebug(values))
  patch.volumes.push({emptyDir: {medium: 'Memory'}, name: VOLUME.identityEndEntity})
  if (values.proxy.tracing?.enabled) {
    patch.volumes.push({
      downwardAPI: {
        items: [
          {fieldRef: {fieldPath: 'metadata.labels'}, path: 'labels'},
          {fieldRef: {fieldPath: 'metadata.annotations'}, path: 'annotations'},
        ],
      },
      name: VOLUME.podInfo,
    })
  }
  if (values.identity.serviceAccountTokenProjection) {
    patch.volumes.push({
      name: VOLUME.identityToken,
      projected: {sources: [{serviceAccountToken: {audience: 'identity.l5d.io', expirationSeconds: 86400, path: 'linkerd-identity-token'}}]},
    })
  }
  const proxy = renderProxy(values, config.controlPlaneNamespace)
  if (native) patch.initContainersFirst.push(proxy)
  else if (values.proxy.await) patch.containersFirst.push(proxy)
  else patch.containersLast.push(proxy)
  return patch
}

function isCidr(text: string): boolean {
  const [address, bits, ...rest] = text.split('/')
  if (rest.length > 0 || address === undefined || bits === undefined || !/^\d+$/.test(bits)) return false
  if (address.includes(':')) return Number(bits) <= 128 && /^[0-9a-fA-F:.]+$/.test(address) && address.split('::').length <= 2
  const octets = address.split('.')
  return Number(bits) <= 32 && octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
}

/** Applies a patch to a plain pod template (metadata + spec), as Linkerd's JSON patch does. */
export function applyPodPatch(template: {metadata?: Container | null; spec: PodSpec}, shared: PodPatch): void {
  const patch = structuredClone(shared) // patches are shared between identical pods
  const metadata = (template.metadata ??= {})
  const annotations = ((metadata.annotations as Annotations | null | undefined) ??= {})
  for (const [k, v] of patch.annotations) annotations[k] = v
  const labels = ((metadata.labels as Annotations | null | undefined) ??= {})
  for (const [k, v] of patch.labels) labels[k] = v
  const spec = template.spec
  if (patch.initContainersFirst.length > 0 || patch.initContainersLast.length > 0) {
    const init = (spec.initContainers ??= [])
    init.unshift(...patch.initContainersFirst)
    init.push(...patch.initContainersLast)
  }
  const containers = (spec.containers ??= [])
  containers.unshift(...patch.containersFirst)
  containers.push(...patch.containersLast)
  if (patch.volumes.length > 0) (spec.volumes ??= []).push(...patch.volumes)
}
