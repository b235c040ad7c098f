// Annotation and label names Linkerd reads and writes (linkerd/linkerd2 pkg/k8s/labels.go at the
// baseline commit of reference/linkerd2-cli.md).
export const INJECT = 'linkerd.io/inject'
export const INJECT_VALUES = ['enabled', 'disabled', 'ingress'] as const

export const CONFIG_PREFIX = 'config.linkerd.io/'
export const CONFIG_ALPHA_PREFIX = 'config.alpha.linkerd.io/'
export const CONFIG_BETA_PREFIX = 'config.beta.linkerd.io/'

export const CONTROL_PLANE_COMPONENT_LABEL = 'linkerd.io/control-plane-component'

/** `config.linkerd.io/<name>` */
export function configAnnotation(name: string): string {
  return CONFIG_PREFIX + name
}

/** Every `config.linkerd.io/*` annotation the proxy injector honours on a pod template or namespace. */
export const CONFIG_ANNOTATIONS = [
  'proxy-image', 'image-pull-policy', 'proxy-version', 'debug-image', 'debug-image-version', 'debug-image-pull-policy',
  'enable-debug-sidecar', 'control-port', 'admin-port', 'inbound-port', 'outbound-port', 'pod-inbound-ports',
  'skip-inbound-ports', 'skip-outbound-ports', 'skip-subnets', 'opaque-ports', 'proxy-cpu-request', 'proxy-cpu-limit',
  'proxy-cpu-ratio-limit', 'proxy-memory-request', 'proxy-memory-limit', 'proxy-ephemeral-storage-request',
  'proxy-ephemeral-storage-limit', 'proxy-uid', 'proxy-gid', 'proxy-admin-shutdown', 'proxy-log-level', 'proxy-log-format',
  'proxy-log-http-headers', 'access-log', 'enable-external-profiles', 'proxy-require-identity-inbound-ports',
  'proxy-metrics-hostname-labels', 'proxy-outbound-connect-timeout', 'proxy-inbound-connect-timeout',
  'proxy-outbound-discovery-cache-unused-timeout', 'proxy-inbound-discovery-cache-unused-timeout',
  'proxy-disable-outbound-protocol-detect-timeout', 'proxy-disable-inbound-protocol-detect-timeout', 'enable-gateway',
  'proxy-await', 'default-inbound-policy', 'close-wait-timeout', 'shutdown-grace-period', 'proxy-enable-native-sidecar',
  'proxy-additional-env',
].map(configAnnotation)

/** Alpha-prefixed: the wait-before-exit delay (legacy layout preStop hook). */
export const WAIT_BEFORE_EXIT_ANNOTATION = CONFIG_ALPHA_PREFIX + 'proxy-wait-before-exit-seconds'
