// The linkerd-cni plugin as its chart (linkerd2 charts/linkerd2-cni) installs it, for clusters
// whose scenario says `linkerd.cni`: ServiceAccount, ClusterRole and binding, the plugin's
// ConfigMap. Its namespace and DaemonSet (with one pod per node) go through build.ts.
import {timestamp, uid} from './names.js'
import type {CniSpec} from './scenario.js'

type Json = Record<string, unknown>

export const CNI_LABELS = {'linkerd.io/cni-resource': 'true'}
export const CNI_NAME = 'linkerd-cni'

export function cniObjects(cni: CniSpec, created: number): Json[] {
  const ns = cni.namespace
  const meta = (name: string, namespace?: string): Json => ({creationTimestamp: timestamp(created), labels: CNI_LABELS, name, ...(namespace ? {namespace} : {}), resourceVersion: '1', uid: uid(`${namespace ?? ''}/${name}/cni`)})
  const conflist = {
    cniVersion: '0.3.1',
    name: 'linkerd-cni',
    type: 'linkerd-cni',
    log_level: 'info',
    policy: {type: 'k8s', k8s_api_root: 'https://__KUBERNETES_SERVICE_HOST__:__KUBERNETES_SERVICE_PORT__', k8s_auth_token: '__SERVICEACCOUNT_TOKEN__'},
    kubernetes: {kubeconfig: '__KUBECONFIG_FILEPATH__'},
    linkerd: {'incoming-proxy-port': 4143, 'outgoing-proxy-port': 4140, 'proxy-uid': 2102, 'ports-to-redirect': [], 'inbound-ports-to-ignore': ['4191', '4190'], 'simulate': false, 'use-wait-flag': false},
  }
  return [
    {apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(CNI_NAME, ns)},
    {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(CNI_NAME), rules: [{apiGroups: [''], resources: ['pods', 'nodes', 'namespaces', 'services'], verbs: ['list', 'get', 'watch']}]},
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(CNI_NAME),
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CNI_NAME},
      subjects: [{kind: 'ServiceAccount', name: CNI_NAME, namespace: ns}],
    },
    {apiVersion: 'v1', data: {cni_network_config: JSON.stringify(conflist, null, 2), dest_cni_bin_dir: '/opt/cni/bin', dest_cni_net_dir: '/etc/cni/net.d'}, kind: 'ConfigMap', metadata: meta('linkerd-cni-config', ns)},
  ]
}
