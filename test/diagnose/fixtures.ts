// Plain Kubernetes objects for diagnose unit tests: an injected pod as Linkerd writes it, the
// control plane pieces the "why not meshed" rules read, and proxy metrics text.
import type {PlainObject} from '../helpers/fake-kube.js'

export const LINKERD_NS = 'linkerd'

export function namespace(name: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): PlainObject {
  return {apiVersion: 'v1', kind: 'Namespace', metadata: {name, annotations, labels: {'kubernetes.io/metadata.name': name, ...labels}}}
}

export interface PodOptions {
  name?: string
  ns?: string
  annotations?: Record<string, string>
  labels?: Record<string, string>
  injected?: boolean
  native?: boolean
  appPorts?: Array<{containerPort: number; name?: string}>
  proxyStatus?: Record<string, unknown>
  initStatus?: Record<string, unknown>
  phase?: string
  created?: string
  owner?: {kind: string; name: string}
  hostNetwork?: boolean
  proxyVersion?: string
}

export function pod(o: PodOptions = {}): PlainObject {
  const name = o.name ?? 'web-1'
  const ns = o.ns ?? 'shop'
  const app = {name: 'app', image: 'example/app:1', ports: o.appPorts ?? [{containerPort: 8080, name: 'http'}]}
  const proxy = {
    name: 'linkerd-proxy',
    image: `cr.l5d.io/linkerd/proxy:${o.proxyVersion ?? 'edge-26.8.3'}`,
    ...(o.native === false ? {} : {restartPolicy: 'Always'}),
    ports: [{containerPort: 4143, name: 'linkerd-proxy'}, {containerPort: 4191, name: 'linkerd-admin'}],
    env: [
      {name: 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR', value: '0.0.0.0:4143'},
      {name: 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR', value: '0.0.0.0:4191'},
      {name: 'LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION', value: '25,587,3306,4444,5432,6379,9300,11211'},
    ],
  }
  const init = {name: 'linkerd-init', image: 'cr.l5d.io/linkerd/proxy:edge-26.8.3', args: ['--inbound-ports-to-ignore', '4190,4191,4567,4568']}
  const injected = o.injected ?? true
  const spec: Record<string, unknown> = {
    containers: injected && o.native === false ? [proxy, app] : [app],
    ...(injected ? {initContainers: o.native === false ? [init] : [init, proxy]} : {}),
    ...(o.hostNetwork ? {hostNetwork: true} : {}),
    nodeName: 'node-1',
  }
  const ready = (status: Record<string, unknown> | undefined, cname: string) => ({name: cname, ready: true, restartCount: 0, image: '', imageID: '', state: {running: {startedAt: '2026-11-20T10:00:00Z'}}, ...status})
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      creationTimestamp: o.created ?? '2026-11-20T10:00:00Z',
      annotations: {...(injected ? {'linkerd.io/proxy-version': o.proxyVersion ?? 'edge-26.8.3'} : {}), ...o.annotations},
      labels: {app: 'web', ...(injected ? {'linkerd.io/control-plane-ns': LINKERD_NS} : {}), ...o.labels},
      ...(o.owner ? {ownerReferences: [{apiVersion: 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: 'u', controller: true}]} : {}),
    },
    spec,
    status: {
      phase: o.phase ?? 'Running',
      ...(injected ? {initContainerStatuses: [{...ready({state: {terminated: {exitCode: 0, reason: 'Completed'}}}, 'linkerd-init'), ...o.initStatus}, ...(o.native === false ? [] : [ready(o.proxyStatus, 'linkerd-proxy')])]} : {}),
      containerStatuses: [ready({}, 'app'), ...(injected && o.native === false ? [ready(o.proxyStatus, 'linkerd-proxy')] : [])],
    },
  }
}

export function webhook(namespaceSelector?: Record<string, unknown>): PlainObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {name: 'linkerd-proxy-injector-webhook-config'},
    webhooks: [
      {
        name: 'linkerd-proxy-injector.linkerd.io',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        clientConfig: {service: {name: 'linkerd-proxy-injector', namespace: LINKERD_NS}},
        namespaceSelector: namespaceSelector ?? {matchExpressions: [{key: 'config.linkerd.io/admission-webhooks', operator: 'NotIn', values: ['disabled']}, {key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'cert-manager']}]},
        objectSelector: {matchExpressions: [{key: 'linkerd.io/control-plane-component', operator: 'DoesNotExist'}, {key: 'linkerd.io/cni-resource', operator: 'DoesNotExist'}]},
      },
    ],
  }
}

export function injectorPod(ready: boolean, since = '2026-11-19T00:00:00Z'): PlainObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: 'linkerd-proxy-injector-1', namespace: LINKERD_NS, labels: {'linkerd.io/control-plane-component': 'proxy-injector'}, annotations: {'linkerd.io/proxy-version': 'edge-26.8.3'}},
    spec: {containers: [{name: 'proxy-injector', image: 'x'}]},
    status: {phase: 'Running', startTime: since, conditions: [{type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: since}]},
  }
}

export function linkerdConfig(version = 'edge-26.8.3', extraValues = ''): PlainObject {
  return {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'linkerd-config', namespace: LINKERD_NS}, data: {values: `linkerdVersion: ${version}\nproxy:\n  opaquePorts: "25,587,3306,4444,5432,6379,9300,11211"\n${extraValues}`}}
}

/** A small modern /metrics body: inbound connections by TLS, outbound by server identity, cert and build info. */
export function metricsText(o: {inboundMtls?: number; inboundPlain?: number; outboundMtls?: number; outboundPlain?: number; certExpiry?: number; refreshErrors?: number} = {}): string {
  return [
    '# HELP tcp_open_total Total count of opened connections',
    '# TYPE tcp_open_total counter',
    `tcp_open_total{direction="inbound",peer="src",target_addr="10.0.0.5:8080",target_ip="10.0.0.5",target_port="8080",tls="true",client_id="vote.shop.serviceaccount.identity.linkerd.cluster.local",srv_group="",srv_kind="default",srv_name="all-unauthenticated",srv_port="8080"} ${o.inboundMtls ?? 10}`,
    `tcp_open_total{direction="inbound",peer="src",target_addr="10.0.0.5:8080",target_ip="10.0.0.5",target_port="8080",tls="no_identity",no_tls_reason="no_tls_from_remote",srv_group="",srv_kind="default",srv_name="all-unauthenticated",srv_port="8080"} ${o.inboundPlain ?? 0}`,
    'tcp_open_total{direction="inbound",peer="src",target_addr="0.0.0.0:4191",target_ip="0.0.0.0",target_port="4191",tls="no_identity",no_tls_reason="no_tls_from_remote",srv_group="",srv_kind="default",srv_name="all-unauthenticated",srv_port="4191"} 99',
    `tcp_open_total{direction="outbound",peer="dst",authority="db.shop.svc.cluster.local:5432",target_addr="10.0.0.9:5432",target_ip="10.0.0.9",target_port="5432",tls="true",server_id="db.shop.serviceaccount.identity.linkerd.cluster.local",dst_namespace="shop",dst_service="db"} ${o.outboundMtls ?? 4}`,
    `tcp_open_total{direction="outbound",peer="dst",target_addr="93.184.216.34:443",target_ip="93.184.216.34",target_port="443",tls="no_identity",no_tls_reason="not_provided_by_service_discovery"} ${o.outboundPlain ?? 0}`,
    '# HELP control_identity_cert_expiration_timestamp_seconds Time when the this proxy\'s current mTLS identity certificate will expire (in seconds since the UNIX epoch).',
    '# TYPE control_identity_cert_expiration_timestamp_seconds gauge',
    '# UNIT control_identity_cert_expiration_timestamp_seconds seconds',
    `control_identity_cert_expiration_timestamp_seconds ${(o.certExpiry ?? 2_000_000_000).toFixed(1)}`,
    '# HELP control_identity_cert_refreshes The total number of certificate refreshes.',
    '# TYPE control_identity_cert_refreshes counter',
    'control_identity_cert_refreshes_total{result="ok"} 3',
    `control_identity_cert_refreshes_total{result="error"} ${o.refreshErrors ?? 0}`,
    '# HELP proxy_build_info Proxy build info.',
    '# TYPE proxy_build_info gauge',
    'proxy_build_info{date="2026-08-21T00:00:00Z",git_sha="abc",profile="release",vendor="linkerd",version="v2.366.0"} 1',
    '# EOF',
    '',
  ].join('\n')
}
