// The viz extension's objects (linkerd2 viz/charts/linkerd-viz, viz/pkg/healthcheck): what
// `linkerd check` looks for in the namespace labelled `linkerd.io/extension=viz`.
export const VIZ_EXTENSION = 'viz'
/** On the viz namespace when viz uses a Prometheus it did not install. */
export const EXTERNAL_PROMETHEUS_ANNOTATION = 'viz.linkerd.io/external-prometheus'
export const TAP_API_SERVICE = 'v1alpha1.tap.linkerd.io'
/** The tap server's certificate: the current secret, then the pre-2.9 one. */
export const TAP_SECRET = 'tap-k8s-tls'
export const TAP_LEGACY_SECRET = 'linkerd-tap-tls'
/** Components `linkerd viz check` requires a running pod of (their `component` label). */
export const VIZ_COMPONENTS = ['web', 'tap', 'metrics-api', 'tap-injector'] as const
export const PROMETHEUS_COMPONENT = 'prometheus'
export const PROMETHEUS_CONFIG_MAP = 'prometheus-config'
export const PROMETHEUS_PORT = 9090
/** The AuthorizationPolicy `linkerd viz allow-scrapes` writes into a namespace. */
export const SCRAPE_POLICY = 'prometheus-scrape'

export const vizClusterRoles = (ns: string): string[] => [`linkerd-${ns}-tap`, `linkerd-${ns}-metrics-api`, `linkerd-${ns}-tap-admin`, 'linkerd-tap-injector']
export const vizClusterRoleBindings = (ns: string): string[] => [`linkerd-${ns}-tap`, `linkerd-${ns}-metrics-api`, `linkerd-${ns}-tap-auth-delegator`, 'linkerd-tap-injector']
export const prometheusRbac = (ns: string): string => `linkerd-${ns}-prometheus`

// The Prometheus side (linkerd/linkerd2 viz/charts/linkerd-viz/templates/prometheus.yaml,
// viz/pkg/prometheus/prometheus.go, pkg/k8s/k8s.go KindToL5DLabel): where `linkerd viz install`
// puts its Prometheus, and the labels its `linkerd-proxy` scrape job gives every proxy series.

/** The namespace `linkerd viz install` uses. */
export const VIZ_NAMESPACE = 'linkerd-viz'

/** viz's Prometheus: Service `prometheus`, port 9090 (named `admin`). */
export const VIZ_PROMETHEUS = {port: PROMETHEUS_PORT, service: PROMETHEUS_COMPONENT} as const

/** The interval viz's Prometheus scrapes proxies at (its chart's global scrape_interval). */
export const VIZ_SCRAPE_INTERVAL_SECONDS = 10

/**
 * The label viz's relabelling gives a pod's series for its owner of this kind (canonical lower-case
 * kind name, as in src/resources/kinds.ts), from the injector's `linkerd.io/proxy-<kind>` pod label:
 * `deployment`, `statefulset`, …, and `k8s_job` for jobs (Prometheus' own `job` label is taken).
 * Undefined for kinds that get no label (namespaces are the `namespace` label itself; custom kinds).
 */
export function vizOwnerLabel(kind: string): string | undefined {
  return OWNER_LABELS[kind]
}

const OWNER_LABELS: Record<string, string> = {
  cronjob: 'cronjob',
  daemonset: 'daemonset',
  deployment: 'deployment',
  job: 'k8s_job',
  pod: 'pod',
  replicaset: 'replicaset',
  replicationcontroller: 'replicationcontroller',
  statefulset: 'statefulset',
}

/** The pod label the injector writes for an owner of this kind (`linkerd.io/proxy-deployment`), which viz's relabelling turns into vizOwnerLabel. */
export function injectorOwnerLabel(kind: string): string | undefined {
  if (kind === 'pod' || !(kind in OWNER_LABELS)) return undefined
  return `linkerd.io/proxy-${kind}`
}

/**
 * The scrape-config rules (viz's `linkerd-proxy` job) that add a label, for messages that tell a
 * Prometheus that lacks it what to add.
 */
export function relabelRuleFor(label: string): string {
  if (label === 'namespace') return 'source_labels: [__meta_kubernetes_namespace], target_label: namespace'
  if (label === 'pod') return 'source_labels: [__meta_kubernetes_pod_name], target_label: pod'
  if (label === 'k8s_job') return 'source_labels: [__meta_kubernetes_pod_label_linkerd_io_proxy_job], target_label: k8s_job'
  return 'action: labelmap, regex: __meta_kubernetes_pod_label_linkerd_io_proxy_(.+)'
}
