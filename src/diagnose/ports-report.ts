// `diagnose ports`: the port analysis of many pods or pod templates, as one report with a
// schemaVersion for -o json, and the exit-code verdict (1 when any problem is an error).
import {analyzePorts, analyzeService, type MeshDefaults, type PodLike, type PortAnalysis, type Problem, type ServiceAnalysis, type ServiceLike, sortProblems, type ProblemSubject} from '../ports/index.js'
import type {ManifestSet} from './manifest-workloads.js'
import {selectProblems} from './rules.js'

export const PORTS_SCHEMA_VERSION = 1

export interface ProblemCounts {
  error: number
  warning: number
  info: number
}

export interface PortsReport {
  schemaVersion: number
  kind: 'PortsReport'
  /** Where the pods came from: manifests on disk or a live cluster. */
  origin: 'manifests' | 'cluster'
  targets: PortAnalysis[]
  /** Services that point outside the cluster (ExternalName or no selector), with their problems. */
  services: ServiceAnalysis[]
  problems: Problem[]
  counts: ProblemCounts
}

export function countProblems(problems: readonly Problem[]): ProblemCounts {
  const counts: ProblemCounts = {error: 0, warning: 0, info: 0}
  for (const p of problems) counts[p.severity]++
  return counts
}

export function buildPortsReport(origin: PortsReport['origin'], targets: PortAnalysis[], services: ServiceAnalysis[] = []): PortsReport {
  const offCluster = services.filter((s) => s.offCluster)
  const problems = sortProblems([...targets.flatMap((t) => t.problems), ...offCluster.flatMap((s) => s.problems)])
  return {schemaVersion: PORTS_SCHEMA_VERSION, kind: 'PortsReport', origin, targets, services: offCluster, problems, counts: countProblems(problems)}
}

/** Offline: one analysis per workload pod template; Namespaces in the same input are inherited. */
export function analyzeManifests(set: ManifestSet, defaults?: Partial<MeshDefaults>): PortsReport {
  const targets = set.workloads.map((w) => {
    // The template's own metadata rarely carries a name; the workload's name is the useful one.
    const subject: ProblemSubject = {kind: w.kind, name: w.name, ...(w.namespace ? {namespace: w.namespace} : {}), source: w.source}
    return analyzePorts(w.template, {
      subject,
      namespaceAnnotations: w.namespace === undefined ? undefined : set.namespaces.get(w.namespace),
      defaults,
    })
  })
  const services = set.services.map((s) =>
    analyzeService(s.service, {subject: {kind: 'Service', name: s.name, ...(s.namespace ? {namespace: s.namespace} : {}), source: s.source}}),
  )
  return buildPortsReport('manifests', targets, services)
}

export interface LivePod {
  pod: PodLike
  namespaceAnnotations: Record<string, string> | undefined
}

/** Live: one analysis per pod, with its namespace's annotations and the cluster's defaults. */
export function analyzeLivePods(pods: readonly LivePod[], defaults?: Partial<MeshDefaults>, services: readonly ServiceLike[] = []): PortsReport {
  return buildPortsReport(
    'cluster',
    pods.map(({pod, namespaceAnnotations}) => analyzePorts(pod, {namespaceAnnotations, defaults, live: true})),
    services.map((s) => analyzeService(s)),
  )
}

/** The report with only the problems --only/--skip keep, counts recomputed. */
export function selectPortsReport(report: PortsReport, only: readonly string[], skip: readonly string[]): PortsReport {
  if (only.length === 0 && skip.length === 0) return report
  const problems = selectProblems(report.problems, only, skip)
  return {
    ...report,
    targets: report.targets.map((t) => ({...t, problems: selectProblems(t.problems, only, skip)})),
    services: report.services.map((s) => ({...s, problems: selectProblems(s.problems, only, skip)})),
    problems,
    counts: countProblems(problems),
  }
}
