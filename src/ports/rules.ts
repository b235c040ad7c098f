// The catalogue of port rules: stable ids (documented in docs/diagnose.md), default severities and
// what each one is about. The ids are a public contract (--only/--skip, JSON consumers).
import type {Severity} from './problem.js'

export interface RuleInfo {
  id: string
  severity: Severity
  title: string
}

export const PORT_RULES = {
  proxyPortConflict: {id: 'ports.proxy-port-conflict', severity: 'error', title: 'an application port collides with a proxy port'},
  proxyPortsOverlap: {id: 'ports.proxy-ports-overlap', severity: 'error', title: 'two proxy ports are configured to the same number'},
  annotationInvalid: {id: 'ports.annotation-invalid', severity: 'error', title: 'a port annotation has an item Linkerd ignores'},
  annotationNameUnresolved: {id: 'ports.annotation-name-unresolved', severity: 'error', title: 'opaque-ports names a port no container declares'},
  annotationPortUndeclared: {id: 'ports.annotation-port-undeclared', severity: 'warning', title: 'a skip or opaque annotation names a port no container declares'},
  opaqueHttp: {id: 'ports.opaque-http', severity: 'warning', title: 'an HTTP or gRPC port is marked opaque'},
  opaqueOffCluster: {id: 'ports.opaque-off-cluster', severity: 'warning', title: 'opaque-ports used for what looks like an off-cluster target'},
  offClusterServerSpeaksFirst: {id: 'ports.off-cluster-server-speaks-first', severity: 'warning', title: 'an off-cluster Service speaks a protocol meshed clients must skip'},
  serverSpeaksFirst: {id: 'ports.server-speaks-first', severity: 'error', title: 'a server-speaks-first or undetectable protocol port is neither opaque nor skipped'},
  skipAndOpaque: {id: 'ports.skip-and-opaque', severity: 'info', title: 'a port is both skipped and opaque'},
  udpNotProxied: {id: 'ports.udp-not-proxied', severity: 'info', title: 'a UDP port bypasses the proxy'},
} as const satisfies Record<string, RuleInfo>

export const PORT_RULE_LIST: readonly RuleInfo[] = Object.values(PORT_RULES)
