// `meshport diagnose pod` against what the cluster and Linkerd say about the same pod, and
// `meshport diagnose proxy-metrics` against `linkerd diagnostics proxy-metrics`.
import type {LinkerdCheckDoc} from './check.js'
import {comparison, exitProblems, type Comparison} from './comparison.js'

/** The fields of meshport's PodReport (docs/diagnose.md) these comparisons read. */
export interface PodReport {
  kind: string
  pod?: {name: string; namespace: string}
  mesh?: {meshed: boolean; reason?: string; sidecar?: string}
  version?: {proxy?: string; controlPlane?: string}
  counts?: {error: number}
  problems?: Array<{rule: string; severity?: string}>
}

export interface PodExpectation {
  exit: number
  expect: 'meshed' | 'not-meshed'
  /** not-meshed: a rule id the report must contain (e.g. `mesh.inject-disabled`). */
  rule?: string
  /** What `linkerd version --short` says the control plane runs. */
  controlPlaneVersion?: string
  /** The pod as the API server has it (`kubectl get pod -o json`). */
  pod?: {metadata: {annotations?: Record<string, string>}; spec: {containers: Array<{name: string}>; initContainers?: Array<{name: string}>}}
  /** `linkerd check --proxy -o json`: a meshed pod is healthy exactly when it passes. */
  linkerdCheck?: LinkerdCheckDoc[]
}

export function expectPodReport(report: PodReport, expected: PodExpectation): Comparison {
  // Exit 1 means an error-severity problem; a pod whose injection is disabled is only `info`.
  const problems = exitProblems('meshport diagnose pod', expected.exit, 0)
  const name = `pod ${report.pod?.namespace ?? '?'}/${report.pod?.name ?? '?'}`
  if (report.kind !== 'PodReport') problems.push(`not a PodReport: kind ${report.kind}`)
  const rules = (report.problems ?? []).map((p) => p.rule)
  const hasProxy = expected.pod === undefined ? undefined : [...(expected.pod.spec.initContainers ?? []), ...expected.pod.spec.containers].some((c) => c.name === 'linkerd-proxy')
  if (expected.expect === 'meshed') {
    if (report.mesh?.meshed !== true) problems.push(`${name}: meshport says not meshed (${report.mesh?.reason ?? 'no reason'})`)
    if (report.mesh?.sidecar !== 'native') problems.push(`${name}: sidecar ${report.mesh?.sidecar ?? '(none)'}, Linkerd injects a native sidecar`)
    if ((report.counts?.error ?? 1) !== 0) problems.push(`${name}: ${report.counts?.error ?? '?'} errors: ${rules.join(', ')}`)
    if (hasProxy === false) problems.push(`${name}: the API server's pod has no linkerd-proxy container`)
    const proxy = report.version?.proxy
    if (proxy === undefined || proxy !== report.version?.controlPlane) problems.push(`${name}: proxy version ${proxy ?? '(none)'}, control plane ${report.version?.controlPlane ?? '(none)'}`)
    if (expected.controlPlaneVersion !== undefined && report.version?.controlPlane !== expected.controlPlaneVersion) problems.push(`${name}: control plane version ${report.version?.controlPlane ?? '(none)'}, linkerd version says ${expected.controlPlaneVersion}`)
    const annotated = expected.pod?.metadata.annotations?.['linkerd.io/proxy-version']
    if (expected.pod !== undefined && annotated !== proxy) problems.push(`${name}: proxy version ${proxy ?? '(none)'}, the pod's linkerd.io/proxy-version is ${annotated ?? '(absent)'}`)
    if (expected.linkerdCheck !== undefined) {
      const linkerdHealthy = expected.linkerdCheck.length > 0 && expected.linkerdCheck.every((d) => d.success)
      if (!linkerdHealthy) problems.push(`${name}: linkerd check --proxy fails, so the data plane is not healthy`)
    }
  } else {
    if (report.mesh?.meshed !== false) problems.push(`${name}: meshport says meshed, expected not meshed`)
    if (hasProxy === true) problems.push(`${name}: the API server's pod does have a linkerd-proxy container`)
    if (expected.rule !== undefined && !rules.includes(expected.rule)) problems.push(`${name}: no ${expected.rule} problem (rules: ${rules.join(', ') || 'none'}; reason: ${report.mesh?.reason ?? 'none'})`)
  }
  return comparison(`diagnose: ${name} meshed=${report.mesh?.meshed} (${report.mesh?.reason ?? 'no reason'}), proxy ${report.version?.proxy ?? '-'}, control plane ${report.version?.controlPlane ?? '-'}`, problems)
}

interface PodMetrics {
  families: Set<string>
  error?: string
}

/** `# POD name (i of n)` sections of `diagnostics proxy-metrics` output, with their metric families. */
export function parseProxyMetrics(text: string): Map<string, PodMetrics> {
  const pods = new Map<string, PodMetrics>()
  let current: PodMetrics | undefined
  for (const line of text.split('\n')) {
    const header = /^# POD (\S+) \(\d+ of \d+\)$/.exec(line)
    if (header) {
      current = {families: new Set()}
      pods.set(header[1]!, current)
      continue
    }
    if (current === undefined) continue
    const type = /^# TYPE (\S+) \S+/.exec(line)
    if (type) current.families.add(type[1]!)
    const error = /^# ERROR:? (.*)$/.exec(line)
    if (error) current.error = error[1] ?? ''
  }
  return pods
}

/** Same pods, each with the same metric families (`# TYPE` lines), and no pod in error. */
export function compareProxyMetrics(meshportText: string, linkerdText: string, meshportExit: number, linkerdExit: number): Comparison {
  const problems = [...exitProblems('meshport diagnose proxy-metrics', meshportExit, 0), ...exitProblems('linkerd diagnostics proxy-metrics', linkerdExit, 0)]
  const ours = parseProxyMetrics(meshportText)
  const theirs = parseProxyMetrics(linkerdText)
  if (theirs.size === 0) problems.push('linkerd printed no pod')
  for (const pod of new Set([...ours.keys(), ...theirs.keys()])) {
    const m = ours.get(pod)
    const l = theirs.get(pod)
    if (m === undefined || l === undefined) {
      problems.push(`pod ${pod}: printed by ${m ? 'meshport' : 'linkerd'} only`)
      continue
    }
    if (m.error !== undefined) problems.push(`pod ${pod}: meshport error ${m.error}`)
    if (l.error !== undefined) problems.push(`pod ${pod}: linkerd error ${l.error}`)
    if (m.families.size === 0) problems.push(`pod ${pod}: meshport printed no metric family`)
    const onlyOurs = [...m.families].filter((f) => !l.families.has(f))
    const onlyTheirs = [...l.families].filter((f) => !m.families.has(f))
    if (onlyOurs.length > 0) problems.push(`pod ${pod}: families only meshport printed: ${onlyOurs.join(', ')}`)
    if (onlyTheirs.length > 0) problems.push(`pod ${pod}: families only linkerd printed: ${onlyTheirs.join(', ')}`)
  }
  const families = [...theirs.values()].reduce((n, p) => n + p.families.size, 0)
  return comparison(`proxy-metrics: ${theirs.size} pods from linkerd, ${ours.size} from meshport, ${families} families`, problems)
}
