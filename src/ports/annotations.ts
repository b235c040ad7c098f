// Annotation names Linkerd's injector reads on a pod template, inheriting them from the namespace
// when the pod does not set them (linkerd/linkerd2 pkg/k8s/labels.go).
export const ANNOTATIONS = {
  inject: 'linkerd.io/inject',
  opaquePorts: 'config.linkerd.io/opaque-ports',
  skipInboundPorts: 'config.linkerd.io/skip-inbound-ports',
  skipOutboundPorts: 'config.linkerd.io/skip-outbound-ports',
  skipSubnets: 'config.linkerd.io/skip-subnets',
  inboundPort: 'config.linkerd.io/inbound-port',
  outboundPort: 'config.linkerd.io/outbound-port',
  adminPort: 'config.linkerd.io/admin-port',
  controlPort: 'config.linkerd.io/control-port',
  nativeSidecar: 'config.linkerd.io/proxy-enable-native-sidecar',
  nativeSidecarBeta: 'config.beta.linkerd.io/proxy-enable-native-sidecar',
  nativeSidecarAlpha: 'config.alpha.linkerd.io/proxy-enable-native-sidecar',
  proxyVersion: 'linkerd.io/proxy-version',
} as const

/** Chart defaults of the current Linkerd (values.yaml: proxy.opaquePorts, proxyInit.ignore*Ports). */
export const LINKERD_DEFAULTS = {
  opaquePorts: '25,587,3306,4444,5432,6379,9300,11211',
  skipInboundPorts: '4567,4568',
  skipOutboundPorts: '4567,4568',
} as const
