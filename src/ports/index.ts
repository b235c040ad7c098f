// Port rules for Linkerd-meshed pods: one implementation for `diagnose ports`, `diagnose pod` and
// `check --proxy`.
//
//   analyzePorts(pod, {namespaceAnnotations, defaults, subject}) -> PortAnalysis
//     pod: any pod-like object (a live Pod, or a workload's pod template with its metadata);
//     namespaceAnnotations: the namespace's annotations when known (they are inherited; leave
//       undefined offline, which makes the mesh state "unknown" but still runs every rule);
//     defaults: the cluster's proxy ports and opaque/skip lists when read from linkerd-config.
//   Result: `ports` (one row per declared container port and what the mesh does with it) and
//   `problems` (rule id, severity, subject, message, one-line fix), errors first.
//
//   analyzeService(svc) -> problems of Services that point outside the cluster (ExternalName or
//     no selector): opaque-ports there does nothing, server-speaks-first ports need skipping.
//   PORT_RULES / PORT_RULE_LIST: the rule catalogue (ids are stable, see docs/diagnose.md).
export {analyzePorts, type AnalyzeOptions, type PortAnalysis, type PortMode, type PortRow, type ListSummary} from './analyze.js'
export {LINKERD_DEFAULTS} from './chart-defaults.js'
export {DEFAULT_MESH, proxyContainer, resolveMeshConfig, type MeshConfig, type MeshDefaults, type MeshState, type ProxyPortRole, type SettingSource} from './mesh-config.js'
export type {ContainerLike, ContainerPortLike, PodLike} from './pod-like.js'
export {formatRanges, listRanges, parsePortList, rangesContain, type PortList, type PortRange} from './port-list.js'
export {describeSubject, SEVERITY_ORDER, sortProblems, worstSeverity, type Problem, type ProblemSubject, type Severity} from './problem.js'
export {OPAQUE_PROTOCOLS, opaqueProtocolOf, saysHttp} from './protocols.js'
export {PORT_RULE_LIST, PORT_RULES, type RuleInfo} from './rules.js'
export {analyzeService, isOffClusterService, type ServiceAnalysis, type ServiceLike} from './service.js'
export {meshDefaultsFromValues} from './values-defaults.js'
