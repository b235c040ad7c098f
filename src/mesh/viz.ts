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
