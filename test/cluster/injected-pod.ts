// What Linkerd's proxy injector writes into a pod (edge-26.x defaults: native sidecar proxy in
// initContainers, linkerd-init for iptables), following charts/partials/templates/_proxy.tpl and
// the injected_nginx.yaml golden of linkerd2. The simulator's pods must look injected for real,
// because check, viz stat and diagnose read exactly these fields.
import {createHash} from 'node:crypto'

import type {LinkerdSpec} from './scenario.js'

type Json = Record<string, unknown>

export const PROXY_VERSION = 'v2.366.0'

export interface InjectInput {
  annotations: Record<string, string>
  /** The app containers as the workload declares them. */
  containers: Json[]
  linkerd: LinkerdSpec
  namespace: string
  /** `deployment`, `statefulset`, `daemonset`, `replicaset`, `job`, `cronjob` or `pod`. */
  ownerKind: string
  ownerName: string
  trustAnchorPem: string
}

export interface Injected {
  annotations: Record<string, string>
  initContainers: Json[]
  labels: Record<string, string>
  volumes: Json[]
}

export function adminPortOf(annotations: Record<string, string>): number {
  const value = Number(annotations['config.linkerd.io/admin-port'])
  return Number.isInteger(value) && value > 0 ? value : 4191
}

function portList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
}

export function injectPod(input: InjectInput): Injected {
  const {linkerd} = input
  const cp = linkerd.namespace
  const td = linkerd.trustDomain
  const admin = adminPortOf(input.annotations)
  const inbound = Number(input.annotations['config.linkerd.io/proxy-inbound-port'] ?? 4143)
  const image = input.annotations['config.linkerd.io/proxy-image'] ?? 'cr.l5d.io/linkerd/proxy'
  const version = input.annotations['config.linkerd.io/proxy-version'] ?? linkerd.version
  const skipInbound = portList(input.annotations['config.linkerd.io/skip-inbound-ports'])
  const skipOutbound = portList(input.annotations['config.linkerd.io/skip-outbound-ports'])
  const appPorts = input.containers.flatMap((c) => ((c.ports as Json[] | undefined) ?? []).map((p) => String(p.containerPort)))
  const trustRootSha = createHash('sha256').update(input.trustAnchorPem).digest('hex')

  const init: Json = {
    args: [
      '--firewall-bin-path',
      'iptables-nft',
      '--firewall-save-bin-path',
      'iptables-nft-save',
      '--ipv6=false',
      '--incoming-proxy-port',
      String(inbound),
      '--outgoing-proxy-port',
      '4140',
      '--proxy-uid',
      '2102',
      '--inbound-ports-to-ignore',
      ['4190', String(admin), ...skipInbound].join(','),
      ...(skipOutbound.length > 0 ? ['--outbound-ports-to-ignore', skipOutbound.join(',')] : []),
    ],
    command: ['/usr/lib/linkerd/linkerd2-proxy-init'],
    image: `${image}:${version}`,
    imagePullPolicy: 'IfNotPresent',
    name: 'linkerd-init',
    resources: {},
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: {add: ['NET_ADMIN', 'NET_RAW']},
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 65534,
      runAsNonRoot: true,
      runAsUser: 65534,
      seccompProfile: {type: 'RuntimeDefault'},
    },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [{mountPath: '/run', name: 'linkerd-proxy-init-xtables-lock'}],
  }

  const fieldRef = (name: string, fieldPath: string): Json => ({name, valueFrom: {fieldRef: {apiVersion: 'v1', fieldPath}}})
  const env = (name: string, value: string): Json => ({name, value})
  const proxy: Json = {
    env: [
      fieldRef('_pod_name', 'metadata.name'),
      fieldRef('_pod_ns', 'metadata.namespace'),
      fieldRef('_pod_uid', 'metadata.uid'),
      fieldRef('_pod_ip', 'status.podIP'),
      fieldRef('_pod_nodeName', 'spec.nodeName'),
      env('_pod_containerName', 'linkerd-proxy'),
      env('LINKERD2_PROXY_CORES', '1'),
      env('LINKERD2_PROXY_CORES_MIN', '1'),
      env('LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED', 'false'),
      env('LINKERD2_PROXY_LOG', input.annotations['config.linkerd.io/proxy-log-level'] ?? 'warn,linkerd=info,hickory=error,[{headers}]=off,[{request}]=off'),
      env('LINKERD2_PROXY_LOG_FORMAT', 'plain'),
      env('LINKERD2_PROXY_DESTINATION_SVC_ADDR', `linkerd-dst-headless.${cp}.svc.${linkerd.clusterDomain}.:8086`),
      env('LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS', '10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8'),
      env('LINKERD2_PROXY_POLICY_SVC_ADDR', `linkerd-policy.${cp}.svc.${linkerd.clusterDomain}.:8090`),
      env('LINKERD2_PROXY_POLICY_WORKLOAD', '{"ns":"$(_pod_ns)", "pod":"$(_pod_name)"}\n'),
      env('LINKERD2_PROXY_INBOUND_DEFAULT_POLICY', input.annotations['config.linkerd.io/default-inbound-policy'] ?? 'all-unauthenticated'),
      env('LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS', '10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8'),
      env('LINKERD2_PROXY_CONTROL_LISTEN_ADDR', '0.0.0.0:4190'),
      env('LINKERD2_PROXY_ADMIN_LISTEN_ADDR', `0.0.0.0:${admin}`),
      env('LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR', '127.0.0.1:4140'),
      env('LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS', '127.0.0.1:4140'),
      env('LINKERD2_PROXY_INBOUND_LISTEN_ADDR', `0.0.0.0:${inbound}`),
      fieldRef('LINKERD2_PROXY_INBOUND_IPS', 'status.podIPs'),
      env('LINKERD2_PROXY_INBOUND_PORTS', appPorts.join(',')),
      env('LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES', `svc.${linkerd.clusterDomain}.`),
      env('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION', '25,587,3306,4444,5432,6379,9300,11211'),
      env('LINKERD2_PROXY_DESTINATION_CONTEXT', '{"ns":"$(_pod_ns)", "nodeName":"$(_pod_nodeName)", "pod":"$(_pod_name)"}\n'),
      fieldRef('_pod_sa', 'spec.serviceAccountName'),
      env('_l5d_ns', cp),
      env('_l5d_trustdomain', td),
      env('LINKERD2_PROXY_IDENTITY_DIR', '/var/run/linkerd/identity/end-entity'),
      env('LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS', input.trustAnchorPem),
      env('LINKERD2_PROXY_IDENTITY_TOKEN_FILE', '/var/run/secrets/tokens/linkerd-identity-token'),
      env('LINKERD2_PROXY_IDENTITY_SVC_ADDR', `linkerd-identity-headless.${cp}.svc.${linkerd.clusterDomain}.:8080`),
      env('LINKERD2_PROXY_IDENTITY_LOCAL_NAME', `$(_pod_sa).$(_pod_ns).serviceaccount.identity.${cp}.${td}`),
      env('LINKERD2_PROXY_IDENTITY_SVC_NAME', `linkerd-identity.${cp}.serviceaccount.identity.${cp}.${td}`),
      env('LINKERD2_PROXY_DESTINATION_SVC_NAME', `linkerd-destination.${cp}.serviceaccount.identity.${cp}.${td}`),
      env('LINKERD2_PROXY_POLICY_SVC_NAME', `linkerd-destination.${cp}.serviceaccount.identity.${cp}.${td}`),
    ],
    image: `${image}:${version}`,
    imagePullPolicy: 'IfNotPresent',
    livenessProbe: {failureThreshold: 3, httpGet: {path: '/live', port: admin, scheme: 'HTTP'}, initialDelaySeconds: 10, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1},
    name: 'linkerd-proxy',
    ports: [
      {containerPort: inbound, name: 'linkerd-proxy', protocol: 'TCP'},
      {containerPort: admin, name: 'linkerd-admin', protocol: 'TCP'},
    ],
    readinessProbe: {failureThreshold: 3, httpGet: {path: '/ready', port: admin, scheme: 'HTTP'}, initialDelaySeconds: 2, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1},
    resources: {},
    restartPolicy: 'Always',
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 2102,
      seccompProfile: {type: 'RuntimeDefault'},
    },
    startupProbe: {failureThreshold: 120, httpGet: {path: '/ready', port: admin, scheme: 'HTTP'}, initialDelaySeconds: 0, periodSeconds: 1, successThreshold: 1, timeoutSeconds: 1},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [
      {mountPath: '/var/run/linkerd/identity/end-entity', name: 'linkerd-identity-end-entity'},
      {mountPath: '/var/run/secrets/tokens', name: 'linkerd-identity-token'},
    ],
  }

  const ownerLabel = input.ownerKind === 'job' ? 'linkerd.io/proxy-job' : `linkerd.io/proxy-${input.ownerKind}`
  return {
    annotations: {
      'linkerd.io/created-by': `linkerd/proxy-injector ${linkerd.version}`,
      'linkerd.io/proxy-version': version,
      'linkerd.io/trust-root-sha256': trustRootSha,
    },
    initContainers: [init, proxy],
    labels: {
      'linkerd.io/control-plane-ns': cp,
      [ownerLabel]: input.ownerName,
      'linkerd.io/workload-ns': input.namespace,
    },
    volumes: [
      {emptyDir: {}, name: 'linkerd-proxy-init-xtables-lock'},
      {emptyDir: {medium: 'Memory'}, name: 'linkerd-identity-end-entity'},
      {
        name: 'linkerd-identity-token',
        projected: {
          defaultMode: 420,
          sources: [{serviceAccountToken: {audience: 'identity.l5d.io', expirationSeconds: 86400, path: 'linkerd-identity-token'}}],
        },
      },
    ],
  }
}
