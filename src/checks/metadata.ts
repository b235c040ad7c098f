// Linkerd metadata put in the wrong place (linkerd2 pkg/healthcheck/healthcheck_labels.go): the
// injector reads `config.linkerd.io/*` and `linkerd.io/inject` as annotations only, and the
// multicluster service mirror reads `mirror.linkerd.io/exported` as a label only; in the other
// place they do nothing. And opaque ports declared on a Service and on the pods behind it must
// agree (linkerd2 checkMisconfiguredOpaquePortAnnotations): a client proxy resolves the Service's
// annotation, the server proxy the pod's, and a port opaque on one side only breaks the connection.
import type {V1Endpoints, V1ObjectMeta, V1Pod, V1Service} from '../kube/types.js'
import {EXPORTED_SERVICE_LABEL} from '../mesh/multicluster.js'
import {ANNOTATION, CONFIG_PREFIXES} from '../mesh/names.js'
import {listRanges, parsePortList, rangesContain, type PortRange} from '../ports/index.js'

/** Label keys that only work as annotations. */
export function labelsThatShouldBeAnnotations(meta: V1ObjectMeta | undefined): string[] {
  return Object.keys(meta?.labels ?? {}).filter((key) => CONFIG_PREFIXES.some((prefix) => key.startsWith(prefix)) || key === ANNOTATION.inject).sort()
}

/** Annotation keys that only work as labels. */
export function annotationsThatShouldBeLabels(meta: V1ObjectMeta | undefined): string[] {
  return Object.keys(meta?.annotations ?? {}).filter((key) => key === EXPORTED_SERVICE_LABEL)
}

type ContainerPort = {containerPort: number; name?: string | undefined}

function containerPorts(pod: V1Pod): ContainerPort[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].flatMap((c) => c.ports ?? [])
}

function opaqueRanges(value: string | undefined, named?: ReadonlyMap<string, number>): PortRange[] {
  return value === undefined ? [] : listRanges(parsePortList(value, named))
}

/** The pods an Endpoints object's ready addresses point at, found in `pods` by name. */
export function endpointPods(endpoints: V1Endpoints | undefined, pods: ReadonlyMap<string, V1Pod>): V1Pod[] {
  const out = new Map<string, V1Pod>()
  for (const subset of endpoints?.subsets ?? []) {
    for (const address of subset.addresses ?? []) {
      const ref = address.targetRef
      if (ref?.kind !== 'Pod' || !ref.name) continue
      const key = `${ref.namespace ?? endpoints?.metadata?.namespace ?? ''}/${ref.name}`
      const pod = pods.get(key)
      if (pod) out.set(key, pod)
    }
  }
  return [...out.values()]
}

/**
 * Where the opaque ports of a Service and of one pod behind it disagree, in Linkerd's words:
 * a Service port marked opaque whose target port the pod does not mark, and a pod port marked
 * opaque that a Service port targets without marking it.
 */
export function opaquePortMismatches(service: V1Service, pod: V1Pod): string[] {
  const svcName = service.metadata?.name ?? '?'
  const podName = pod.metadata?.name ?? '?'
  const ports = containerPorts(pod)
  const named = new Map(ports.filter((p) => p.name).map((p) => [p.name as string, p.containerPort]))
  const svcOpaque = opaqueRanges(service.metadata?.annotations?.[ANNOTATION.opaquePorts])
  const podOpaque = opaqueRanges(pod.metadata?.annotations?.[ANNOTATION.opaquePorts], named)
  const problems: string[] = []
  for (const sp of service.spec?.ports ?? []) {
    const target = sp.targetPort
    // The container port this Service port reaches on this pod, if the pod declares it.
    const reached = typeof target === 'string' && !/^\d+$/.test(target) ? ports.find((p) => p.name === target) : ports.find((p) => p.containerPort === (target === undefined ? sp.port : Number(target)))
    const svcMarked = rangesContain(svcOpaque, sp.port)
    if (svcMarked && reached && !rangesContain(podOpaque, reached.containerPort)) {
      problems.push(`service ${svcName} expects target port ${reached.containerPort} to be opaque; add it to pod ${podName} ${ANNOTATION.opaquePorts} annotation`)
    }
    if (svcMarked || !reached || !rangesContain(podOpaque, reached.containerPort) || rangesContain(svcOpaque, reached.containerPort)) continue
    const through = target === undefined ? '' : ` through ${sp.port}`
    const what = typeof target === 'string' && !/^\d+$/.test(target) ? target : String(reached.containerPort)
    problems.push(`service ${svcName} targets the opaque port ${what}${through}; add ${sp.port} to its ${ANNOTATION.opaquePorts} annotation`)
  }
  return problems
}

/** Every mismatch between non-headless Services and the ready pods behind them. */
export function opaquePortProblems(services: readonly V1Service[], endpoints: readonly V1Endpoints[], pods: readonly V1Pod[]): string[] {
  const byKey = new Map(pods.map((pod) => [`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`, pod]))
  const endpointsByKey = new Map(endpoints.map((e) => [`${e.metadata?.namespace ?? ''}/${e.metadata?.name ?? ''}`, e]))
  const problems = new Set<string>()
  for (const service of services) {
    if (service.spec?.clusterIP === 'None') continue // headless Services are resolved pod by pod
    const key = `${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`
    for (const pod of endpointPods(endpointsByKey.get(key), byKey)) for (const problem of opaquePortMismatches(service, pod)) problems.add(problem)
  }
  return [...problems]
}
