// Proxy readiness and liveness (the pod's container status and, when reachable, the admin
// server's own /ready and /live), restarts with their last termination reason, and the state of
// linkerd-init. /ready turns 200 only once the proxy holds its identity certificate, so
// "not ready" usually means identity trouble (linkerd/linkerd2-proxy
// linkerd/app/admin/src/server/readiness.rs: the one readiness latch is the first certificate).
import type {V1Pod} from '../kube/types.js'
import {ANNOTATION, CONTAINER} from '../mesh/names.js'
import type {Problem, ProblemSubject} from '../ports/index.js'
import type {PodSnapshot, ProbeResult} from './pod-snapshot.js'

export const PROXY_RULES = {
  podPending: {id: 'pod.pending', severity: 'warning'},
  notReady: {id: 'proxy.not-ready', severity: 'error'},
  notLive: {id: 'proxy.not-live', severity: 'error'},
  adminUnreachable: {id: 'proxy.admin-unreachable', severity: 'error'},
  adminTimeout: {id: 'proxy.admin-timeout', severity: 'warning'},
  waiting: {id: 'proxy.waiting', severity: 'error'},
  restarted: {id: 'proxy.restarted', severity: 'warning'},
  oomKilled: {id: 'proxy.oom-killed', severity: 'error'},
  initFailed: {id: 'init.failed', severity: 'error'},
  versionSkew: {id: 'proxy.version-skew', severity: 'warning'},
  metricsUnparseable: {id: 'proxy.metrics-unparseable', severity: 'warning'},
  containerCrashLoop: {id: 'pod.container-crashloop', severity: 'error'},
} as const

type V1ContainerStatus = NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number]

export interface ContainerState {
  name: string
  ready: boolean
  restarts: number
  state: string
  lastTermination?: {reason: string; exitCode: number; finishedAt?: string}
}

export interface ProxyHealth {
  proxy?: ContainerState
  init?: ContainerState
  ready?: ProbeResult
  live?: ProbeResult
  problems: Problem[]
}

function statusOf(pod: V1Pod, name: string): V1ContainerStatus | undefined {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === name)
}

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined
  return value instanceof Date ? value.toISOString() : value
}

export function containerState(status: V1ContainerStatus): ContainerState {
  const s = status.state
  const state = s?.running ? 'running' : s?.waiting ? `waiting: ${s.waiting.reason ?? 'unknown'}` : s?.terminated ? `terminated: ${s.terminated.reason ?? 'unknown'} (exit ${s.terminated.exitCode})` : 'unknown'
  const last = status.lastState?.terminated
  const finishedAt = iso(last?.finishedAt)
  return {
    name: status.name,
    ready: status.ready,
    restarts: status.restartCount,
    state,
    ...(last ? {lastTermination: {reason: last.reason ?? 'Error', exitCode: last.exitCode, ...(finishedAt ? {finishedAt} : {})}} : {}),
  }
}

const answered = (p: ProbeResult | undefined, ok: number) => p?.status === ok

export function proxyHealth(snapshot: PodSnapshot, subject: ProblemSubject): ProxyHealth {
  const {pod} = snapshot
  const problems: Problem[] = []
  const push = (rule: {id: string; severity: Problem['severity']}, message: string, fix: string) => problems.push({rule: rule.id, severity: rule.severity, subject, message, fix})
  const ns = pod.metadata?.namespace ?? ''
  const name = pod.metadata?.name ?? ''
  const logs = (container: string, previous = false) => `kubectl logs -n ${ns} ${name} -c ${container}${previous ? ' --previous' : ''}`

  if (pod.status?.phase === 'Pending') {
    const cond = pod.status.conditions?.find((c) => c.status === 'False' && c.reason)
    push(PROXY_RULES.podPending, `the pod is Pending${cond ? ` (${cond.type}: ${cond.reason}${cond.message ? ` — ${cond.message}` : ''})` : ''}`, `kubectl describe pod -n ${ns} ${name}`)
  }

  const health: ProxyHealth = {problems}
  const initStatus = statusOf(pod, CONTAINER.init)
  if (initStatus) {
    health.init = containerState(initStatus)
    // Only a failure that is current: an init container that failed once and then succeeded is fine.
    const term = initStatus.state?.terminated
    const waiting = initStatus.state?.waiting?.reason
    const last = initStatus.lastState?.terminated
    if ((term && term.exitCode !== 0) || (waiting && waiting !== 'PodInitializing')) {
      const failed = term ?? last
      const why = `${waiting ? `${waiting}, ` : ''}${failed ? `${failed.reason ?? 'Error'} (exit ${failed.exitCode})` : 'not started'}`
      push(PROXY_RULES.initFailed, `linkerd-init failed: ${why}; without its iptables rules the pod cannot start meshed`, `${logs(CONTAINER.init)}; usually missing NET_ADMIN/NET_RAW (use the linkerd-cni plugin where that is not allowed)`)
    }
  }

  const proxyStatus = statusOf(pod, CONTAINER.proxy)
  if (proxyStatus) {
    const state = containerState(proxyStatus)
    health.proxy = state
    const waiting = proxyStatus.state?.waiting?.reason
    if (waiting && waiting !== 'PodInitializing' && waiting !== 'ContainerCreating') {
      push(PROXY_RULES.waiting, `the proxy container is waiting: ${waiting}${proxyStatus.state?.waiting?.message ? ` (${proxyStatus.state.waiting.message})` : ''}`, waiting.includes('Image') ? 'check the proxy image and the pull secret' : logs(CONTAINER.proxy, true))
    }
    if (proxyStatus.restartCount > 0) {
      const last = state.lastTermination
      const detail = last ? `; last termination: ${last.reason} (exit ${last.exitCode})${last.finishedAt ? ` at ${last.finishedAt}` : ''}` : ''
      if (last?.reason === 'OOMKilled') {
        push(PROXY_RULES.oomKilled, `the proxy was OOM-killed and restarted ${proxyStatus.restartCount} times${detail}`, 'raise config.linkerd.io/proxy-memory-limit (and -request) on the workload')
      } else {
        push(PROXY_RULES.restarted, `the proxy restarted ${proxyStatus.restartCount} times${detail}`, logs(CONTAINER.proxy, true))
      }
    }
    if (!proxyStatus.ready && pod.status?.phase === 'Running') {
      const body = snapshot.admin?.ready?.body?.trim()
      push(PROXY_RULES.notReady, `the proxy is not ready${body ? ` (/ready says "${body}")` : ''}; /ready turns 200 once the proxy has its identity certificate`, `${logs(CONTAINER.proxy)} | grep -i identity; check linkerd-identity with meshport check`)
    }
  }

  const admin = snapshot.admin
  if (admin) {
    if (admin.ready) health.ready = admin.ready
    if (admin.live) health.live = admin.live
    const failed = [admin.ready, admin.live, admin.metrics].find((p) => p?.error !== undefined)
    if (failed?.timedOut) {
      // A stall is not a refusal: the proxy's state is unknown, and the run ends as a timeout (exit 4).
      push(PROXY_RULES.adminTimeout, `the proxy's admin port ${admin.port} did not answer in time: ${failed.error}`, `try again, or raise --request-timeout; if it persists, ${logs(CONTAINER.proxy)}`)
    } else if (failed) {
      push(PROXY_RULES.adminUnreachable, `the proxy's admin port ${admin.port} could not be reached: ${failed.error}`, `check that the proxy container runs (${logs(CONTAINER.proxy)}) and that the linkerd-admin port is declared`)
    } else {
      if (admin.ready && !answered(admin.ready, 200) && !problems.some((p) => p.rule === PROXY_RULES.notReady.id)) {
        push(PROXY_RULES.notReady, `the proxy's /ready answered ${admin.ready.status}${admin.ready.body ? ` "${admin.ready.body.trim()}"` : ''}; it turns 200 once the proxy has its identity certificate`, `${logs(CONTAINER.proxy)} | grep -i identity`)
      }
      if (admin.live && !answered(admin.live, 200)) {
        push(PROXY_RULES.notLive, `the proxy's /live answered ${admin.live.status}`, logs(CONTAINER.proxy))
      }
    }
  }
  return health
}

/** The pod's proxy version (linkerd.io/proxy-version, else the proxy image tag). */
export function podProxyVersion(pod: V1Pod): string | undefined {
  const annotated = pod.metadata?.annotations?.[ANNOTATION.injectedProxyVersion]
  if (annotated) return annotated
  const image = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === CONTAINER.proxy)?.image
  const tag = image?.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : undefined
  return tag && !tag.includes('/') ? tag : undefined
}

export function versionProblems(snapshot: PodSnapshot, subject: ProblemSubject, restart: string): Problem[] {
  const proxy = podProxyVersion(snapshot.pod)
  const cp = snapshot.controlPlaneVersion
  if (!proxy || !cp || proxy === cp) return []
  return [
    {
      rule: PROXY_RULES.versionSkew.id,
      severity: PROXY_RULES.versionSkew.severity,
      subject,
      message: `the proxy is ${proxy} but the control plane is ${cp}`,
      fix: `${restart} so the injector gives it the current proxy (unless config.linkerd.io/proxy-version pins it on purpose)`,
    },
  ]
}

const BAD_WAITING = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'InvalidImageName'])

/** The application's own containers: one that cannot start makes the pod look like a mesh problem. */
export function appContainerProblems(pod: V1Pod, subject: ProblemSubject): Problem[] {
  const problems: Problem[] = []
  const ns = pod.metadata?.namespace ?? ''
  const name = pod.metadata?.name ?? ''
  for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    if (status.name === CONTAINER.proxy || status.name === CONTAINER.init) continue
    const waiting = status.state?.waiting?.reason
    if (!waiting || !BAD_WAITING.has(waiting)) continue
    const last = status.lastState?.terminated
    problems.push({
      rule: PROXY_RULES.containerCrashLoop.id,
      severity: PROXY_RULES.containerCrashLoop.severity,
      subject: {...subject, container: status.name},
      message: `container ${status.name} is ${waiting} after ${status.restartCount} restarts${last ? `; last termination: ${last.reason ?? 'Error'} (exit ${last.exitCode})` : ''}; this is the application, not the proxy`,
      fix: waiting.includes('Image') ? `check the image of container ${status.name}` : `kubectl logs -n ${ns} ${name} -c ${status.name} --previous`,
    })
  }
  return problems
}
