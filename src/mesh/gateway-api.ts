// The Gateway API CRDs Linkerd's policy controller watches (linkerd2 pkg/healthcheck, since
// edge-26.7.1: they must be installed before Linkerd, at a version that serves `v1`).
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io'

/** CRDs that must exist, each serving `version` (Gateway API v1.1.1 or later). */
export const GATEWAY_API_CRDS: ReadonlyArray<{name: string; version: string}> = [
  {name: `httproutes.${GATEWAY_API_GROUP}`, version: 'v1'},
  {name: `grpcroutes.${GATEWAY_API_GROUP}`, version: 'v1'},
]

/** Set by Gateway API's own manifests: which release a CRD came from. */
export const GATEWAY_API_BUNDLE_VERSION = `${GATEWAY_API_GROUP}/bundle-version`

/** What `linkerd check` tells a user without the CRDs (the release its docs point at). */
export const GATEWAY_API_INSTALL = 'kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml'
