// The linkerd-cni plugin's objects (linkerd2 charts/linkerd2-cni, pkg/healthcheck): what
// `linkerd check` looks for when linkerd-config's values say cniEnabled.
export const CNI_DEFAULT_NAMESPACE = 'linkerd-cni'
/** The name of the plugin's ServiceAccount, ClusterRole, ClusterRoleBinding and DaemonSet. */
export const CNI_RESOURCE_NAME = 'linkerd-cni'
export const CNI_CONFIG_MAP = 'linkerd-cni-config'
