// `diagnose pod`: one report for one pod from its snapshot — mesh status, proxy health, version,
// identity (mTLS from the proxy's metrics) and the port rules — as one JSON document.
import {MetricsParseError, parsePrometheusText} from '../metrics/parse.js'
import {analyzePorts, type MeshDefaults, type PortAnalysis, type Problem, type ProblemSubject, sortProblems} from '../ports/index.js'
import {identityProblems, identityStatus, type IdentityStatus} from './identity.js'
import {meshStatus, type MeshStatus} from './mesh-status.js'
import type {PodSnapshot} from './pod-snapshot.js'
import {countProblems, type ProblemCounts} from './ports-report.js'
import {selectProblems} from './rules.js'
import {appContainerProblems, podProxyVersion, PROXY_RULES, proxyHealth, type ProxyHealth, versionProblems} from './proxy-health.js'

export const POD_SCHEMA_VERSION = 1

export interface PodReport {
  schemaVersion: number
  kind: 'PodReport'
  pod: {name: string; namespace: string; phase: string; node?: string; owner?: string; created?: string}
  mesh: Omit<MeshStatus, 'problems'>
  health: Omit<ProxyHealth, 'problems'>
  version: {proxy?: string; controlPlane?: string; build?: string}
  /** Present for meshed pods whose metrics were read; `error` when they could not be. */
  identity?: IdentityStatus | {error: string}
  ports: Omit<PortAnalysis, 'problems' | 'subject'>
  problems: Problem[]
  counts: ProblemCounts
}

export function buildPodReport(snapshot: PodSnapshot, options: {defaults?: Partial<MeshDefaults> | undefined; nowSeconds: number}): PodReport {
  const {pod} = snapshot
  const name = pod.metadata?.name ?? ''
  const namespace = pod.metadata?.namespace ?? ''
  const subject: ProblemSubject = {kind: 'Pod', name, namespace}
  const owner = snapshot.owner ? `${snapshot.owner.kind.toLowerCase()}/${snapshot.owner.name}` : undefined
  const restart = `kubectl rollout restart ${owner ?? `pod/${name}`} -n ${namespace}`

  const {problems: meshProblems, ...mesh} = meshStatus(snapshot, subject)
  const {problems: healthProblems, ...health} = mesh.meshed ? proxyHealth(snapshot, subject) : {problems: [] as Problem[]}
  const {problems: portProblems, subject: _subject, ...ports} = analyzePorts(pod, {namespaceAnnotations: snapshot.namespace?.metadata?.annotations ?? (snapshot.namespace ? {} : undefined), defaults: options.defaults, subject, live: true})

  let identity: PodReport['identity']
  const problems: Problem[] = [...meshProblems, ...healthProblems, ...appContainerProblems(pod, subject), ...portProblems]
  const metrics = snapshot.admin?.metrics
  let build: string | undefined
  if (mesh.meshed && metrics && metrics.error === undefined) {
    if (metrics.status === 200 && metrics.body !== undefined) {
      try {
        const status = identityStatus(parsePrometheusText(metrics.body), snapshot.admin?.port ?? 4191)
        identity = status
        build = status.proxyVersion
        problems.push(...identityProblems(status, subject, options.nowSeconds))
      } catch (err) {
        const detail = err instanceof MetricsParseError ? err.message : String(err)
        identity = {error: `unparseable /metrics: ${detail}`}
        problems.push({
          rule: PROXY_RULES.metricsUnparseable.id,
          severity: PROXY_RULES.metricsUnparseable.severity,
          subject,
          message: `the proxy's /metrics is not Prometheus text (${detail}), so its mTLS status is unknown`,
          fix: `check what answers on admin port ${snapshot.admin?.port ?? 4191}: meshport diagnose proxy-metrics po/${name} -n ${namespace}`,
        })
      }
    } else {
      identity = {error: `/metrics answered ${metrics.status}`}
    }
  }
  if (mesh.meshed) problems.push(...versionProblems(snapshot, subject, restart))

  const proxyVersion = mesh.meshed ? podProxyVersion(pod) : undefined
  const created = pod.metadata?.creationTimestamp
  return {
    schemaVersion: POD_SCHEMA_VERSION,
    kind: 'PodReport',
    pod: {
      name,
      namespace,
      phase: pod.status?.phase ?? 'Unknown',
      ...(pod.spec?.nodeName ? {node: pod.spec.nodeName} : {}),
      ...(owner ? {owner} : {}),
      ...(created ? {created: created instanceof Date ? created.toISOString() : String(created)} : {}),
    },
    mesh,
    health,
    version: {...(proxyVersion ? {proxy: proxyVersion} : {}), ...(snapshot.controlPlaneVersion ? {controlPlane: snapshot.controlPlaneVersion} : {}), ...(build ? {build} : {})},
    ...(identity ? {identity} : {}),
    ports,
    problems: sortProblems(problems),
    counts: countProblems(problems),
  }
}

/** Something the report needed did not answer in time (and nothing worse was found): exit 4. */
export function podReportTimedOut(report: Pick<PodReport, 'problems'>): boolean {
  return report.problems.some((p) => p.rule === PROXY_RULES.adminTimeout.id)
}

export function selectPodReport(report: PodReport, only: readonly string[], skip: readonly string[]): PodReport {
  if (only.length === 0 && skip.length === 0) return report
  const problems = selectProblems(report.problems, only, skip)
  return {...report, problems, counts: countProblems(problems)}
}
