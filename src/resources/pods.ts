// Facts about a pod that stat rows and diagnose need: is it meshed, ready, finished, and the
// kubectl-style STATUS text.
import type {V1Pod} from '../kube/types.js'
import {LABEL} from '../mesh/names.js'

/** Injected by the control plane in `controlPlaneNamespace`: the label its injector puts on every meshed pod. */
export function isMeshedBy(pod: V1Pod, controlPlaneNamespace: string): boolean {
  return pod.metadata?.labels?.[LABEL.controlPlaneNamespace] === controlPlaneNamespace
}

export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
}

/** Succeeded and Failed pods are hidden, as Linkerd does. */
export function isFinished(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
}

export function isRunning(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp
}

/** kubectl's STATUS column, simplified: Terminating, Init:…, a container's waiting reason, or the phase. */
export function podStatusText(pod: V1Pod): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating'
  const status = pod.status
  const inits = status?.initContainerStatuses ?? []
  const initSpecs = pod.spec?.initContainers ?? []
  for (const [i, init] of inits.entries()) {
    const sidecar = initSpecs.find((c) => c.name === init.name)?.restartPolicy === 'Always'
    if (init.state?.terminated?.exitCode === 0 || (sidecar && init.started)) continue
    if (init.state?.terminated) return `Init:${init.state.terminated.reason ?? 'Error'}`
    if (init.state?.waiting?.reason && init.state.waiting.reason !== 'PodInitializing') return `Init:${init.state.waiting.reason}`
    return `Init:${i}/${initSpecs.length || inits.length}`
  }
  for (const container of status?.containerStatuses ?? []) {
    const reason = container.state?.waiting?.reason ?? container.state?.terminated?.reason
    if (reason) return reason
  }
  return status?.reason ?? status?.phase ?? 'Unknown'
}
