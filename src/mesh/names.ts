// Linkerd's vocabulary on Kubernetes objects: the annotation, label, container and volume names its
// injector and control plane read and write (linkerd/linkerd2 pkg/k8s/labels.go). Defined here
// once; everything else imports these names instead of spelling them.

export const CONFIG_PREFIX = 'config.linkerd.io/'
const ALPHA = 'config.alpha.linkerd.io/'
const BETA = 'config.beta.linkerd.io/'
/** Prefixes of the per-workload proxy settings, current and older. */
export const CONFIG_PREFIXES = [CONFIG_PREFIX, ALPHA, BETA] as const
/** Every key Linkerd owns starts with this (uninject removes them, `linkerd.io/inject: disabled` aside). */
export const LINKERD_PREFIX = 'linkerd.io'

const C = CONFIG_PREFIX
export const ANNOTATION = {
  /** `enabled`, `disabled` or `ingress`, on a pod template or a namespace. */
  inject: 'linkerd.io/inject',
  /** Stamped by the injector: who injected, which proxy version, which trust roots. */
  createdBy: 'linkerd.io/created-by',
  injectedProxyVersion: 'linkerd.io/proxy-version',
  trustRootSha256: 'linkerd.io/trust-root-sha256',
  // Proxy settings the injector honours on a pod template, inherited from the namespace.
  proxyImage: `${C}proxy-image`,
  imagePullPolicy: `${C}image-pull-policy`,
  debugImage: `${C}debug-image`,
  debugImageVersion: `${C}debug-image-version`,
  debugImagePullPolicy: `${C}debug-image-pull-policy`,
  controlPort: `${C}control-port`,
  skipInboundPorts: `${C}skip-inbound-ports`,
  opaquePorts: `${C}opaque-ports`,
  skipOutboundPorts: `${C}skip-outbound-ports`,
  skipSubnets: `${C}skip-subnets`,
  inboundPort: `${C}inbound-port`,
  adminPort: `${C}admin-port`,
  outboundPort: `${C}outbound-port`,
  podInboundPorts: `${C}pod-inbound-ports`,
  cpuRequest: `${C}proxy-cpu-request`,
  memoryRequest: `${C}proxy-memory-request`,
  ephemeralStorageRequest: `${C}proxy-ephemeral-storage-request`,
  cpuLimit: `${C}proxy-cpu-limit`,
  cpuRatioLimit: `${C}proxy-cpu-ratio-limit`,
  memoryLimit: `${C}proxy-memory-limit`,
  ephemeralStorageLimit: `${C}proxy-ephemeral-storage-limit`,
  uid: `${C}proxy-uid`,
  gid: `${C}proxy-gid`,
  adminShutdown: `${C}proxy-admin-shutdown`,
  logLevel: `${C}proxy-log-level`,
  logHTTPHeaders: `${C}proxy-log-http-headers`,
  logFormat: `${C}proxy-log-format`,
  enableExternalProfiles: `${C}enable-external-profiles`,
  /** The override of the proxy image tag (the injector's stamp is `injectedProxyVersion`). */
  proxyVersion: `${C}proxy-version`,
  requireIdentityInboundPorts: `${C}proxy-require-identity-inbound-ports`,
  hostnameLabels: `${C}proxy-metrics-hostname-labels`,
  outboundConnectTimeout: `${C}proxy-outbound-connect-timeout`,
  inboundConnectTimeout: `${C}proxy-inbound-connect-timeout`,
  outboundDiscoveryCacheUnusedTimeout: `${C}proxy-outbound-discovery-cache-unused-timeout`,
  inboundDiscoveryCacheUnusedTimeout: `${C}proxy-inbound-discovery-cache-unused-timeout`,
  disableOutboundProtocolDetectTimeout: `${C}proxy-disable-outbound-protocol-detect-timeout`,
  disableInboundProtocolDetectTimeout: `${C}proxy-disable-inbound-protocol-detect-timeout`,
  enableGateway: `${C}enable-gateway`,
  enableDebugSidecar: `${C}enable-debug-sidecar`,
  closeWaitTimeout: `${C}close-wait-timeout`,
  waitBeforeExitSeconds: `${ALPHA}proxy-wait-before-exit-seconds`,
  nativeSidecarAlpha: `${ALPHA}proxy-enable-native-sidecar`,
  nativeSidecarBeta: `${BETA}proxy-enable-native-sidecar`,
  nativeSidecar: `${C}proxy-enable-native-sidecar`,
  await: `${C}proxy-await`,
  defaultInboundPolicy: `${C}default-inbound-policy`,
  accessLog: `${C}access-log`,
  shutdownGracePeriod: `${C}shutdown-grace-period`,
  additionalEnv: `${C}proxy-additional-env`,
} as const

export const LABEL = {
  /** On every control-plane object: `destination`, `identity`, `proxy-injector`, ... */
  controlPlaneComponent: 'linkerd.io/control-plane-component',
  /** On every meshed pod and cluster-wide control-plane object: the control plane's namespace. */
  controlPlaneNamespace: 'linkerd.io/control-plane-ns',
  workloadNamespace: 'linkerd.io/workload-ns',
  /** On a namespace: `disabled` keeps the injector's webhook away from it. */
  admissionWebhooks: `${C}admission-webhooks`,
  /** On an extension's namespace and objects: `viz`, `multicluster`, `jaeger`, ... */
  extension: 'linkerd.io/extension',
  /** On every object of the linkerd-cni chart. */
  cniResource: 'linkerd.io/cni-resource',
} as const

/** The owner label the injector adds to a meshed pod, e.g. `linkerd.io/proxy-deployment`. */
export const proxyOwnerLabel = (kind: string): string => `linkerd.io/proxy-${kind}`


export const CONTAINER = {
  proxy: 'linkerd-proxy',
  init: 'linkerd-init',
  networkValidator: 'linkerd-network-validator',
  debug: 'linkerd-debug',
} as const

export const VOLUME = {
  identityEndEntity: 'linkerd-identity-end-entity',
  identityToken: 'linkerd-identity-token',
  xtablesLock: 'linkerd-proxy-init-xtables-lock',
  podInfo: 'linkerd-podinfo',
} as const
