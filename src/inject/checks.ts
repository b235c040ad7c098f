// The checks Linkerd's inject runs on a pod template before touching it (pkg/inject, CLI origin).
// Pure functions over the plain JS of a pod template ({metadata, spec}).
import {ANNOTATION, CONTAINER, LABEL} from '../mesh/names.js'

export interface TemplateFindings {
  hostNetwork: boolean
  /** A proxy or init container from Linkerd (under another name) or Istio is present. */
  sidecar: boolean
  /** `linkerd.io/inject: disabled` on the pod template. */
  injectDisabled: boolean
  udp: boolean
  /** automountServiceAccountToken: false while token projection is off (fatal). */
  automount: boolean
  /** Labelled `linkerd.io/control-plane-component`: only --manual may inject it. */
  controlPlane: boolean
}

const PROXY_IMAGE_PREFIXES = ['cr.l5d.io/linkerd/proxy:', 'gcr.io/istio-release/proxyv2:']
const PROXY_NAMES = new Set([CONTAINER.proxy, 'istio-proxy'])
const INIT_IMAGE_PREFIXES = ['cr.l5d.io/linkerd/proxy-init:', 'gcr.io/istio-release/proxy_init:']
const INIT_NAMES = new Set([CONTAINER.init, 'istio-init'])

type Obj = Record<string, unknown>

function obj(value: unknown): Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {}
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map(obj) : []
}

function isProxy(container: Obj): boolean {
  const image = typeof container.image === 'string' ? container.image : ''
  return PROXY_NAMES.has(String(container.name)) || PROXY_IMAGE_PREFIXES.some((p) => image.startsWith(p))
}

function isInit(container: Obj): boolean {
  const image = typeof container.image === 'string' ? container.image : ''
  return INIT_NAMES.has(String(container.name)) || INIT_IMAGE_PREFIXES.some((p) => image.startsWith(p))
}

export function inspectTemplate(template: unknown, tokenProjection: boolean): TemplateFindings {
  const tpl = obj(template)
  const meta = obj(tpl.metadata)
  const spec = obj(tpl.spec)
  const containers = list(spec.containers)
  const inits = list(spec.initContainers)
  return {
    hostNetwork: spec.hostNetwork === true,
    sidecar: containers.some(isProxy) || inits.some((c) => isProxy(c) || isInit(c)),
    injectDisabled: obj(meta.annotations)[ANNOTATION.inject] === 'disabled',
    udp: [...inits, ...containers].some((c) => list(c.ports).some((p) => p.protocol === 'UDP')),
    automount: spec.automountServiceAccountToken === false && !tokenProjection,
    controlPlane: Object.hasOwn(obj(meta.labels), LABEL.controlPlaneComponent),
  }
}

/** Linkerd's reasons for refusing a workload, in its order; UDP only joins another reason. */
export function fatalReasons(f: TemplateFindings): string[] {
  const reasons: string[] = []
  if (f.automount) reasons.push('automountServiceAccountToken set to "false", with Values.identity.serviceAccountTokenProjection set to "false"')
  if (f.hostNetwork) reasons.push('hostNetwork is enabled')
  if (f.sidecar) reasons.push('pod has a sidecar injected already')
  if (reasons.length > 0 && f.udp) reasons.push('pod specs do not include UDP ports')
  return reasons
}
