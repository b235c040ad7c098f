// Port rules for Services that point outside the cluster (type ExternalName, or no selector and
// hand-made Endpoints). Meshed clients have no service discovery for such targets, so an
// `opaque-ports` annotation there does nothing, and server-speaks-first protocols stall in the
// client proxy's protocol detection: Linkerd's docs say to skip these ports on the clients
// (`config.linkerd.io/skip-outbound-ports`) instead (linkerd/linkerd2#7768, linkerd/website#1848).
import {ANNOTATION} from '../mesh/names.js'
import {formatRange, listRanges, parsePortList} from './port-list.js'
import type {Problem, ProblemSubject} from './problem.js'
import {opaqueProtocolOf} from './protocols.js'
import {PORT_RULES} from './rules.js'

export interface ServiceLike {
  metadata?: {name?: string | undefined; namespace?: string | undefined; annotations?: Record<string, string> | null | undefined} | null | undefined
  spec?: {
    type?: string | undefined
    externalName?: string | undefined
    selector?: Record<string, string> | null | undefined
    ports?: Array<{port?: number | undefined; name?: string | undefined; protocol?: string | undefined; appProtocol?: string | undefined; targetPort?: number | string | undefined}> | null | undefined
  } | null | undefined
}

export interface ServiceAnalysis {
  subject: ProblemSubject
  offCluster: boolean
  problems: Problem[]
}

export function isOffClusterService(svc: ServiceLike): boolean {
  return svc.spec?.type === 'ExternalName' || Object.keys(svc.spec?.selector ?? {}).length === 0
}

export function analyzeService(svc: ServiceLike, options: {subject?: ProblemSubject} = {}): ServiceAnalysis {
  const subject: ProblemSubject = options.subject ?? {
    kind: 'Service',
    name: svc.metadata?.name ?? '(unnamed)',
    ...(svc.metadata?.namespace ? {namespace: svc.metadata.namespace} : {}),
  }
  const offCluster = isOffClusterService(svc)
  const problems: Problem[] = []
  if (!offCluster) return {subject, offCluster, problems}
  const target = svc.spec?.type === 'ExternalName' ? `ExternalName ${svc.spec.externalName ?? ''}`.trim() : 'a Service without a selector'
  const opaque = svc.metadata?.annotations?.[ANNOTATION.opaquePorts]
  const opaqueRanges = opaque === undefined ? [] : listRanges(parsePortList(opaque))
  const reported = new Set<number>()
  for (const range of opaqueRanges) {
    const port = range.low
    problems.push({
      rule: PORT_RULES.opaqueOffCluster.id,
      severity: PORT_RULES.opaqueOffCluster.severity,
      subject: {...subject, port},
      message: `${target} is annotated ${ANNOTATION.opaquePorts}: "${opaque}" (${formatRange(range)}); meshed clients get no discovery for an off-cluster target, so the annotation has no effect`,
      fix: `remove the annotation and set ${ANNOTATION.skipOutboundPorts}: "${formatRange(range)}" on the clients' pod templates`,
    })
    for (let p = range.low; p <= range.high && p - range.low < 65536; p++) reported.add(p)
  }
  for (const p of svc.spec?.ports ?? []) {
    if (typeof p.port !== 'number' || reported.has(p.port) || (p.protocol ?? 'TCP').toUpperCase() !== 'TCP') continue
    const proto = opaqueProtocolOf({containerPort: p.port, name: p.name, appProtocol: p.appProtocol})
    if (!proto) continue
    problems.push({
      rule: PORT_RULES.offClusterServerSpeaksFirst.id,
      severity: PORT_RULES.offClusterServerSpeaksFirst.severity,
      subject: {...subject, port: p.port},
      message: `${target} serves ${proto.protocol} on port ${p.port}, a protocol the client proxy cannot detect; meshed clients stall for the 10s detect timeout unless they skip it`,
      fix: `set ${ANNOTATION.skipOutboundPorts}: "${p.port}" on the pod templates of the meshed clients of this Service`,
    })
  }
  return {subject, offCluster, problems}
}
