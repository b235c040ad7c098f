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
  /** The namespace's annotations: its config.linkerd.io/* keys apply where the pod has none. */
  namespaceAnnotations?: Record<string, string>
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

/** Linkerd's default opaque ports (proxy.opaquePorts in the chart). */
export const DEFAULT_OPAQUE_PORTS = '25,587,3306,4444,5432,6379,9300,11211'
/** The chart's proxyInit.ignoreInboundPorts / ignoreOutboundPorts (Galera), replaced by the skip annotations. */
const DEFAULT_SKIP_PORTS = '4567,4568'

const CONFIG_PREFIXES = ['config.linkerd.io/', 'config.alpha.linkerd.io/', 'config.beta.linkerd.io/']

/**
 * The config annotations the injector applies: the pod's own, plus its namespace's for keys the pod
 * lacks (the webhook's AppendNamespaceAnnotations, which also copies them onto the pod).
 */
export function injectorConfig(annotations: Record<string, string>, namespaceAnnotations: Record<string, string> = {}): Record<string, string> {
  const inherited: Record<string, string> = {}
  for (const [key, value] of Object.entries(namespaceAnnotations)) {
    if (CONFIG_PREFIXES.some((prefix) => key.startsWith(prefix)) && !(key in annotations)) inherited[key] = value
  }
  return {...inherited, ...annotations}
}

function portOverride(config: Record<string, string>, name: string, fallback: number): number {
  const value = Number(config[`config.linkerd.io/${name}`])
  return Number.isInteger(value) && value > 0 && value <= 65535 ? value : fallback
}

/** The proxy's admin port: `config.linkerd.io/admin-port` on the pod or its namespace, else 4191. */
export function adminPortOf(annotations: Record<string, string>, namespaceAnnotations: Record<string, string> = {}): number {
  return portOverride(injectorConfig(annotations, namespaceAnnotations), 'admin-port', 4191)
}

function portList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
}

/** Container ports by name, for opaque-ports items that name a port (the webhook resolves them). */
function namedPorts(containers: Json[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const c of containers) {
    for (const p of (c.ports as Json[] | undefined) ?? []) if (typeof p.name === 'string') out.set(p.name, String(p.containerPort))
  }
  return out
}

/** The opaque list as the webhook writes it: names resolved to numbers, unknown names dropped. */
function resolveOpaque(value: string, containers: Json[]): string[] {
  const names = namedPorts(containers)
  return portList(value).flatMap((item) => (/^\d+(-\d+)?$/.test(item) ? [item] : names.has(item) ? [names.get(item) as string] : []))
}

/** The ports the proxy treats as opaque: the config's opaque-ports list, else Linkerd's default one. */
export function opaquePortsOf(config: Record<string, string>, containers: Json[]): string[] {
  const override = config['config.linkerd.io/opaque-ports']
  return override === undefined ? portList(DEFAULT_OPAQUE_PORTS) : resolveOpaque(override, containers)
}

/** The inbound ports that bypass the proxy (besides its own control and admin ports). */
export function skipInboundOf(config: Record<string, string>): string[] {
  return portList(config['config.linkerd.io/skip-inbound-ports'] ?? DEFAULT_SKIP_PORTS)
}

export function injectPod(input: InjectInput): Injected {
  const {linkerd} = input
  const cp = linkerd.namespace
  const td = linkerd.trustDomain
  const config = injectorConfig(input.annotations, input.namespaceAnnotations)
  const admin = portOverride(config, 'admin-port', 4191)
  const control = portOverride(config, 'control-port', 4190)
  const inbound = portOverride(config, 'inbound-port', 4143)
  const outbound = portOverride(config, 'outbound-port', 4140)
  const image = config['config.linkerd.io/proxy-image'] ?? 'cr.l5d.io/linkerd/proxy'
  const version = config['config.linkerd.io/proxy-version'] ?? linkerd.version
  const skipInbound = skipInboundOf(config)
  const skipOutbound = portList(config['config.linkerd.io/skip-outbound-ports'] ?? DEFAULT_SKIP_PORTS)
  const opaqueOverride = config['config.linkerd.io/opaque-ports']
  const opaque = opaquePortsOf(config, input.containers)
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
      String(outbound),
      '--proxy-uid',
      '2102',
      '--inbound-ports-to-ignore',
      [String(control), String(admin), ...skipInbound].join(','),
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
      env('LINKERD2_PROXY_LOG', config['config.linkerd.io/proxy-log-level'] ?? 'warn,linkerd=info,hickory=error,[{headers}]=off,[{request}]=off'),
      env('LINKERD2_PROXY_LOG_FORMAT', 'plain'),
      env('LINKERD2_PROXY_DESTINATION_SVC_ADDR', `linkerd-dst-headless.${cp}.svc.${linkerd.clusterDomain}.:8086`),
      env('LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS', '10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8'),
      env('LINKERD2_PROXY_POLICY_SVC_ADDR', `linkerd-policy.${cp}.svc.${linkerd.clusterDomain}.:8090`),
      env('LINKERD2_PROXY_POLICY_WORKLOAD', '{"ns":"$(_pod_ns)", "pod":"$(_pod_name)"}\n'),
      env('LINKERD2_PROXY_INBOUND_DEFAULT_POLICY', config['config.linkerd.io/default-inbound-policy'] ?? linkerd.defaultInboundPolicy),
      env('LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS', '10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8'),
      // IPv4 forms, as in the injector's goldens (the `[::]` forms need proxy.enableIPv6 / --ipv6=true).
      env('LINKERD2_PROXY_CONTROL_LISTEN_ADDR', `0.0.0.0:${control}`),
      env('LINKERD2_PROXY_ADMIN_LISTEN_ADDR', `0.0.0.0:${admin}`),
      env('LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR', `127.0.0.1:${outbound}`),
      env('LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS', `127.0.0.1:${outbound}`),
      env('LINKERD2_PROXY_INBOUND_LISTEN_ADDR', `0.0.0.0:${inbound}`),
      fieldRef('LINKERD2_PROXY_INBOUND_IPS', 'status.podIPs'),
      env('LINKERD2_PROXY_INBOUND_PORTS', appPorts.join(',')),
      env('LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES', `svc.${linkerd.clusterDomain}.`),
      // The annotated list replaces the default one; the env is left out when the list is empty.
      ...(opaque.length > 0 ? [env('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION', opaque.join(','))] : []),
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
  // The webhook copies inherited config annotations onto the pod, and when neither the pod nor its
  // namespace sets opaque-ports, annotates the default opaque ports the pod actually exposes.
  const inherited = Object.fromEntries(Object.entries(config).filter(([key]) => !(key in input.annotations)))
  const exposedDefaults = opaqueOverride === undefined ? portList(DEFAULT_OPAQUE_PORTS).filter((p) => appPorts.includes(p)) : []
  return {
    annotations: {
      ...inherited,
      ...(exposedDefaults.length > 0 ? {'config.linkerd.io/opaque-ports': exposedDefaults.join(',')} : {}),
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
