// Pod facts the control-plane and data-plane checks share: which pods are meshed, whether their
// proxy is ready, what version it runs, how to name a pod in a message.
import type {V1Pod} from '../kube/types.js'
import {ANNOTATION, CONTAINER} from '../mesh/names.js'

type V1Container = NonNullable<NonNullable<V1Pod['spec']>['containers']>[number]
type V1ContainerStatus = NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number]

export const podName = (pod: V1Pod): string => `pod/${pod.metadata?.name ?? '?'} in ${pod.metadata?.namespace ?? '?'}`

export const podKey = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`

/** The proxy container, a regular container or a native sidecar (init container). */
export function proxyContainer(pod: V1Pod): V1Container | undefined {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === CONTAINER.proxy)
}

export function proxyStatus(pod: V1Pod): V1ContainerStatus | undefined {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === CONTAINER.proxy)
}

export const hasProxyContainer = (pod: V1Pod): boolean => proxyContainer(pod) !== undefined

/** Completed Job pods, evicted and failed pods: nothing to check (linkerd/linkerd2#6128). */
export function isFinished(pod: V1Pod): boolean {
  const phase = pod.status?.phase
  return phase === 'Succeeded' || phase === 'Failed'
}

/** Why the pod's proxy is not ready, or undefined when it is. */
export function proxyNotReady(pod: V1Pod): string | undefined {
  const phase = pod.status?.phase ?? 'Unknown'
  if (phase !== 'Running') {
    const reason = pod.status?.conditions?.find((c) => c.reason === 'Unschedulable')?.message
    return `${podName(pod)} is ${phase}${reason ? ` (${reason})` : ''}`
  }
  const status = proxyStatus(pod)
  if (!status) return `${podName(pod)} reports no status for container ${CONTAINER.proxy}`
  if (status.ready) return undefined
  const waiting = status.state?.waiting
  const terminated = status.state?.terminated
  const why = waiting ? `: ${waiting.reason ?? 'waiting'}${waiting.message ? ` (${waiting.message})` : ''}` : terminated ? `: terminated (${terminated.reason ?? `exit ${terminated.exitCode}`})` : ''
  return `container ${CONTAINER.proxy} in ${podName(pod)} is not ready${why}`
}

/** The proxy version: the injector's annotation, else the image tag (unknown when pinned by digest). */
export function proxyVersion(pod: V1Pod): string | undefined {
  const annotated = pod.metadata?.annotations?.[ANNOTATION.injectedProxyVersion]
  if (annotated) return annotated
  const image = proxyContainer(pod)?.image
  if (!image || image.includes('@')) return undefined
  const tag = /:([^/:]+)$/.exec(image)
  return tag?.[1]
}

/** `pod (version)` for each pod whose proxy does not run `expected`. */
export function staleProxies(pods: readonly V1Pod[], expected: string): string[] {
  return pods.filter((pod) => proxyVersion(pod) !== expected).map((pod) => `${podName(pod)} (${proxyVersion(pod) ?? 'unknown'})`)
}

/** Lists problems one per line under a summary, capped so a 500-pod failure stays readable. */
export function listProblems(summary: string, problems: readonly string[], max = 20): string {
  const shown = problems.slice(0, max).map((p) => `\t* ${p}`)
  if (problems.length > max) shown.push(`\t* ... and ${problems.length - max} more`)
  return [summary, ...shown].join('\n')
}
