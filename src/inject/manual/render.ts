// The containers Linkerd's injector writes (linkerd-proxy, linkerd-init, linkerd-network-validator,
// linkerd-debug), rendered from typed values the way linkerd/linkerd2's charts/partials templates
// render them, then shaped as Kubernetes serialises a corev1.Container: zero numbers, empty
// strings and `false` read-only flags dropped, quantities canonical, keys in alphabetical order.
import {MeshError} from '../../errors.js'
import {CONTAINER, VOLUME} from '../../mesh/names.js'
import {PROXY_PORT_NAMES} from '../../mesh/ports.js'
import {canonicalQuantity, goFormat, goFormatNumber, snakeCase} from '../../mesh/proxy-go.js'
import type {Capabilities, EnvVar, InjectValues, Resources} from '../../mesh/proxy-values.js'

export type Container = {[key: string]: unknown}

/** A template `fail`: the values cannot be rendered (Linkerd aborts the document the same way). */
export class RenderError extends MeshError {}

function fieldRef(name: string, path: string): EnvVar {
  return {name, valueFrom: {fieldRef: {fieldPath: path}}}
}

function env(name: string, value: string): EnvVar {
  // corev1.EnvVar drops an empty value.
  return value === '' ? {name} : {name, value}
}

function image(name: string, version: string, fallback: string): string {
  return `${name}:${version || fallback}`
}

function resourcesBlock(r: Resources | null): Container | undefined {
  if (!r) return undefined
  const pick = (field: 'limit' | 'request'): Container | undefined => {
    const out: Container = {}
    if (r.cpu[field]) out.cpu = canonicalQuantity(r.cpu[field])
    if (r['ephemeral-storage'][field]) out['ephemeral-storage'] = canonicalQuantity(r['ephemeral-storage'][field])
    if (r.memory[field]) out.memory = canonicalQuantity(r.memory[field])
    return Object.keys(out).length > 0 ? out : undefined
  }
  const limits = pick('limit')
  const requests = pick('request')
  if (!limits && !requests) return undefined
  return {...(limits ? {limits} : {}), ...(requests ? {requests} : {})}
}

function withoutNulls(map: {[key: string]: unknown}): Container {
  const out: Container = {}
  for (const [k, v] of Object.entries(map)) {
    if (v === null || v === undefined) continue
    out[k] = typeof v === 'object' && !Array.isArray(v) ? withoutNulls(v as Container) : v
  }
  return out
}

/** Keys in alphabetical order at every level (lists keep their order), as Linkerd prints them. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v)) as T
  if (typeof value !== 'object' || value === null) return value
  const out: Container = {}
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Container)[key])
  return out as T
}

function probe(path: string, port: number, settings: {[key: string]: number}): Container {
  const out: Container = {httpGet: {path, port}}
  for (const [k, v] of Object.entries(settings)) if (v) out[k] = v
  return out
}

function capabilitiesBlock(c: Capabilities | null): Container | undefined {
  if (!c || (c.add.length === 0 && c.drop.length === 0)) return undefined
  return {...(c.add.length ? {add: [...c.add]} : {}), ...(c.drop.length ? {drop: [...c.drop]} : {})}
}

function listenHost(v: InjectValues): string {
  return v.disableIPv6 ? '0.0.0.0' : '[::]'
}

function proxyParams(v: InjectValues): EnvVar[] {
  const out: EnvVar[] = []
  // Go templates range over maps in key order.
  for (const [direction, params] of [['inbound', v.proxy.inbound] as const, ['outbound', v.proxy.outbound] as const]) {
    for (const scope of Object.keys(params).sort()) {
      const protos = params[scope] ?? {}
      for (const proto of Object.keys(protos).sort()) {
        const values = protos[proto] ?? {}
        for (const param of Object.keys(values).sort()) {
          const name = ['LINKERD2_PROXY', direction, scope, proto, param].map((part, i) => (i === 0 ? part : snakeCase(part).toUpperCase())).join('_')
          out.push(env(name, goFormat(values[param])))
        }
      }
    }
  }
  return out
}

function tracingEnv(v: InjectValues, trustDomain: string, namespace: string): EnvVar[] {
  const t = v.proxy.tracing
  if (!t?.enabled) return []
  if (!t.collector.endpoint) throw new RenderError('proxy.tracing.collector.endpoint must be set if proxy tracing is enabled')
  if (!t.collector.meshIdentity.serviceAccountName) throw new RenderError('proxy.tracing.collector.meshIdentity.serviceAccountName must be set if proxy tracing is enabled')
  if (!t.collector.meshIdentity.namespace) throw new RenderError('proxy.tracing.collector.meshIdentity.namespace must be set if proxy tracing is enabled')
  const labels = Object.keys(t.labels)
    .sort()
    .map((k) => `\n${k}=${t.labels[k] ?? ''}`)
    .join('')
  return [
    env('LINKERD2_PROXY_TRACE_ATTRIBUTES_PATH', '/var/run/linkerd/podinfo/labels'),
    env('LINKERD2_PROXY_TRACE_ANNOTATIONS_PATH', '/var/run/linkerd/podinfo/annotations'),
    env('LINKERD2_PROXY_TRACE_PROTOCOL', t.protocol || 'opentelemetry'),
    env('LINKERD2_PROXY_TRACE_SERVICE_NAME', t.traceServiceName),
    env('LINKERD2_PROXY_TRACE_COLLECTOR_SVC_ADDR', t.collector.endpoint),
    env(
      'LINKERD2_PROXY_TRACE_COLLECTOR_SVC_NAME',
      `${t.collector.meshIdentity.serviceAccountName}.${t.collector.meshIdentity.namespace}.serviceaccount.identity.${namespace}.${trustDomain}`,
    ),
    // A literal block whose first line is empty: the template emits "\nk=v" per label.
    env('LINKERD2_PROXY_TRACE_EXTRA_ATTRIBUTES', labels === '' ? '' : `${labels.slice(1)}\n`),
  ]
}

function coresEnv(v: InjectValues): EnvVar[] {
  const p = v.proxy
  if (p.cores) return [env('LINKERD2_PROXY_CORES', goFormatNumber(p.cores)), env('LINKERD2_PROXY_CORES_MIN', goFormatNumber(p.cores))]
  const w = p.runtime.workers
  // `with .runtime.workers` skips the block when every worker setting is zero.
  if (!w.minimum && !w.maximum && !w.maximumCPURatio) return []
  const min = goFormatNumber(w.minimum || 1)
  const out = [env('LINKERD2_PROXY_CORES', min), env('LINKERD2_PROXY_CORES_MIN', min)]
  if (w.maximum) out.push(env('LINKERD2_PROXY_CORES_MAX', goFormatNumber(w.maximum)))
  if (w.maximumCPURatio) out.push(env('LINKERD2_PROXY_CORES_MAX_RATIO', goFormatNumber(w.maximumCPURatio)))
  return out
}

/** partials.proxy: the linkerd-proxy container. `namespace` is the control plane's. */
export function renderProxy(v: InjectValues, namespace: string): Container {
  const p = v.proxy
  if (!['insecure', 'off', ''].includes(p.logHTTPHeaders)) throw new RenderError('logHTTPHeaders must be one of: insecure | off')
  if (!v.identityTrustAnchorsPEM) throw new RenderError('Please provide the identity trust anchors')
  const trustDomain = v.identityTrustDomain || v.clusterDomain
  const host = listenHost(v)
  const identity = (name: string) => `${name}.${namespace}.serviceaccount.identity.${namespace}.${trustDomain}`
  const envs: EnvVar[] = [
    fieldRef('_pod_name', 'metadata.name'),
    fieldRef('_pod_ns', 'metadata.namespace'),
    fieldRef('_pod_uid', 'metadata.uid'),
    fieldRef('_pod_ip', 'status.podIP'),
    fieldRef('_pod_nodeName', 'spec.nodeName'),
    env('_pod_containerName', CONTAINER.proxy),
    ...coresEnv(v),
  ]
  if (p.requireIdentityOnInboundPorts) envs.push(env('LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY', p.requireIdentityOnInboundPorts))
  envs.push(
    env('LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED', String(p.enableShutdownEndpoint)),
    env('LINKERD2_PROXY_LOG', `${p.logLevel}${p.logHTTPHeaders === 'insecure' ? '' : ',[{headers}]=off,[{request}]=off'}`),
    env('LINKERD2_PROXY_LOG_FORMAT', p.logFormat),
    env('LINKERD2_PROXY_DESTINATION_SVC_ADDR', `linkerd-dst-headless.${namespace}.svc.${v.clusterDomain}.:8086`),
    env('LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS', v.clusterNetworks),
    env('LINKERD2_PROXY_POLICY_SVC_ADDR', `linkerd-policy.${namespace}.svc.${v.clusterDomain}.:8090`),
    env('LINKERD2_PROXY_POLICY_WORKLOAD', '{"ns":"$(_pod_ns)", "pod":"$(_pod_name)"}\n'),
    env('LINKERD2_PROXY_INBOUND_DEFAULT_POLICY', p.defaultInboundPolicy),
    env('LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS', v.clusterNetworks),
    env('LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT', p.control.streams.initialTimeout),
    env('LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT', p.control.streams.idleTimeout),
    env('LINKERD2_PROXY_CONTROL_STREAM_LIFETIME', p.control.streams.lifetime),
  )
  if (p.inboundConnectTimeout) envs.push(env('LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT', p.inboundConnectTimeout))
  if (p.outboundConnectTimeout) envs.push(env('LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT', p.outboundConnectTimeout))
  if (p.outboundDiscoveryCacheUnusedTimeout) envs.push(env('LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT', p.outboundDiscoveryCacheUnusedTimeout))
  if (p.inboundDiscoveryCacheUnusedTimeout) envs.push(env('LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT', p.inboundDiscoveryCacheUnusedTimeout))
  if (p.disableOutboundProtocolDetectTimeout) envs.push(env('LINKERD2_PROXY_OUTBOUND_DETECT_TIMEOUT', '365d'))
  if (p.disableInboundProtocolDetectTimeout) envs.push(env('LINKERD2_PROXY_INBOUND_DETECT_TIMEOUT', '365d'))
  envs.push(
    env('LINKERD2_PROXY_CONTROL_LISTEN_ADDR', `${host}:${p.ports.control}`),
    env('LINKERD2_PROXY_ADMIN_LISTEN_ADDR', `${host}:${p.ports.admin}`),
    env('LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR', `127.0.0.1:${p.ports.outbound}`),
    env('LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS', `127.0.0.1:${p.ports.outbound}${v.disableIPv6 ? '' : `,[::1]:${p.ports.outbound}`}`),
    env('LINKERD2_PROXY_INBOUND_LISTEN_ADDR', `${host}:${p.ports.inbound}`),
    fieldRef('LINKERD2_PROXY_INBOUND_IPS', 'status.podIPs'),
    env('LINKERD2_PROXY_INBOUND_PORTS', p.podInboundPorts),
  )
  if (p.isGateway) envs.push(env('LINKERD2_PROXY_INBOUND_GATEWAY_SUFFIXES', `svc.${v.clusterDomain}.`))
  if (p.isIngress) envs.push(env('LINKERD2_PROXY_INGRESS_MODE', 'true'))
  envs.push(
    env('LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES', p.enableExternalProfiles ? '.' : `svc.${v.clusterDomain}.`),
    env('LINKERD2_PROXY_INBOUND_ACCEPT_KEEPALIVE', '10000ms'),
    env('LINKERD2_PROXY_OUTBOUND_CONNECT_KEEPALIVE', '10000ms'),
    env('LINKERD2_PROXY_INBOUND_ACCEPT_USER_TIMEOUT', '30s'),
    env('LINKERD2_PROXY_OUTBOUND_CONNECT_USER_TIMEOUT', '30s'),
    env('LINKERD2_PROXY_OUTBOUND_METRICS_HOSTNAME_LABELS', String(p.metrics.hostnameLabels)),
    ...tracingEnv(v, trustDomain, namespace),
    ...proxyParams(v),
  )
  if (p.opaquePorts) envs.push(env('LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION', p.opaquePorts))
  envs.push(
    env('LINKERD2_PROXY_DESTINATION_CONTEXT', '{"ns":"$(_pod_ns)", "nodeName":"$(_pod_nodeName)", "pod":"$(_pod_name)"}\n'),
    fieldRef('_pod_sa', 'spec.serviceAccountName'),
    env('_l5d_ns', namespace),
    env('_l5d_trustdomain', trustDomain),
    env('LINKERD2_PROXY_IDENTITY_DIR', '/var/run/linkerd/identity/end-entity'),
    // The PEM trimmed and written as a literal block, which ends in one newline.
    env('LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS', `${v.identityTrustAnchorsPEM.trim()}\n`),
    env(
      'LINKERD2_PROXY_IDENTITY_TOKEN_FILE',
      v.identity.serviceAccountTokenProjection ? '/var/run/secrets/tokens/linkerd-identity-token' : '/var/run/secrets/kubernetes.io/serviceaccount/token',
    ),
    env('LINKERD2_PROXY_IDENTITY_SVC_ADDR', `linkerd-identity-headless.${namespace}.svc.${v.clusterDomain}.:8080`),
    env('LINKERD2_PROXY_IDENTITY_LOCAL_NAME', `$(_pod_sa).$(_pod_ns).serviceaccount.identity.${namespace}.${trustDomain}`),
    env('LINKERD2_PROXY_IDENTITY_SVC_NAME', identity('linkerd-identity')),
    env('LINKERD2_PROXY_DESTINATION_SVC_NAME', identity('linkerd-destination')),
    env('LINKERD2_PROXY_POLICY_SVC_NAME', identity('linkerd-destination')),
  )
  if (p.accessLog) envs.push(env('LINKERD2_PROXY_ACCESS_LOG', p.accessLog))
  if (p.shutdownGracePeriod) envs.push(env('LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD', p.shutdownGracePeriod))
  envs.push(...p.additionalEnv.map((e) => withoutNulls(e)), ...p.experimentalEnv.map((e) => withoutNulls(e)))

  const container: Container = {
    env: envs,
    image: image(p.image.name, p.image.version, v.linkerdVersion),
    imagePullPolicy: p.image.pullPolicy || v.imagePullPolicy,
    livenessProbe: probe('/live', p.ports.admin, {initialDelaySeconds: p.livenessProbe.initialDelaySeconds, timeoutSeconds: p.livenessProbe.timeoutSeconds}),
    name: CONTAINER.proxy,
    ports: [
      {containerPort: p.ports.inbound, name: PROXY_PORT_NAMES.inbound},
      {containerPort: p.ports.admin, name: PROXY_PORT_NAMES.admin},
    ],
    readinessProbe: probe('/ready', p.ports.admin, {initialDelaySeconds: p.readinessProbe.initialDelaySeconds, timeoutSeconds: p.readinessProbe.timeoutSeconds}),
  }
  if (container.imagePullPolicy === '') delete container.imagePullPolicy
  if (p.nativeSidecar && p.await) {
    container.startupProbe = probe('/ready', p.ports.admin, {
      initialDelaySeconds: p.startupProbe.initialDelaySeconds,
      periodSeconds: p.startupProbe.periodSeconds,
      failureThreshold: p.startupProbe.failureThreshold,
    })
  }
  const resources = resourcesBlock(p.resources)
  if (resources) container.resources = resources
  if (Object.keys(p.securityContext).length > 0) container.securityContext = withoutNulls(p.securityContext)
  else {
    const capabilities = capabilitiesBlock(p.capabilities)
    container.securityContext = {
      allowPrivilegeEscalation: false,
      ...(capabilities ? {capabilities} : {}),
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: p.uid,
      ...(p.gid >= 0 ? {runAsGroup: p.gid} : {}),
      seccompProfile: {type: 'RuntimeDefault'},
    }
  }
  container.terminationMessagePolicy = 'FallbackToLogsOnError'
  if (!p.nativeSidecar && (p.await || p.waitBeforeExitSeconds)) {
    const lifecycle: Container = {}
    if (p.await) lifecycle.postStart = {exec: {command: ['/usr/lib/linkerd/linkerd-await', '--timeout=2m', `--port=${p.ports.admin}`]}}
    if (p.waitBeforeExitSeconds) lifecycle.preStop = {exec: {command: ['/bin/sleep', goFormatNumber(p.waitBeforeExitSeconds)]}}
    container.lifecycle = lifecycle
  }
  const mounts: Container[] = [{mountPath: '/var/run/linkerd/identity/end-entity', name: VOLUME.identityEndEntity}]
  if (p.tracing?.enabled) mounts.push({mountPath: '/var/run/linkerd/podinfo', name: VOLUME.podInfo})
  if (v.identity.serviceAccountTokenProjection) mounts.push({mountPath: '/var/run/secrets/tokens', name: VOLUME.identityToken})
  if (p.saMountPath) mounts.push({mountPath: p.saMountPath.mountPath, name: p.saMountPath.name, ...(p.saMountPath.readOnly ? {readOnly: true} : {})})
  container.volumeMounts = mounts
  if (p.nativeSidecar) container.restartPolicy = 'Always'
  return sortKeys(container)
}

/** partials.proxy-init: the linkerd-init container that writes the iptables rules. */
export function renderProxyInit(v: InjectValues): Container {
  const p = v.proxy
  const pi = v.proxyInit
  const mode = pi.iptablesMode || 'legacy'
  const args: string[] = []
  if (mode === 'nft') args.push('--firewall-bin-path', 'iptables-nft', '--firewall-save-bin-path', 'iptables-nft-save')
  else if (mode !== 'legacy') throw new RenderError(`Unsupported value "${pi.iptablesMode}" for proxyInit.iptablesMode\nValid values: ["nft", "legacy"]`)
  if (v.disableIPv6) args.push('--ipv6=false')
  args.push('--incoming-proxy-port', String(p.ports.inbound), '--outgoing-proxy-port', String(p.ports.outbound), '--proxy-uid', String(p.uid))
  if (p.gid >= 0) args.push('--proxy-gid', String(p.gid))
  args.push('--inbound-ports-to-ignore', `${p.ports.control},${p.ports.admin}${pi.ignoreInboundPorts ? `,${pi.ignoreInboundPorts}` : ''}`)
  if (pi.ignoreOutboundPorts) args.push('--outbound-ports-to-ignore', pi.ignoreOutboundPorts)
  if (pi.closeWaitTimeoutSecs) {
    if (!pi.runAsRoot) throw new RenderError('proxyInit.runAsRoot must be set to use proxyInit.closeWaitTimeoutSecs')
    args.push('--timeout-close-wait-secs', goFormatNumber(pi.closeWaitTimeoutSecs))
  }
  if (pi.logFormat) args.push('--log-format', pi.logFormat)
  if (pi.logLevel) args.push('--log-level', pi.logLevel)
  if (pi.skipSubnets) args.push('--subnets-to-ignore', pi.skipSubnets)

  const privileged = Boolean(pi.closeWaitTimeoutSecs || pi.privileged)
  const capabilities: Container = {add: ['NET_ADMIN', 'NET_RAW', ...(pi.capabilities?.add ?? [])]}
  if (pi.capabilities?.drop.length) capabilities.drop = [...pi.capabilities.drop]
  const container: Container = {
    args,
    command: ['/usr/lib/linkerd/linkerd2-proxy-init'],
    image: image(p.image.name, p.image.version, v.linkerdVersion),
    imagePullPolicy: p.image.pullPolicy || v.imagePullPolicy,
    name: CONTAINER.init,
    securityContext: {
      allowPrivilegeEscalation: privileged,
      capabilities,
      privileged,
      ...(pi.runAsRoot
        ? {runAsGroup: 0, runAsNonRoot: false, runAsUser: 0}
        : {runAsNonRoot: true, runAsUser: pi.runAsUser === 0 ? 65534 : pi.runAsUser, runAsGroup: pi.runAsGroup === 0 ? 65534 : pi.runAsGroup}),
      readOnlyRootFilesystem: true,
      seccompProfile: {type: 'RuntimeDefault'},
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  }
  if (container.imagePullPolicy === '') delete container.imagePullPolicy
  const resources = resourcesBlock(p.resources)
  if (resources) container.resources = resources
  const mounts: Container[] = []
  if (!v.cniEnabled) mounts.push({mountPath: pi.xtMountPath.mountPath, name: pi.xtMountPath.name})
  if (pi.saMountPath) mounts.push({mountPath: pi.saMountPath.mountPath, name: pi.saMountPath.name, ...(pi.saMountPath.readOnly ? {readOnly: true} : {})})
  if (mounts.length > 0) container.volumeMounts = mounts
  return sortKeys(container)
}

/** partials.network-validator: CNI mode's check that the CNI plugin redirected traffic. */
export function renderNetworkValidator(v: InjectValues): Container {
  const nv = v.networkValidator
  const container: Container = {
    args: [
      '--log-format',
      nv.logFormat,
      '--log-level',
      nv.logLevel,
      '--connect-addr',
      nv.connectAddr || (v.disableIPv6 ? '1.1.1.1:20001' : '[fd00::1]:20001'),
      '--listen-addr',
      nv.listenAddr || (v.disableIPv6 ? '0.0.0.0:4140' : '[::]:4140'),
      '--timeout',
      nv.timeout,
    ],
    command: ['/usr/lib/linkerd/linkerd2-network-validator'],
    image: image(v.proxy.image.name, v.proxy.image.version, v.linkerdVersion),
    imagePullPolicy: v.proxy.image.pullPolicy || v.imagePullPolicy,
    name: CONTAINER.networkValidator,
    securityContext:
      Object.keys(nv.securityContext).length > 0
        ? withoutNulls(nv.securityContext)
        : {
            allowPrivilegeEscalation: false,
            capabilities: {drop: ['ALL']},
            readOnlyRootFilesystem: true,
            runAsGroup: 65534,
            runAsNonRoot: true,
            runAsUser: 65534,
            seccompProfile: {type: 'RuntimeDefault'},
          },
  }
  if (container.imagePullPolicy === '') delete container.imagePullPolicy
  const resources = resourcesBlock(v.proxy.resources)
  if (resources) container.resources = resources
  return sortKeys(container)
}

/** partials.debug: the linkerd-debug container (`--enable-debug-sidecar`). */
export function renderDebug(v: InjectValues): Container {
  const img = v.debugContainer.image
  const container: Container = {
    image: image(img.name, img.version, v.linkerdVersion),
    imagePullPolicy: img.pullPolicy || v.imagePullPolicy,
    livenessProbe: {exec: {command: ['true']}},
    name: CONTAINER.debug,
    readinessProbe: {exec: {command: ['true']}},
    terminationMessagePolicy: 'FallbackToLogsOnError',
  }
  if (container.imagePullPolicy === '') delete container.imagePullPolicy
  return sortKeys(container)
}
