// What `linkerd viz install` (viz/charts/linkerd-viz, edge-26.8) leaves in a cluster, for the
// scenario key `extensions.viz`: the namespace's labels, the five meshed Deployments with their
// Services, service accounts, cluster roles and bindings, the tap and tap-injector serving
// certificates (self-signed for `tap.<ns>.svc`, as the chart generates them), the tap APIService
// (Available only while tap is ready, as kube-aggregator reports it), the tap-injector webhook and
// Prometheus' configuration. The Deployments go through build.ts like any other workload, so a
// notReady component has unready pods, Deployment status and endpoints.
import {stringify} from 'yaml'

import {timestamp, uid} from './names.js'
import {createCertificate} from './pki.js'
import type {LinkerdSpec, VizSpec} from './scenario.js'

type Json = Record<string, unknown>

export const VIZ_NAMESPACE_LABELS = {'linkerd.io/extension': 'viz', 'pod-security.kubernetes.io/enforce': 'privileged'}

export interface VizWorkload {
  annotations: Record<string, string>
  component: string
  containers: Json[]
  name: string
  ready: boolean
  serviceAccount: string
  /** The pod labels, which the Deployment and the Service select on. */
  selector: Record<string, string>
  servicePorts: Array<{name: string; port: number; targetPort: number}>
  workloadLabels: Record<string, string>
}

const port = (name: string, containerPort: number): Json => ({containerPort, name, protocol: 'TCP'})

function probes(adminPort: number, ready = '/ready', live = '/ping'): Json {
  return {livenessProbe: {httpGet: {path: live, port: adminPort}, initialDelaySeconds: 10}, readinessProbe: {failureThreshold: 7, httpGet: {path: ready, port: adminPort}}}
}

export function vizWorkloads(viz: VizSpec, l: LinkerdSpec): VizWorkload[] {
  const ns = viz.namespace
  const image = (name: string): string => `cr.l5d.io/linkerd/${name}:${l.version}`
  const trustDomain = l.trustDomain
  // tap, web and prometheus also carry (and select on) a `namespace` label; metrics-api and
  // tap-injector do not, as in the chart.
  const workload = (component: string, withNamespace: boolean, containers: Json[], servicePorts: VizWorkload['servicePorts']): VizWorkload => {
    const selector: Record<string, string> = {component, 'linkerd.io/extension': 'viz', ...(withNamespace ? {namespace: ns} : {})}
    return {
      annotations: {'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true', 'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': '0', 'linkerd.io/created-by': `linkerd/helm ${l.version}`, 'linkerd.io/inject': 'enabled'},
      component,
      containers,
      name: component,
      ready: viz.components[component] !== 'notReady',
      serviceAccount: component,
      selector,
      servicePorts,
      workloadLabels: {'app.kubernetes.io/name': component, 'app.kubernetes.io/part-of': 'Linkerd', 'app.kubernetes.io/version': l.version},
    }
  }
  return [
    workload('metrics-api', false, [{args: [`-controller-namespace=${l.namespace}`, '-log-level=info', '-log-format=plain', `-cluster-domain=${l.clusterDomain}`, `-prometheus-url=http://prometheus.${ns}.svc.${l.clusterDomain}:9090`], image: image('metrics-api'), name: 'metrics-api', ports: [port('http', 8085), port('admin', 9995)], ...probes(9995)}], [{name: 'http', port: 8085, targetPort: 8085}]),
    workload('prometheus', true, [{args: ['--log.level=info', '--log.format=logfmt', '--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/data', '--storage.tsdb.retention.time=6h'], image: 'prom/prometheus:v2.55.1', name: 'prometheus', ports: [port('admin', 9090)], ...probes(9090, '/-/ready', '/-/healthy')}], [{name: 'admin', port: 9090, targetPort: 9090}]),
    workload('tap', true, [{args: ['api', `-api-namespace=${l.namespace}`, '-log-level=info', '-log-format=plain', `-identity-trust-domain=${trustDomain}`], image: image('tap'), name: 'tap', ports: [port('grpc', 8088), port('apiserver', 8089), port('admin', 9998)], ...probes(9998)}], [
      {name: 'grpc', port: 8088, targetPort: 8088},
      {name: 'apiserver', port: 443, targetPort: 8089},
    ]),
    workload('tap-injector', false, [{args: ['injector', `-tap-service-name=tap.${ns}.serviceaccount.identity.${l.namespace}.${trustDomain}`, '-log-level=info', '-log-format=plain'], image: image('tap'), name: 'tap-injector', ports: [port('tap-injector', 8443), port('admin', 9995)], ...probes(9995)}], [{name: 'tap-injector', port: 443, targetPort: 8443}]),
    workload('web', true, [{args: [`-linkerd-metrics-api-addr=metrics-api.${ns}.svc.${l.clusterDomain}:8085`, `-cluster-domain=${l.clusterDomain}`, `-controller-namespace=${l.namespace}`, '-log-level=info', '-log-format=plain'], image: image('web'), name: 'web', ports: [port('http', 8084), port('admin', 9994)], ...probes(9994)}], [
      {name: 'http', port: 8084, targetPort: 8084},
      {name: 'admin', port: 9994, targetPort: 9994},
    ]),
  ]
}

/** The viz objects other than the namespace and the workloads (which build.ts makes). */
export function vizObjects(viz: VizSpec, l: LinkerdSpec, created: number): Json[] {
  const ns = viz.namespace
  const objects: Json[] = []
  const b64 = (text: string): string => Buffer.from(text).toString('base64')
  const meta = (name: string, namespace: string | undefined, component: string | undefined, extra: Json = {}): Json => ({
    annotations: {'linkerd.io/created-by': `linkerd/helm ${l.version}`},
    creationTimestamp: timestamp(created),
    labels: {'linkerd.io/extension': 'viz', ...(component ? {component} : {})},
    name,
    ...(namespace ? {namespace} : {}),
    resourceVersion: '1',
    uid: uid(`${namespace ?? ''}/${name}/viz`),
    ...extra,
  })
  const rbac = 'rbac.authorization.k8s.io/v1'
  const read = ['list', 'get', 'watch']
  const clusterRole = (name: string, component: string | undefined, rules: Json[]): void => void objects.push({apiVersion: rbac, kind: 'ClusterRole', metadata: meta(name, undefined, component), rules})
  const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, namespace: string | undefined, component: string | undefined, role: {kind: string; name: string}, account: string): void =>
    void objects.push({apiVersion: rbac, kind, metadata: meta(name, namespace, component), roleRef: {apiGroup: 'rbac.authorization.k8s.io', ...role}, subjects: [{kind: 'ServiceAccount', name: account, namespace: ns}]})

  for (const account of ['metrics-api', 'prometheus', 'tap', 'tap-injector', 'web', 'namespace-metadata']) {
    objects.push({apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(account, ns, account === 'tap-injector' || account === 'namespace-metadata' ? undefined : account)})
  }
  clusterRole(`linkerd-${ns}-tap`, 'tap', [
    {apiGroups: [''], resources: ['pods', 'services', 'replicationcontrollers', 'namespaces', 'nodes'], verbs: read},
    {apiGroups: ['extensions', 'apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: read},
    {apiGroups: ['extensions', 'batch'], resources: ['cronjobs', 'jobs'], verbs: read},
  ])
  clusterRole(`linkerd-${ns}-tap-admin`, 'tap', [
    {apiGroups: [''], resources: ['namespaces'], verbs: ['list']},
    {apiGroups: ['tap.linkerd.io'], resources: ['*'], verbs: ['watch']},
  ])
  clusterRole(`linkerd-${ns}-metrics-api`, 'metrics-api', [
    {apiGroups: ['extensions', 'apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: read},
    {apiGroups: ['extensions', 'batch'], resources: ['cronjobs', 'jobs'], verbs: read},
    {apiGroups: [''], resources: ['pods', 'endpoints', 'services', 'replicationcontrollers', 'namespaces'], verbs: read},
    {apiGroups: ['linkerd.io'], resources: ['serviceprofiles'], verbs: read},
    {apiGroups: ['policy.linkerd.io'], resources: ['servers', 'serverauthorizations', 'authorizationpolicies', 'httproutes'], verbs: ['list', 'get']},
  ])
  clusterRole(`linkerd-${ns}-prometheus`, 'prometheus', [{apiGroups: [''], resources: ['nodes', 'nodes/proxy', 'pods'], verbs: ['get', 'list', 'watch']}])
  clusterRole(`linkerd-${ns}-web-check`, 'web', [
    {apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['list']},
    {apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list']},
    {apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: ['list']},
    {apiGroups: ['policy'], resources: ['podsecuritypolicies'], verbs: ['list']},
    {apiGroups: ['linkerd.io'], resources: ['serviceprofiles'], verbs: ['list']},
    {apiGroups: ['apiregistration.k8s.io'], resources: ['apiservices'], verbs: ['get']},
  ])
  clusterRole(`linkerd-${ns}-web-api`, 'web', [{apiGroups: [''], resources: ['namespaces'], verbs: ['list']}])
  clusterRole('linkerd-tap-injector', undefined, [{apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch']}])
  const cr = (name: string): {kind: string; name: string} => ({kind: 'ClusterRole', name})
  binding('ClusterRoleBinding', `linkerd-${ns}-tap`, undefined, 'tap', cr(`linkerd-${ns}-tap`), 'tap')
  binding('ClusterRoleBinding', `linkerd-${ns}-tap-auth-delegator`, undefined, 'tap', cr('system:auth-delegator'), 'tap')
  binding('RoleBinding', `linkerd-${ns}-tap-auth-reader`, 'kube-system', 'tap', {kind: 'Role', name: 'extension-apiserver-authentication-reader'}, 'tap')
  binding('ClusterRoleBinding', `linkerd-${ns}-metrics-api`, undefined, 'metrics-api', cr(`linkerd-${ns}-metrics-api`), 'metrics-api')
  binding('ClusterRoleBinding', `linkerd-${ns}-prometheus`, undefined, 'prometheus', cr(`linkerd-${ns}-prometheus`), 'prometheus')
  binding('ClusterRoleBinding', `linkerd-${ns}-web-check`, undefined, 'web', cr(`linkerd-${ns}-web-check`), 'web')
  binding('ClusterRoleBinding', `linkerd-${ns}-web-admin`, undefined, 'web', cr(`linkerd-${ns}-tap-admin`), 'web')
  binding('ClusterRoleBinding', `linkerd-${ns}-web-api`, undefined, 'web', cr(`linkerd-${ns}-web-api`), 'web')
  binding('ClusterRoleBinding', 'linkerd-tap-injector', undefined, undefined, cr('linkerd-tap-injector'), 'tap-injector')
  objects.push({apiVersion: rbac, kind: 'Role', metadata: meta('web', l.namespace, 'web'), rules: [{apiGroups: [''], resources: ['configmaps'], resourceNames: ['linkerd-config'], verbs: ['get']}, {apiGroups: [''], resources: ['namespaces', 'configmaps'], verbs: ['get']}, {apiGroups: [''], resources: ['serviceaccounts', 'pods'], verbs: ['list']}, {apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list']}]})
  binding('RoleBinding', 'web', l.namespace, 'web', {kind: 'Role', name: 'web'}, 'web')
  objects.push({apiVersion: rbac, kind: 'Role', metadata: meta('namespace-metadata', ns, undefined), rules: [{apiGroups: [''], resourceNames: [ns], resources: ['namespaces'], verbs: ['get', 'patch']}]})
  binding('RoleBinding', 'namespace-metadata', ns, undefined, {kind: 'Role', name: 'namespace-metadata'}, 'namespace-metadata')
  binding('RoleBinding', 'viz-namespace-metadata-linkerd-config', l.namespace, undefined, {kind: 'Role', name: 'ext-namespace-metadata-linkerd-config'}, 'namespace-metadata')

  // Serving certificates: the chart's genSelfSignedCert for `<service>.<ns>.svc`, one year; the
  // same certificate is the APIService's and the webhook's caBundle.
  const selfSigned = (host: string): {certPem: string; keyPem: string} =>
    createCertificate({isCa: true, notAfter: new Date(created + 365 * 86_400_000), notBefore: new Date(created), sans: {dns: [host]}, subject: {cn: host}})
  const tapCert = selfSigned(`tap.${ns}.svc`)
  const injectorCert = selfSigned(`tap-injector.${ns}.svc`)
  const tlsSecret = (name: string, component: string | undefined, cert: {certPem: string; keyPem: string}): Json => ({apiVersion: 'v1', data: {'tls.crt': b64(cert.certPem), 'tls.key': b64(cert.keyPem)}, kind: 'Secret', metadata: meta(name, ns, component), type: 'kubernetes.io/tls'})
  objects.push(tlsSecret('tap-k8s-tls', 'tap', tapCert), tlsSecret('tap-injector-k8s-tls', undefined, injectorCert))

  // kube-aggregator's Available condition: it checks the Service has ready endpoints for the port.
  const tapReady = viz.components.tap !== 'notReady'
  objects.push({
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: meta('v1alpha1.tap.linkerd.io', undefined, 'tap'),
    spec: {caBundle: b64(tapCert.certPem), group: 'tap.linkerd.io', groupPriorityMinimum: 1000, service: {name: 'tap', namespace: ns, port: 443}, version: 'v1alpha1', versionPriority: 100},
    status: {
      conditions: [
        tapReady
          ? {lastTransitionTime: timestamp(created), message: 'all checks passed', reason: 'Passed', status: 'True', type: 'Available'}
          : {lastTransitionTime: timestamp(created), message: `endpoints for service/tap in "${ns}" have no addresses with port name "apiserver"`, reason: 'MissingEndpoints', status: 'False', type: 'Available'},
      ],
    },
  })
  objects.push({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: meta('linkerd-tap-injector-webhook-config', undefined, undefined),
    webhooks: [
      {
        admissionReviewVersions: ['v1', 'v1beta1'],
        clientConfig: {caBundle: b64(injectorCert.certPem), service: {name: 'tap-injector', namespace: ns, path: '/', port: 443}},
        failurePolicy: 'Ignore',
        matchPolicy: 'Equivalent',
        name: 'tap-injector.linkerd.io',
        namespaceSelector: {matchExpressions: [{key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system']}]},
        objectSelector: {},
        reinvocationPolicy: 'IfNeeded',
        rules: [{apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced'}],
        sideEffects: 'None',
        timeoutSeconds: 10,
      },
    ],
  })
  objects.push({apiVersion: 'v1', data: {'prometheus.yml': prometheusConfig(l)}, kind: 'ConfigMap', metadata: meta('prometheus-config', ns, 'prometheus')})
  return objects
}

/** The `linkerd-proxy` job of viz's prometheus.yml (the part the CLI's parity depends on). */
function prometheusConfig(l: LinkerdSpec): string {
  return stringify({
    global: {evaluation_interval: '10s', scrape_interval: '10s', scrape_timeout: '10s'},
    rule_files: ['/etc/prometheus/*_rules.yml', '/etc/prometheus/*_rules.yaml'],
    scrape_configs: [
      {job_name: 'prometheus', static_configs: [{targets: ['localhost:9090']}]},
      {
        job_name: 'linkerd-proxy',
        kubernetes_sd_configs: [{role: 'pod'}],
        relabel_configs: [
          {action: 'keep', regex: '(Pending|Running)', source_labels: ['__meta_kubernetes_pod_phase']},
          {action: 'keep', regex: `^linkerd-proxy;linkerd-admin;${l.namespace}$`, source_labels: ['__meta_kubernetes_pod_container_name', '__meta_kubernetes_pod_container_port_name', '__meta_kubernetes_pod_label_linkerd_io_control_plane_ns']},
          {action: 'replace', source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace'},
          {action: 'replace', source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod'},
          {action: 'replace', source_labels: ['__meta_kubernetes_pod_label_linkerd_io_proxy_job'], target_label: 'k8s_job'},
          {action: 'labeldrop', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_job'},
          {action: 'labelmap', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)'},
          {action: 'labeldrop', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)'},
          {action: 'labelmap', regex: '__meta_kubernetes_pod_label_linkerd_io_(.+)'},
          {action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)', replacement: '__tmp_pod_label_$1'},
          {action: 'labelmap', regex: '__tmp_pod_label_linkerd_io_(.+)', replacement: '__tmp_pod_label_$1'},
          {action: 'labeldrop', regex: '__tmp_pod_label_linkerd_io_(.+)'},
          {action: 'labelmap', regex: '__tmp_pod_label_(.+)'},
        ],
      },
    ],
  })
}
