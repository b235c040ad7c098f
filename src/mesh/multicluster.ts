// The multicluster extension's objects and names (linkerd2 multicluster/, pkg/k8s labels.go,
// controller/gen/apis/link): Links, their credentials Secrets, the per-Link service-mirror
// controllers and the mirror Services they create.
export const MULTICLUSTER_EXTENSION = 'multicluster'
/** The extension's name before stable-2.10. */
export const MULTICLUSTER_LEGACY_EXTENSION = 'linkerd-multicluster'

export const LINK_GROUP = 'multicluster.linkerd.io'
export const LINK_VERSION = 'v1alpha3'
export const LINK_PLURAL = 'links'
export const LINK_CRD = `${LINK_PLURAL}.${LINK_GROUP}`

/** The key of a Link's credentials Secret that holds the target cluster's kubeconfig. */
export const CREDENTIALS_KEY = 'kubeconfig'

/** Valid only as a label: the service mirror selects the Services to export by it. */
export const EXPORTED_SERVICE_LABEL = 'mirror.linkerd.io/exported'
export const MIRRORED_SERVICE_LABEL = 'mirror.linkerd.io/mirrored-service'
export const MIRRORED_GATEWAY_LABEL = 'mirror.linkerd.io/mirrored-gateway'
export const REMOTE_CLUSTER_LABEL = 'mirror.linkerd.io/cluster-name'
export const REMOTE_DISCOVERY_LABEL = 'multicluster.linkerd.io/remote-discovery'
/** Federated services need no endpoints of their own. */
export const REMOTE_DISCOVERY_ANNOTATION = 'multicluster.linkerd.io/remote-discovery'
export const LOCAL_DISCOVERY_ANNOTATION = 'multicluster.linkerd.io/local-discovery'

/** `component` label of a Link's controller: `controller` (the extension's chart) or `service-mirror` (legacy `linkerd multicluster link`). */
export const CONTROLLER_COMPONENTS = ['service-mirror', 'controller'] as const
export const LEGACY_CONTROLLER_COMPONENT = 'service-mirror'

/** The controller's admin port is the container port whose name ends in this (`ctrl-admin`). */
export const ADMIN_PORT_SUFFIX = '-admin'
export const CONTROLLER_CONTAINERS = ['service-mirror', 'controller'] as const
/** Per target cluster: 1 while the probes to its gateway succeed. */
export const GATEWAY_ALIVE_METRIC = 'gateway_alive'

/** Names of a Link's RBAC in the chart's form and in the legacy `link` command's form. */
export const mirrorRbac = (target: string) => ({
  serviceAccounts: [`linkerd-service-mirror-${target}`, `controller-${target}`],
  clusterRoles: [`linkerd-service-mirror-access-local-resources-${target}`, 'linkerd-multicluster-controller-access-local-resources'],
  clusterRoleBindings: [`linkerd-service-mirror-access-local-resources-${target}`, `linkerd-multicluster-controller-access-local-resources-${target}`],
  roles: [`linkerd-service-mirror-read-remote-creds-${target}`, `controller-read-remote-creds-${target}`],
})

/** The Lease whose holder runs a Link's gateway probes. */
export const probeLease = (target: string) => `service-mirror-write-${target}`
