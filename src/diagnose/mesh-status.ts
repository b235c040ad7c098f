// "Why is (or isn't) this pod meshed?" — the Linkerd counterpart of `istioctl x check-inject`.
// Follows the injector's own decision: the pod's linkerd.io/inject annotation, else its
// namespace's; hostNetwork pods are never injected; the webhook must exist, select the namespace
// and the pod, and have a ready injector behind it when the pod is created.
import {ANNOTATION, LABEL} from '../mesh/names.js'
import {type Problem, proxyContainer, type ProblemSubject} from '../ports/index.js'
import {describeSelector, selectorMatches} from './label-selector.js'
import type {PodSnapshot} from './pod-snapshot.js'

export const MESH_RULES = {
  notAnnotated: {id: 'mesh.not-annotated', severity: 'warning'},
  injectDisabled: {id: 'mesh.inject-disabled', severity: 'info'},
  hostNetwork: {id: 'mesh.host-network', severity: 'warning'},
  webhookMissing: {id: 'mesh.injector-webhook-missing', severity: 'error'},
  webhookSkips: {id: 'mesh.injector-webhook-skips', severity: 'error'},
  injectorNotReady: {id: 'mesh.injector-not-ready', severity: 'error'},
  createdBeforeInjection: {id: 'mesh.created-before-injection', severity: 'warning'},
  otherControlPlane: {id: 'mesh.other-control-plane', severity: 'warning'},
  jobSidecar: {id: 'mesh.job-sidecar-blocks-completion', severity: 'warning'},
} as const

export type Sidecar = 'native' | 'container'

export interface MeshStatus {
  meshed: boolean
  /** One sentence: why the pod is or is not meshed. */
  reason: string
  /** Where the proxy runs when meshed: a native sidecar (init container, restartPolicy Always) or a regular container. */
  sidecar?: Sidecar
  /** The effective linkerd.io/inject value and where it came from. */
  inject?: {value: string; from: 'pod' | 'namespace'}
  problems: Problem[]
}

const ENABLED = new Set(['enabled', 'ingress'])

function ownerRef(snapshot: PodSnapshot): string {
  return snapshot.owner ? `${snapshot.owner.kind.toLowerCase()}/${snapshot.owner.name}` : `pod/${snapshot.pod.metadata?.name ?? ''}`
}

function timeOf(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined
  const t = value instanceof Date ? value.getTime() : Date.parse(value)
  return Number.isNaN(t) ? undefined : t
}

/** When the first injector container became ready, as far as its status tells. */
function injectorReadySince(snapshot: PodSnapshot): number | undefined {
  const times = snapshot.injector.pods
    .filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => timeOf(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime) ?? timeOf(p.status?.startTime))
    .filter((t): t is number => t !== undefined)
  return times.length > 0 ? Math.min(...times) : undefined
}

export function meshStatus(snapshot: PodSnapshot, subject: ProblemSubject): MeshStatus {
  const {pod} = snapshot
  const problems: Problem[] = []
  const push = (rule: {id: string; severity: Problem['severity']}, message: string, fix: string) => problems.push({rule: rule.id, severity: rule.severity, subject, message, fix})
  const nsName = pod.metadata?.namespace ?? ''
  const podAnn = pod.metadata?.annotations ?? {}
  const nsAnn = snapshot.namespace?.metadata?.annotations ?? {}
  const inject = podAnn[ANNOTATION.inject] !== undefined ? {value: podAnn[ANNOTATION.inject] ?? '', from: 'pod' as const} : nsAnn[ANNOTATION.inject] !== undefined ? {value: nsAnn[ANNOTATION.inject] ?? '', from: 'namespace' as const} : undefined
  const restart = `kubectl rollout restart ${ownerRef(snapshot)} -n ${nsName}`

  const proxy = proxyContainer(pod)
  if (proxy) {
    const native = (pod.spec?.initContainers ?? []).some((c) => c === proxy) && proxy.restartPolicy === 'Always'
    const sidecar: Sidecar = native ? 'native' : 'container'
    const cpNs = pod.metadata?.labels?.[LABEL.controlPlaneNamespace]
    if (cpNs !== undefined && cpNs !== snapshot.linkerdNamespace) {
      push(MESH_RULES.otherControlPlane, `the pod's proxy belongs to the control plane in namespace ${cpNs}, not ${snapshot.linkerdNamespace}`, `pass -L ${cpNs}, or restart the pod (${restart}) so the current injector re-injects it`)
    }
    const ownerKind = snapshot.owner?.kind
    const jobOwned = ownerKind === 'Job' || ownerKind === 'CronJob' || pod.metadata?.ownerReferences?.some((o) => o.kind === 'Job')
    if (!native && jobOwned) {
      push(MESH_RULES.jobSidecar, 'the proxy runs as a regular container in a Job pod, so the pod keeps running after the job finishes', `set ${ANNOTATION.nativeSidecar}: "true" on the job template (Kubernetes 1.29+), or have the job call the proxy's /shutdown endpoint`)
    }
    return {meshed: true, reason: `the pod has a linkerd-proxy container, injected as a ${native ? 'native sidecar (init container with restartPolicy Always)' : 'regular container'}`, sidecar, ...(inject ? {inject} : {}), problems}
  }

  const notMeshed = (reason: string): MeshStatus => ({meshed: false, reason, ...(inject ? {inject} : {}), problems})
  if (pod.spec?.hostNetwork) {
    push(MESH_RULES.hostNetwork, 'the pod uses hostNetwork; Linkerd never injects such pods because the proxy would capture the node\'s traffic', 'run the workload without hostNetwork if it must be meshed')
    return notMeshed('hostNetwork pods are not injected')
  }
  if (inject === undefined || !ENABLED.has(inject.value)) {
    if (inject !== undefined) {
      push(
        MESH_RULES.injectDisabled,
        `${inject.from === 'pod' ? 'the pod' : `namespace ${nsName}`} has ${ANNOTATION.inject}: ${inject.value}`,
        inject.from === 'pod' ? `set ${ANNOTATION.inject}: enabled on the pod template if it should be meshed` : `annotate namespace ${nsName} with ${ANNOTATION.inject}=enabled (or the workload's pod template), then ${restart}`,
      )
      return notMeshed(`injection is disabled by ${inject.from === 'pod' ? 'the pod' : 'its namespace'}`)
    }
    const template = snapshot.owner?.templateAnnotations?.[ANNOTATION.inject]
    if (template !== undefined && ENABLED.has(template)) {
      push(MESH_RULES.createdBeforeInjection, `${ownerRef(snapshot)} has ${ANNOTATION.inject}: ${template} on its pod template, but this pod was created from an older template without it`, restart)
      return notMeshed('the pod predates the annotation on its workload')
    }
    if (snapshot.namespace === undefined) return notMeshed(`the pod has no ${ANNOTATION.inject} annotation and its namespace could not be read`)
    push(MESH_RULES.notAnnotated, `neither the pod nor namespace ${nsName} has ${ANNOTATION.inject}`, `kubectl annotate namespace ${nsName} ${ANNOTATION.inject}=enabled (or annotate the pod template), then ${restart}`)
    return notMeshed('nothing asks for injection')
  }

  // Injection was asked for: find out why the injector did not do it.
  const webhook = snapshot.injector.webhook
  if (!webhook) {
    if (snapshot.injector.webhookReadable) {
      push(MESH_RULES.webhookMissing, `no linkerd-proxy-injector MutatingWebhookConfiguration exists, so nothing injects pods`, `reinstall or upgrade the Linkerd control plane (meshport check will show what else is missing), then ${restart}`)
      return notMeshed('the proxy injector webhook is not installed')
    }
    return notMeshed('the pod is annotated but not injected; the injector webhook could not be read (no permission?)')
  }
  for (const hook of webhook.webhooks ?? []) {
    if (!selectorMatches(hook.namespaceSelector, snapshot.namespace?.metadata?.labels)) {
      push(MESH_RULES.webhookSkips, `the injector webhook ${hook.name} does not select namespace ${nsName} (namespaceSelector: ${describeSelector(hook.namespaceSelector)})`, `remove the namespace label that excludes it (e.g. config.linkerd.io/admission-webhooks=disabled), then ${restart}`)
      return notMeshed('the injector webhook skips its namespace')
    }
    if (!selectorMatches(hook.objectSelector, pod.metadata?.labels)) {
      push(MESH_RULES.webhookSkips, `the injector webhook ${hook.name} does not select the pod (objectSelector: ${describeSelector(hook.objectSelector)})`, `remove the pod label that excludes it, then ${restart}`)
      return notMeshed('the injector webhook skips the pod')
    }
  }
  const readySince = injectorReadySince(snapshot)
  if (readySince === undefined) {
    const failurePolicy = webhook.webhooks?.[0]?.failurePolicy ?? 'Ignore'
    push(MESH_RULES.injectorNotReady, `no linkerd-proxy-injector pod is ready in ${snapshot.linkerdNamespace}; with failurePolicy ${failurePolicy} pods are ${failurePolicy === 'Fail' ? 'rejected' : 'created without a proxy'}`, `kubectl -n ${snapshot.linkerdNamespace} get pods -l linkerd.io/control-plane-component=proxy-injector; fix it, then ${restart}`)
    return notMeshed('the proxy injector is not ready')
  }
  const created = timeOf(pod.metadata?.creationTimestamp)
  const why = created !== undefined && created < readySince ? 'the injector was not ready yet when the pod was created' : `the pod was probably created before ${inject.from === 'pod' ? 'its annotation' : `namespace ${nsName} was annotated`}`
  push(MESH_RULES.createdBeforeInjection, `the pod should be meshed (${inject.from} has ${ANNOTATION.inject}: ${inject.value}) but has no proxy: ${why}`, restart)
  return notMeshed(why)
}
